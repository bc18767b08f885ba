import Foundation
import NexAudit
import NexNotices
import NexWire

/// The life of one accepted record as the audit log tells it (D57, D60): its acceptance, then
/// every accepted follow-up naming it, every accepted hit that matched it and every accepted
/// decision naming it (as the notice published, or as the request decided), in log order — for
/// `nex audit trace`. One scan of the log: only accepted publishes of kind `update`, `cancel`,
/// `withdraw`, `hit` or `decision` (found from the line's bytes) are parsed, and their envelopes
/// read for the record they name — the same pattern as follow-ups: the reference is in the signed
/// document, so the audit format carries it without a new member.
struct AuditLifecycleChain {
    /// One accepted follow-up.
    struct Link {
        let sequence: UInt64
        let time: String
        let node: String
        let messageID: String
        let followUp: FollowUp
    }

    /// One accepted hit or decision naming the record.
    struct Mention {
        let sequence: UInt64
        let time: String
        let node: String
        let messageID: String
        let topic: String
        let kind: NoticeKind
        let references: DocumentReferences

        /// `HIT at bcp.ke.busia on hit.rw.ke: detained`, `DECISION accepted on request … (notice …)`.
        var summary: String {
            switch kind {
            case .hit:
                return "HIT at \(node) on \(topic): \(references.actionTaken ?? "?")"
            case .hitAck:
                return "ACKNOWLEDGED hit \(references.hit ?? "?"): \(references.outcome ?? "?") by \(node) on \(topic)"
            case .actionRequest:
                return "ACTION REQUESTED on hit \(references.hit ?? "?"): \(references.actionTaken ?? "?") by \(node) on \(topic)"
            default:
                var text = "DECISION \(references.outcome ?? "?") on request \(references.request ?? "?")"
                if let notice = references.noticeMessageID { text += " (notice \(notice))" }
                return text + " by \(node) on \(topic)"
            }
        }
    }

    let original: String
    private(set) var links: [Link] = []
    /// Accepted hits whose `matched.notice_message_id` is the record, in log order.
    private(set) var hits: [Mention] = []
    /// Accepted decisions naming the record as their `request` or `notice_message_id`, in log order.
    private(set) var decisions: [Mention] = []
    /// Accepted answers (`hit-ack`, `action-request`) to those hits, in log order (D63).
    private(set) var replies: [Mention] = []

