import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// Start-up: the inboxes as the audit log left them (D54). The log is their only store: durable
/// `subscribe` records define them, `route` records (`recipients[].inboxes`, `queued`) add
/// entries, `inbox` records move cursors (`receipted`) and drop entries (`expired`); the accepted
/// `publish` record of each entry gives what is delivered. A clean stop and a crash rebuild alike.
struct InboxRebuild {
    private(set) var book: InboxBook
    /// Accepted publishes whose route record has not been read yet (the route follows in the same append).
    /// By message id: the route record names the message, and follows its acceptance in the same append.
    private var unrouted: [String: DeliveryMessage] = [:]
    private(set) var records = 0

    init(limits: InboxLimits) {
        book = InboxBook(limits: limits)
    }

    /// Reads every segment of the log in `directory`, oldest first.
    static func read(_ directory: String, limits: InboxLimits, nowMillis: Int64) throws -> InboxRebuild {
        var rebuild = InboxRebuild(limits: limits)
        let reader = AuditReader(directory: directory)
        try reader.forEachRecord(in: try reader.segments()) { record in
            rebuild.apply(record)
            return true
        }
        rebuild.unrouted = [:]
        return rebuild
    }

    /// Folds one record in.
    mutating func apply(_ record: AuditRecord) {
        records += 1
        switch record.event {
        case "publish":
            guard record.string("outcome") == "accepted", let sequence = record.sequence,
                  let envelope = record.base64("envelope"), let id = record.string("msg").flatMap(MessageID.init(string:)),
                  let node = record.string("node"), let fingerprint = record.string("cert").flatMap(SHA256Digest.init(hex:)),
                  let time = record.timeMillis else { return }
            unrouted[id.description] = DeliveryMessage(envelope: envelope, messageID: id, originNode: node, receivedAtMillis: time,
                                                 certificateFingerprint: fingerprint.bytes, auditSequence: sequence)
        case "route":
            guard record.string("outcome") == nil, let id = record.string("msg"),
                  let message = unrouted.removeValue(forKey: id) else { return }
            var targets: [InboxKey] = []
            for recipient in record.members["recipients"] as? [[String: Any]] ?? [] {
                guard let node = recipient["node"] as? String else { continue }
                for name in recipient["inboxes"] as? [String] ?? [] { targets.append(InboxKey(node: node, name: name)) }
            }
            for queued in record.members["queued"] as? [[String: Any]] ?? [] {
                if let node = queued["node"] as? String, let name = queued["inbox"] as? String { targets.append(InboxKey(node: node, name: name)) }
            }
            let entry = InboxEntry(message: message, acceptedAtMillis: message.receivedAtMillis)
            for key in targets { book.append(entry, to: key) }
        case "subscribe":
            guard record.string("outcome") == "accepted", let name = record.string("inbox"), let node = record.string("node"),
                  let filter = record.string("filter").flatMap({ try? TopicFilter(validating: $0) }) else { return }
            _ = book.define(InboxKey(node: node, name: name), filter: filter)
        case "inbox":
            guard let node = record.string("node"), let name = record.string("inbox") else { return }
            let key = InboxKey(node: node, name: name)
            switch record.string("reason") {
            case "receipted":
                if let through = record.integer("through") { book.receipted(key, through: UInt64(through)) }
            case "expired":
                book.remove(Set(record.members["missed"] as? [String] ?? []), from: key)
            default:
                break
            }
        case "continuation":
            // The rest of an `expired` list (slow-consumer continuations name no inbox).
            guard let node = record.string("node"), let name = record.string("inbox") else { return }
            book.remove(Set(record.members["missed"] as? [String] ?? []), from: InboxKey(node: node, name: name))
        default:
            return
        }
    }
}
