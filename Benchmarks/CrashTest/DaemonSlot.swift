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
    }

    private let state = Locked(State())

    /// The current state.
    var snapshot: State { state.withLock { $0 } }

    /// A new daemon listens on `port`.
    func up(port: UInt16, isFinal: Bool) {
        state.withLock {
            $0.generation += 1
            $0.port = port
            $0.isFinal = isFinal
        }
    }

    /// The current daemon is about to be killed.
    func down() {
        state.withLock { $0.port = nil }
    }

    /// The run is over.
    func finish() {
        state.withLock {
            $0.port = nil
            $0.isFinished = true
        }
    }
}

/// Figures the killer reads while the publishers run.
final class CrashProgress: Sendable {
    /// Publishes sent and not yet answered, over all publishers.
    let inFlight = Atomic<Int>(0)
}
