import NexSync

/// Connections accepted whose TLS handshake has not ended yet, oldest first
/// (`limits.maxPendingHandshakes`).
///
/// When the cap is reached the listener evicts the oldest to admit the newest, so a flood of peers
/// that connect and then say nothing cannot lock real nodes out until their handshakes time out:
/// a valid node's handshake takes milliseconds, a staller's never ends, and the stallers are evicted
/// first. Generic over the element so the bookkeeping is tested without sockets.
final class PendingHandshakeQueue<Element: Sendable>: Sendable {
    private struct State {
        /// Ids in arrival order; ids that already left are skipped when reached.
        var order: [UInt64] = []
        var head = 0
        var members: [UInt64: Element] = [:]
    }

    private let state = Locked(State())

    /// How many handshakes are pending.
    var count: Int { state.withLock { $0.members.count } }

    /// Adds a pending handshake; `id`s must increase (connection ids do).
    func insert(_ element: Element, id: UInt64) {
        state.withLock { state in
            state.order.append(id)
            state.members[id] = element
            Self.compact(&state)
        }
    }

    /// Removes a handshake that ended (completed, failed, evicted); false when it was not pending.
    @discardableResult
    func remove(_ id: UInt64) -> Bool {
        state.withLock { $0.members.removeValue(forKey: id) != nil }
    }

    /// Removes and returns the oldest pending handshake, if any.
    func removeOldest() -> (id: UInt64, element: Element)? {
        state.withLock { state in
            defer { Self.compact(&state) }
            while state.head < state.order.count {
                let id = state.order[state.head]
                state.head += 1
                if let element = state.members.removeValue(forKey: id) { return (id, element) }
            }
            return nil
        }
    }

    /// Keeps `order` from growing without bound: drops the consumed head now and then, and the ids
    /// of handshakes that already ended once they outnumber the pending ones.
    private static func compact(_ state: inout State) {
        if state.head > 1024, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
        if state.order.count - state.head > 4 * max(state.members.count, 256) {
            state.order = state.order[state.head...].filter { state.members[$0] != nil }
            state.head = 0
        }
    }
}
