/// Decides when a quiet connection is pinged and when it is closed (`limits.idleTimeoutSeconds`).
///
/// A value-type state machine driven by the connection queue: it is told when bytes arrive and how
/// the frame decoder stands, and ``check(at:)`` returns what to do. Times are monotonic nanoseconds
/// (`DispatchTime.uptimeNanoseconds`).
///
/// Invariants: any received byte counts as activity; half a timeout without activity earns one ping
/// (until activity resets it); a full timeout without activity closes. Independently, a frame left
/// incomplete for a full timeout closes, so a peer cannot hold a connection by trickling one byte
/// of an endless frame at a time.
struct IdleWatch: Sendable, Equatable {
    /// What the connection should do now.
    enum Action: Equatable, Sendable {
        case none
        /// Send a ping: the peer has been quiet for half the timeout.
        case ping
        /// Close the connection, audited with the reason.
        case close(Reason)
    }

    /// Why a connection is closed (stable codes for the audit record's `reason`).
    enum Reason: String, Sendable {
        /// Nothing arrived for the whole timeout, not even an answer to the ping.
        case idle = "idle-timeout"
        /// A frame was begun but not finished within the timeout.
        case incompleteFrame = "incomplete-frame"
    }

    let timeoutNanos: UInt64
    private(set) var lastActivityNanos: UInt64
    /// Since when part of a frame has waited for the rest (nil when the decoder holds nothing).
    private(set) var incompleteFrameSinceNanos: UInt64?
    private(set) var isPingOutstanding = false

    init(timeout: Duration, startingAt now: UInt64) {
        let (seconds, attoseconds) = timeout.components
        timeoutNanos = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        lastActivityNanos = now
    }

    /// Bytes arrived from the peer.
    mutating func received(at now: UInt64) {
        lastActivityNanos = now
        isPingOutstanding = false
    }

    /// The decoder took what it could: `completedFrames` frames came out and `bufferedBytes` remain
    /// (part of a frame). A completed frame restarts the incomplete-frame clock.
    mutating func decoded(completedFrames: Int, bufferedBytes: Int, at now: UInt64) {
        if bufferedBytes == 0 {
            incompleteFrameSinceNanos = nil
        } else if completedFrames > 0 || incompleteFrameSinceNanos == nil {
            incompleteFrameSinceNanos = now
        }
    }

    /// nexd itself stopped reading (backpressure): the peer's silence is not its fault.
    mutating func readingPaused(at now: UInt64) {
        received(at: now)
        if incompleteFrameSinceNanos != nil { incompleteFrameSinceNanos = now }
    }

    /// What to do at `now`. Returns ``Action/ping`` at most once per quiet spell.
    mutating func check(at now: UInt64) -> Action {
        if let since = incompleteFrameSinceNanos, now &- since >= timeoutNanos { return .close(.incompleteFrame) }
        let quiet = now &- lastActivityNanos
        if quiet >= timeoutNanos { return .close(.idle) }
        if quiet >= timeoutNanos / 2, !isPingOutstanding {
            isPingOutstanding = true
            return .ping
        }
        return .none
    }

    /// When ``check(at:)`` next has something to do (if nothing arrives meanwhile).
    var nextDeadlineNanos: UInt64 {
        var deadline = lastActivityNanos + (isPingOutstanding ? timeoutNanos : timeoutNanos / 2)
        if let since = incompleteFrameSinceNanos { deadline = min(deadline, since + timeoutNanos) }
        return deadline
    }
}
