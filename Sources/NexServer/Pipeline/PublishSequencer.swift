import Synchronization

/// Keeps one connection's publishes in arrival order while their signatures are verified in
/// parallel: each publish takes a ticket on the connection queue; workers complete tickets in any
/// order; completed candidates are released strictly in ticket order.
///
/// `release` runs inside the lock so two workers cannot interleave their releases; it must only
/// enqueue (the broker queue's `async`), never block.
final class PublishSequencer: Sendable {
    private struct State {
        var nextTicket: UInt64 = 0
        var nextRelease: UInt64 = 0
        var completed: [UInt64: PublishCandidate] = [:]
    }

    private let state = Mutex(State())

    /// Takes the next ticket. Called on the connection queue, in arrival order.
    func takeTicket() -> UInt64 {
        state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
    }

    /// Records `candidate` for `ticket` and releases every candidate now in order.
    func complete(_ ticket: UInt64, with candidate: PublishCandidate, release: (PublishCandidate) -> Void) {
        state.withLock { state in
            state.completed[ticket] = candidate
            while let next = state.completed.removeValue(forKey: state.nextRelease) {
                release(next)
                state.nextRelease += 1
            }
        }
    }
}