    /// The accepted follow-ups, hits and decisions of `original` in the log in `directory`. For a
    /// lost or stolen document record, `document` (its issuing country and normalised number)
    /// also finds the hits that matched it by number until it ended (D62).
    static func read(directory: String, original: String, document: (country: String, number: String)? = nil) throws -> AuditLifecycleChain {
        var chain = AuditLifecycleChain(original: original)
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: try reader.segments()) { line in
            guard !line.isTorn, InboxLedger.isAcceptedPublish(line.bytes) else { return true }
            if let link = followUp(in: line.bytes) {
                if link.followUp.original == original { chain.links.append(link) }
            } else if let mention = mention(in: line.bytes) {
                switch mention.kind {
                case .hit where mention.references.noticeMessageID == original:
                    chain.hits.append(mention)
                case .hit where document != nil && chain.isActive:
                    let owner = mention.topic.split(separator: ".").dropFirst().first.map(String.init)
                    if owner == document?.country,
                       mention.references.documentNumber.map(DocumentReferences.normalizedDocumentNumber) == document?.number {
                        chain.hits.append(mention)
                    }
                case .decision where mention.references.request == original || mention.references.noticeMessageID == original:
                    chain.decisions.append(mention)
                case .hitAck where chain.hits.contains { $0.messageID == mention.references.hit },
                     .actionRequest where chain.hits.contains { $0.messageID == mention.references.hit }:
                    chain.replies.append(mention)
                default:
                    break
                }
            }
            return true
        }
        return chain
    }

    /// The follow-up an accepted publish line carries, if it is one.
    static func followUp(in line: ArraySlice<UInt8>) -> Link? {
        guard followUpKinds.contains(where: { contains(line, $0) }),
              let record = AuditRecord(segment: "", line: 0, bytes: Array(line)),
              let kind = record.string("kind").flatMap(NoticeKind.init(rawValue:)), kind.isFollowUp,
              let bytes = record.base64("envelope"), let signed = try? SignedEnvelope(parsing: bytes),
              let followUp = NoticeValidator.followUp(in: signed.envelope.payload, as: kind) else { return nil }
        return Link(sequence: record.sequence ?? 0, time: record.string("time") ?? "?", node: record.string("node") ?? "?",
                    messageID: record.string("msg") ?? "?", followUp: followUp)
    }

    /// The hit or decision an accepted publish line carries, if it is one.
    static func mention(in line: ArraySlice<UInt8>) -> Mention? {
        guard mentionKinds.contains(where: { contains(line, $0) }),
              let record = AuditRecord(segment: "", line: 0, bytes: Array(line)),
              let kind = record.string("kind").flatMap(NoticeKind.init(rawValue:)), kind == .hit || kind == .decision || kind.isReplyToHit,
              let bytes = record.base64("envelope"), let signed = try? SignedEnvelope(parsing: bytes),
              let references = NoticeValidator.references(in: signed.envelope.payload, as: kind) else { return nil }
        return Mention(sequence: record.sequence ?? 0, time: record.string("time") ?? "?", node: record.string("node") ?? "?",
                       messageID: record.string("msg") ?? "?", topic: record.string("topic") ?? "?", kind: kind, references: references)
    }

    /// The issuing country and normalised number of a lost or stolen document record's acceptance (D62).
    static func document(of acceptance: AuditRecord) -> (country: String, number: String)? {
        guard acceptance.string("kind") == NoticeKind.sltd.rawValue, let country = acceptance.string("topic")?.split(separator: ".").last,
              let bytes = acceptance.base64("envelope"), let signed = try? SignedEnvelope(parsing: bytes),
              let number = NoticeValidator.references(in: signed.envelope.payload, as: .sltd)?.documentNumber else { return nil }
        return (String(country), DocumentReferences.normalizedDocumentNumber(number))
    }

    /// The request a notice's acceptance record names in its document (`request`, D59), if any.
    static func request(namedBy acceptance: AuditRecord) -> String? {
        guard let kind = acceptance.string("kind").flatMap(NoticeKind.init(rawValue:)), !kind.isFollowUp, kind != .hit, kind != .decision,
              let bytes = acceptance.base64("envelope"), let signed = try? SignedEnvelope(parsing: bytes) else { return nil }
        return NoticeValidator.references(in: signed.envelope.payload, as: kind)?.request
    }

    /// Whether no follow-up ended the record so far.
    var isActive: Bool {
        !links.contains { [.cancel, .withdraw, .expire].contains($0.followUp.kind) }
    }

    /// The state the links leave the record in.
    var state: String {
        guard let last = links.last else { return "active (version 1)" }
        switch last.followUp.kind {
        case .cancel: return "CANCELLED"
        case .withdraw: return "WITHDRAWN"
        case .expire: return "EXPIRED"
        default: return "active (version \(last.followUp.version ?? 0))"
        }
    }

    private static let followUpKinds = ["update", "cancel", "withdraw", "expire"].map { Array(#","kind":"\#($0)""#.utf8) }
    private static let mentionKinds = ["hit", "decision", "hit-ack", "action-request"].map { Array(#","kind":"\#($0)""#.utf8) }

    private static func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard line.count >= needle.count else { return false }
        var index = line.startIndex
        while index <= line.endIndex - needle.count {
            guard let hit = line[index...(line.endIndex - needle.count)].firstIndex(of: needle[0]) else { return false }
            if line[hit..<(hit + needle.count)].elementsEqual(needle) { return true }
            index = hit + 1
        }
        return false
    }
}
