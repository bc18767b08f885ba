extension InboxLedger {
    /// One notice an inbox holds: the acceptance it refers to. Entries are kept in acceptance order,
    /// the order nexd delivers them in.
    public struct Entry: Sendable, Equatable {
        /// Audit sequence of the accepted `publish` record (the envelope is there).
        public var acceptanceSequence: UInt64
        /// Message id (canonical UUID text).
        public var messageID: String
        /// When nexd accepted the notice (the `route` record's time), Unix milliseconds.
        public var acceptedAtMillis: Int64
        /// The notice's topic, as the `route` record names it.
        public var topic: String?

        /// Creates an entry.
        public init(acceptanceSequence: UInt64, messageID: String, acceptedAtMillis: Int64, topic: String? = nil) {
            self.acceptanceSequence = acceptanceSequence
            self.messageID = messageID
            self.acceptedAtMillis = acceptedAtMillis
            self.topic = topic
        }
    }

    /// One time an inbox entry went out on a connection.
    public struct Delivery: Sendable, Equatable {
        /// When: the `route` record's time (live) or the `inbox redelivered` record's.
        public var timeMillis: Int64
        /// The connection it left on.
        public var connection: UInt64?
        /// The sequence of the record that says so (`route` or `inbox redelivered`).
        public var record: UInt64
        /// True for a redelivery on attach, false for a delivery to a connected recipient.
        public var isRedelivery: Bool
    }

    /// What became of one message in one inbox, for `nex audit trace`: queued → delivered (each
    /// time) → receipted, or expired.
    public struct History: Sendable, Equatable {
        /// The inbox that held the message.
        public var inbox: InboxKey
        /// Audit sequence of the message's acceptance record.
        public var acceptanceSequence: UInt64
        /// Message id (canonical UUID text).
        public var messageID: String
        /// When the entry was made (the `route` record's time) and that record's sequence.
        public var queuedAtMillis: Int64
        public var routeRecord: UInt64
        /// True when the node was offline (`queued`), false when it was delivered live
        /// (`recipients[].inboxes`).
        public var wasQueuedOffline: Bool
        /// Every time the entry went out, in log order.
        public var deliveries: [Delivery] = []
        /// When the inbox's cursor passed the entry (`inbox receipted`), on which connection, and
        /// that record's sequence.
        public var receiptedAtMillis: Int64?
        public var receiptConnection: UInt64?
        public var receiptRecord: UInt64?
        /// When the entry was dropped at a bound (`inbox expired`), which bound, and the sequence
        /// of the record that lists it (the main record or a continuation).
        public var expiredAtMillis: Int64?
        public var expiryBound: String?
        public var expiryRecord: UInt64?
    }

    /// Which messages a ledger keeps a ``History`` of: none (nexd at start-up), every one, or
    /// the given ids (`nex audit trace`).
    public enum HistoryScope: Sendable {
        case none
        case all
        case messages(Set<String>)

        func includes(_ messageID: String) -> Bool {
            switch self {
            case .none: false
            case .all: true
            case .messages(let ids): ids.contains(messageID)
            }
        }
    }
}
