import NexWire

/// What one durable border post of the crash test received. Owned by its thread during the run,
/// read by the report afterwards.
struct InboxTally: Sendable {
    /// Every distinct message id delivered (duplicates dropped by id, as a client must).
    private(set) var received: Set<MessageID> = []
    /// `deliver` frames read, duplicates included.
    private(set) var deliveries = 0
    /// Deliveries of an id already received (at-least-once redeliveries after a kill).
    private(set) var duplicates = 0
    /// Durable subscribes accepted (one per nexd it reached), and the notices their inbox status
    /// said were waiting, and had expired.
    var attaches = 0
    var waitingAtAttach = 0
    var expiredAtAttach = 0
    /// Receipts sent.
    var receipts = 0
    /// Connections that ended while nexd was not being killed, and their reasons (the first few).
    var unexpectedDisconnects = 0
    var disconnectReasons: [String] = []
    /// What went wrong (a refused subscribe, an unasked `subnack`, an undecodable envelope).
    var failures: [String] = []

    /// Records one delivery of `id`.
    mutating func deliver(_ id: MessageID) {
        deliveries += 1
        if !received.insert(id).inserted { duplicates += 1 }
    }

    /// The ids of `expected` not delivered.
    func missing(from expected: Set<MessageID>) -> Set<MessageID> {
        expected.subtracting(received)
    }
}
