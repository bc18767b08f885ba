import Foundation
import NexCrypto

/// The chain of custody of one message, from its records: who published it with which certificate,
/// what nexd decided, who it was routed to or withheld from and why, and who confirmed receipt.
public struct AuditTrace: Sendable {
    /// One subscriber of the routing decision.
    public struct Recipient: Sendable, Equatable {
        public var node: String
        public var connection: Int64?
        /// Subscription ids (recipients) or the reason it was withheld.
        public var subscriptions: [Int64] = []
        public var reason: String?
        /// For a recipient: the durable inboxes the delivery also made an entry of. For a queued
        /// or withheld durable inbox of an offline node: its name (then ``connection`` is nil).
        public var inboxes: [String] = []
        /// For a recipient or queued inbox: the documented exception to the originator's
        /// restrictions it received the notice by (`compliance`, format 4, D55), or nil.
        public var exception: String?
    }

    /// One receipt naming the message.
    public struct Receipt: Sendable, Equatable {
        public var node: String
        public var connection: Int64?
        public var time: String
        public var sequence: UInt64
    }

    public var messageID: String
    /// The publish records (accepted, refused or duplicate), in log order.
    public var publishes: [AuditRecord] = []
    /// The routing decision, if the message was accepted.
    public var route: AuditRecord?
    public var recipients: [Recipient] = []
    /// Durable inboxes of offline nodes the notice was queued for (format 3).
    public var queued: [Recipient] = []
    public var withheld: [Recipient] = []
    /// What became of the message in each durable inbox that held it: queued → delivered →
    /// receipted (or expired). Filled by ``traceInboxes(directory:)``, which reads the whole log.
    public var inboxes: [InboxLedger.History] = []

    /// Whether the routing decision made an entry in some durable inbox.
    public var involvesInboxes: Bool { !queued.isEmpty || recipients.contains { !$0.inboxes.isEmpty } }
    public var receipts: [Receipt] = []
    /// The result of re-verifying the stored signature now (`nil` when not accepted or not checked).
    public var signatureCheck: String?

    /// The accepted publish, if any.
    public var acceptance: AuditRecord? { publishes.first { $0.string("outcome") == "accepted" } }

    /// Recipients with no receipt naming the message.
    public var unreceipted: [Recipient] {
        recipients.filter { recipient in
            !receipts.contains { $0.node == recipient.node && ($0.connection == nil || recipient.connection == nil || $0.connection == recipient.connection) }
        }
    }

    /// Builds the trace from the message's records; `certificate` finds a stored originator
    /// certificate record by fingerprint, and `batchRecords` the `batch` records of a batch root
    /// (hex; format 6), for re-verifying the signature.
    public init(messageID: String, records: [AuditRecord], certificate: (String) -> AuditRecord? = { _ in nil },
                batchRecords: @escaping (String) -> [AuditRecord] = { _ in [] }) {
        self.messageID = messageID
        for record in records.sorted(by: { ($0.sequence ?? 0) < ($1.sequence ?? 0) }) {
            switch record.event {
            case "publish" where record.string("msg") == messageID:
                publishes.append(record)
            case "route" where record.string("msg") == messageID:
                route = record
                recipients = record.objects("recipients").map {
                    Recipient(node: $0["node"] as? String ?? "?", connection: ($0["conn"] as? NSNumber)?.int64Value,
                              subscriptions: ($0["subs"] as? [NSNumber])?.map(\.int64Value) ?? [],
                              inboxes: $0["inboxes"] as? [String] ?? [], exception: $0["exception"] as? String)
                }
                queued = record.objects("queued").map {
                    Recipient(node: $0["node"] as? String ?? "?", inboxes: [$0["inbox"] as? String ?? "?"],
                              exception: $0["exception"] as? String)
                }
                withheld = record.objects("withheld").map {
                    Recipient(node: $0["node"] as? String ?? "?", connection: ($0["conn"] as? NSNumber)?.int64Value,
                              reason: $0["reason"] as? String, inboxes: ($0["inbox"] as? String).map { [$0] } ?? [])
                }
            case "receipt" where record.strings("received").contains(messageID):
                receipts.append(Receipt(node: record.string("node") ?? "?", connection: record.integer("conn"),
                                        time: record.string("time") ?? "?", sequence: record.sequence ?? 0))
            default:
                break
            }
        }
        if let acceptance, let fingerprint = acceptance.string("cert") {
            if let stored = certificate(fingerprint), let der = stored.base64("certificate"), let parsed = try? Certificate(der: der) {
                // A format-6 batch-signed notice: a `batch` record of its claim before it, whose
                // signature verifies (docs/AUDIT.md §Batch signatures).
                let sequence = acceptance.sequence ?? 0
                let certificateDigest = SHA256Digest(hex: fingerprint)
                let batches = AuditVerifier.BatchSignatures.inSealOrRecorded { claim, key in
                    batchRecords(claim.root.hex).contains { record in
                        guard let at = record.sequence, at < sequence, sequence - at <= BatchRecordWindow<Void>.records,
                              record.string("cert") == fingerprint, record.string("node") == parsed.subjectCommonName,
                              let recorded = EnvelopeBatch.claim(ofBatchRecord: record), let certificateDigest else { return false }
                        return recorded.recordKey(certificate: certificateDigest) == key && EnvelopeBatch.isAuthentic(recorded, key: parsed.publicKey)
                    }
                }
                signatureCheck = AuditVerifier.checkSignature(acceptance, certificates: [fingerprint: parsed], batches: batches)
                    .map { "FAILED: \($0)" } ?? "valid (re-verified now with the stored originator certificate)"
            } else {
                signatureCheck = "not re-verified: the originator certificate \(fingerprint) is not stored in the log"
            }
        }
    }

    /// Fills ``inboxes`` from an ``InboxLedger`` of the log in `directory` (a scan that parses
    /// only lines that may concern inboxes), when the routing decision involved any.
    /// - Throws: ``AuditError`` when the log cannot be read.
    public mutating func traceInboxes(directory: String) throws {
        guard involvesInboxes else { return }
        inboxes = try InboxLedger.read(directory: directory, keepingHistoryOf: .messages([messageID])).history(of: messageID)
    }
}
