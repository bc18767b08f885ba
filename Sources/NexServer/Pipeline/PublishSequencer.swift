import NexSync

/// Keeps one connection's publishes in arrival order while their signatures are verified in
/// parallel: each publish takes a ticket on the connection queue; workers complete tickets in any
/// order; completed candidates are released strictly in ticket order.
///
/// `release` runs inside the lock so two workers cannot interleave their releases; it must only
/// enqueue (one `async` onto the broker queue per batch), never block.
final class PublishSequencer: Sendable {
    private struct State {
        var nextTicket: UInt64 = 0
        var nextRelease: UInt64 = 0
        var completed: [UInt64: PublishCandidate] = [:]
        /// Set while the connection has paused reading: resume once fewer are in flight.
        var resumeBelow: UInt64?

        var inFlight: UInt64 { nextTicket - nextRelease }
    }

    private let state = Locked(State())

    /// Takes the next ticket. Called on the connection queue, in arrival order.
    func takeTicket() -> UInt64 {
        state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
    }

    /// Publishes taken but not yet released to the broker.
    var inFlight: UInt64 {
        state.withLock { $0.inFlight }
    }

    /// Asks to be told (by ``complete(_:release:)`` returning true) once fewer than `threshold`
    /// publishes are in flight. Returns false, asking nothing, when that is already the case: the
    /// caller then need not pause.
    func requestResume(below threshold: UInt64) -> Bool {
        state.withLock { state in
            guard state.inFlight >= threshold else { return false }
            state.resumeBelow = threshold
            return true
        }
    }

    /// Records each finished candidate for its ticket and releases every candidate now in order,
    /// as one batch (one lock and at most one `release` for the lot).
    /// Returns true when a paused connection should resume reading.
    @discardableResult
    func complete(_ finished: [(ticket: UInt64, candidate: PublishCandidate)], release: ([PublishCandidate]) -> Void) -> Bool {
        state.withLock { state in
            for (ticket, candidate) in finished { state.completed[ticket] = candidate }
            var ready: [PublishCandidate] = []
            while let next = state.completed.removeValue(forKey: state.nextRelease) {
                ready.append(next)
                state.nextRelease += 1
            }
            if !ready.isEmpty { release(ready) }
            if let threshold = state.resumeBelow, state.inFlight < threshold {
                state.resumeBelow = nil
                return true
            }
            return false
        }
    }
}
