/// One thing that happened, before the audit log gives it a sequence number and links it.
///
/// Events are plain values built on whichever queue saw the event; ``AuditLog`` encodes them, numbers
/// them and appends them in order. Optional fields are omitted from the record when `nil`.
/// The record format is specified in docs/AUDIT.md.
public struct AuditEvent: Sendable, Equatable {
    /// What kind of event this is (the record's `event` field).
    public enum Kind: String, Sendable, CaseIterable {
        /// nexd started (the record names the config and the version).
        case start
        /// nexd stopped cleanly.
        case stop
        /// A torn final record was cut off at start-up (the record says how many bytes), or the log
        /// is writable again after a failed write or fsync (reason `audit-write-failed`; the record
        /// says what failed, what was cut off and how many appends were refused).
        case repair
        /// A TLS connection was accepted or refused (TLS failure, identity or roster refusal).
        case connect
        /// A connection ended.
        case disconnect
        /// First use of an originator certificate: the record keeps its DER bytes.
        case certificate
        /// A subscription was accepted or refused.
        case subscribe
        /// A subscription was removed.
        case unsubscribe
        /// A publish was accepted (with its signed envelope) or refused (with the reason).
        case publish
        /// The routing decision of one accepted notice: every recipient, one record. With outcome
        /// `refused` (reason `slow-consumer-dropped`): deliveries dropped for one slow subscriber.
        case route
        /// A batch of receipts from one subscriber connection.
        case receipt
        /// A malformed, oversized or unexpected frame; the connection was closed.
        case protocolError = "protocol-error"
        /// nexd re-read its configuration (SIGHUP): applied, or refused with the reason.
        case reload
        /// The rest of a list too long for one record (the `missed` ids of a slow-consumer
        /// `disconnect` or `route` record, or of an `inbox` record with reason `expired`): written
        /// by ``AuditLog`` right after that record, in the same append, never built by callers
        /// (see ``splitIntoRecords()``).
        case continuation
        /// Something happened to a durable inbox (format 3; it has no outcome): its waiting entries
        /// were sent on an attach (reason `redelivered`, with ``AuditEvent/fromSequence`` and
        /// ``AuditEvent/throughSequence``), its cursor moved (`receipted`, with
        /// ``AuditEvent/throughSequence``), or entries were dropped at a bound (`expired`, with
        /// ``AuditEvent/missedMessageIDs``). docs/AUDIT.md §Inboxes.
        case inbox
        /// Format 6: an originator's batch signature, recorded once before the accepted notices of
        /// the batch that refer to it (``AuditEvent/batchSize``, ``AuditEvent/batchRoot``,
        /// ``AuditEvent/restrictionsDigest``, ``AuditEvent/batchSignature``). docs/AUDIT.md
        /// §Batch signatures; written by ``AuditLog`` (``AuditLog/BatchReference``).
        case batch
    }

    /// Whether the action was allowed.
    public enum Outcome: String, Sendable {
        case accepted
        case refused
        /// A byte-identical re-send of an accepted publish, answered with the original ACK.
        case duplicate
    }

    /// One recipient of a routed notice.
    public struct Recipient: Sendable, Equatable {
        /// The subscriber's node id.
        public var node: String
        /// The connection the delivery leaves on.
        public var connection: UInt64
        /// The subscriber's matching subscription ids.
        public var subscriptions: [UInt32]
        /// The durable inboxes of that node, attached to this connection, that the delivery also
        /// carries an entry of (format 3; the record omits the member when empty).
        public var inboxes: [String]
        /// The documented exception to the originator's restrictions it received the notice by
        /// (format 4: ``AuditEvent/complianceException``, D55), or nil; the record omits it when nil.
        public var exception: String?

        /// Creates a recipient entry.
        public init(node: String, connection: UInt64, subscriptions: [UInt32], inboxes: [String] = [], exception: String? = nil) {
            self.node = node
            self.connection = connection
            self.subscriptions = subscriptions
            self.inboxes = inboxes
            self.exception = exception
        }
    }

    /// A matching subscriber that did not receive a routed notice, and why: a connection, or
    /// (format 3) a durable inbox of an offline node.
    public struct Withheld: Sendable, Equatable {
        public var node: String
        /// The subscriber's connection; `nil` for an offline inbox (then ``inbox`` is set).
        public var connection: UInt64?
        /// The offline durable inbox the notice was withheld from; `nil` for a connection.
        public var inbox: String?
        /// Stable reason code (`denied-country`, `not-in-allowed`, …).
        public var reason: String

        /// Creates an entry for a subscriber's connection.
        public init(node: String, connection: UInt64, reason: String) {
            self.node = node
            self.connection = connection
            self.inbox = nil
            self.reason = reason
        }

        /// Creates an entry for a durable inbox not attached to any connection (format 3).
        public init(node: String, inbox: String, reason: String) {
            self.node = node
            self.connection = nil
            self.inbox = inbox
            self.reason = reason
        }
    }

    /// A durable inbox not attached to any connection that a routed notice was queued for: its
    /// node is offline (format 3, the `queued` list of a `route` record).
    public struct Queued: Sendable, Equatable, Hashable {
        /// The inbox's node.
        public var node: String
        /// The inbox's name.
        public var inbox: String
        /// The documented exception to the originator's restrictions it was queued by (format 4,
        /// D55), or nil; the record omits it when nil.
        public var exception: String?

