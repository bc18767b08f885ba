import NexSync
import Synchronization

/// Where the publishers find nexd. The run publishes each new daemon's port under a new
/// generation and marks it down *before* it sends SIGKILL, so a publisher whose connection drops
/// while the slot still says "up" for the same generation knows nexd dropped it without a kill.
final class DaemonSlot: Sendable {
    struct State: Sendable {
        /// Bumped for every daemon started (the first is 1).
        var generation = 0
        /// The current daemon's port; `nil` while it is down.
        var port: UInt16?
        /// Set for the last daemon: it is not killed, publishers finish against it.
        var isFinal = false
        /// Set when the run is over: publishers stop waiting.
        var isFinished = false
        /// How long daemons had been up before the current one came up, and when it came up.
        var earlierUptime = Duration.zero
        var upSince: ContinuousClock.Instant?
    }

    private let state = Locked(State())

    /// The current state.
    var snapshot: State { state.withLock { $0 } }

    /// How long daemons have been up, over the run: the clock first sends are paced by, so that
    /// restarts (slower as the log grows, and in a debug build) do not use up the schedule.
    var uptime: Duration {
        state.withLock { $0.earlierUptime + ($0.upSince.map { ContinuousClock.now - $0 } ?? .zero) }
    }

    /// A new daemon listens on `port`.
    func up(port: UInt16, isFinal: Bool) {
        state.withLock {
            $0.generation += 1
            $0.port = port
            $0.isFinal = isFinal
            $0.upSince = .now
        }
    }

    /// The current daemon is about to be killed.
    func down() {
        state.withLock { Self.markDown(&$0) }
    }

    /// The run is over.
    func finish() {
        state.withLock {
            Self.markDown(&$0)
            $0.isFinished = true
        }
    }

    private static func markDown(_ state: inout State) {
        state.port = nil
        if let since = state.upSince { state.earlierUptime += ContinuousClock.now - since }
        state.upSince = nil
    }
}

/// Figures the killer reads while the publishers run.
final class CrashProgress: Sendable {
    /// Publishes sent and not yet answered, over all publishers.
    let inFlight = Atomic<Int>(0)
    /// Inbox deliveries received and not yet receipted, over all inbox subscribers: nexd has sent
    /// them, but its inbox cursor is still before them (what a kill now must make it send again).
    let unreceiptedDeliveries = Atomic<Int>(0)
    /// Messages neither ACKed nor refused yet, over all publishers (0: the load is over).
    let unsettledMessages: Atomic<Int>

    init(messages: Int) {
        unsettledMessages = Atomic(messages)
    }
}
