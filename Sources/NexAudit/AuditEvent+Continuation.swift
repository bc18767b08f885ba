extension AuditEvent {
    /// Whether the event lists more missed ids than one record holds.
    var needsContinuation: Bool {
        (missedMessageIDs?.count ?? 0) > Self.missedMessageIDsLimit
    }

    /// The records this event is written as: itself, or — when it lists more than
    /// ``missedMessageIDsLimit`` missed ids — itself with the first ones, `count` (the total) and
    /// `parts`, followed by `continuation` records of the same time, connection, node, peer and
    /// inbox (an `inbox` `expired` record's continuations name the inbox),
    /// each with the next ids, its `part` (2…) and `parts`. Every id appears once, in order.
    ///
    /// ``AuditLog/append(_:completion:)`` writes them in one entry, so they get consecutive
    /// sequence numbers and nothing interleaves (docs/AUDIT.md §Continuation records).
    public func splitIntoRecords() -> [AuditEvent] {
        guard needsContinuation, let ids = missedMessageIDs else { return [self] }
        let limit = Self.missedMessageIDsLimit
        let chunks = stride(from: 0, to: ids.count, by: limit).map { Array(ids[$0 ..< min($0 + limit, ids.count)]) }
        var main = self
        main.missedMessageIDs = chunks[0]
        main.count = count ?? UInt64(ids.count)
        main.parts = chunks.count
        var records = [main]
        for (index, chunk) in chunks.enumerated().dropFirst() {
            var continuation = AuditEvent(.continuation, timeMillis: timeMillis)
            continuation.connection = connection
            continuation.node = node
            continuation.peer = peer
            continuation.inbox = inbox
            let first = index * limit + 1
            continuation.detail = "missed ids \(first)…\(first + chunk.count - 1) of \(ids.count), "
                + "continuing the \(kind.rawValue) record \(index) before this one"
            continuation.missedMessageIDs = chunk
            continuation.part = index + 1
            continuation.parts = chunks.count
            records.append(continuation)
        }
        return records
    }
}