        /// Creates an entry.
        public init(node: String, inbox: String, exception: String? = nil) {
            self.node = node
            self.inbox = inbox
            self.exception = exception
        }
    }

    /// The `exception` of a recipient or queued entry that received a notice only because it was
    /// copied to the General Secretariat for compliance review (format 4, D55).
    public static let complianceException = "compliance"

    public var kind: Kind
    /// Event time in Unix milliseconds.
    public var timeMillis: Int64
    /// For `start`: the audit format the run writes (``AuditFormat/version``), so that an older
    /// verifier refuses rather than passes what it does not know.
    public var format: Int?
    public var outcome: Outcome?
    /// Stable reason code (for example `bad-signature`, `unknown-ca`).
    public var reason: String?
    /// Readable detail for a person; never payloads or keys.
    public var detail: String?
    /// Connection number (per daemon run).
    public var connection: UInt64?
    public var node: String?
    public var role: String?
    public var country: String?
    /// Peer address `ip:port`.
    public var peer: String?
    /// SHA-256 fingerprint (hex) of the peer's or originator's certificate.
    public var certificateFingerprint: String?
    /// Message id (canonical UUID text).
    public var messageID: String?
    public var topic: String?
    /// Notice kind.
    public var noticeKind: String?
    /// Subscription id and filter for subscribe/unsubscribe.
    public var subscriptionID: UInt32?
    public var filter: String?
    /// A durable inbox's name (format 3): on an accepted durable `subscribe`, and on `inbox`
    /// records.
    public var inbox: String?
    /// For `inbox` `redelivered`: the audit sequence of the acceptance record of the first entry
    /// sent (the record's `from`; format 3).
    public var fromSequence: UInt64?
    /// For `inbox` `redelivered`: the acceptance sequence of the last entry sent; for `inbox`
    /// `receipted`: the inbox's new cursor, every entry accepted at or before it received (the
    /// record's `through`; format 3).
    public var throughSequence: UInt64?
    /// Issued-at of an envelope, Unix milliseconds.
    public var issuedAtMillis: Int64?
    /// Format 5, on an accepted publish: the `expires_at` nexd keeps for the record (its document's,
    /// or an update's new document's), Unix milliseconds (D61).
    public var expiresAtMillis: Int64?
    /// SHA-256 (hex) of the envelope's signed bytes: identifies a byte-identical retry.
    public var signedDigest: String?
    /// The signed envelope's wire bytes (accepted publishes keep them for later re-verification).
    public var envelope: [UInt8]?
    /// A certificate's DER bytes (first use of an originator certificate).
    public var certificateDER: [UInt8]?
    /// Audit sequence of the accepted publish a route or duplicate refers to.
    public var acceptedSequence: UInt64?
    /// Recipients of a routing decision.
    public var recipients: [Recipient]?
    /// Durable inboxes of offline nodes a routed notice was queued for, sorted by node then inbox
    /// (format 3; omitted when empty).
    public var queued: [Queued]?
    /// Matching subscribers a routing decision withheld the notice from.
    public var withheld: [Withheld]?
    /// The originator's restrictions, as recorded in a routing decision (`allow:`/`deny:` lists).
    public var restrictions: String?
    /// Message ids confirmed by a receipt batch.
    public var receivedMessageIDs: [String]?
    /// Message ids a slow subscriber missed (a `slow-consumer` disconnect, or deliveries dropped
    /// under the `drop` policy), or an inbox dropped at a bound (`inbox` `expired`), every one, with the total in ``count``. The log writes at most
    /// ``missedMessageIDsLimit`` per record: the rest go to `continuation` records that follow it.
    public var missedMessageIDs: [String]?
    /// A delivery sequence number (receipt batches: the cumulative number received; a disconnect:
    /// the first delivery not receipted).
    public var deliverySequence: UInt64?
    /// How many events a summary record stands for (refusal floods); for a repair after a failed
    /// write, how many appends were refused while the log could not be written; for a durable
    /// `subscribe`, how many entries were waiting when it attached; for `inbox` records, how many
    /// entries were redelivered or expired.
    public var count: UInt64?
    /// For a record whose list was split: this record's place (1 for the main record, which does
    /// not carry it; 2… for `continuation` records) and how many records the list takes.
    public var part: Int?
    public var parts: Int?
    /// Format 6, for `batch`: the batch size N (`size`).
    public var batchSize: UInt32?
    /// Format 6, for `batch`: the batch's Merkle root, hex (`root`).
    public var batchRoot: String?
    /// Format 6, for `batch`: SHA-256 (hex) of the batch's encoded restriction lists.
    public var restrictionsDigest: String?
    /// Format 6, for `batch`: the originator's root signature (`signature`, base64).
    public var batchSignature: [UInt8]?

    /// The most message ids one record lists as missed; longer lists continue in `continuation`
    /// records (``splitIntoRecords()``).
    public static let missedMessageIDsLimit = 1000

    /// Creates an event of `kind` at `timeMillis` with every optional field empty.
    public init(_ kind: Kind, timeMillis: Int64, outcome: Outcome? = nil) {
        self.kind = kind
        self.timeMillis = timeMillis
        self.outcome = outcome
        if kind == .start { format = AuditFormat.version }
    }
}
