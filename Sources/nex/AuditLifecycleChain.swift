import Foundation
import NexAudit
import NexNotices
import NexWire

/// The life of one accepted record as the audit log tells it (D57): its acceptance, then every
/// accepted follow-up naming it, in log order — for `nex audit trace`. One scan of the log: only
/// accepted publishes of kind `update`, `cancel` or `withdraw` (found from the line's bytes) are
/// parsed, and their envelopes read for the original they name.
struct AuditLifecycleChain {
    /// One accepted follow-up.
    struct Link {
        let sequence: UInt64
        let time: String
        let node: String
        let messageID: String
        let followUp: FollowUp
    }

    let original: String
    private(set) var links: [Link] = []

    /// The accepted follow-ups of `original` in the log in `directory`.
    static func read(directory: String, original: String) throws -> AuditLifecycleChain {
        var chain = AuditLifecycleChain(original: original)
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: try reader.segments()) { line in
            guard !line.isTorn, InboxLedger.isAcceptedPublish(line.bytes), let link = followUp(in: line.bytes),
                  link.followUp.original == original else { return true }
            chain.links.append(link)
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

    /// The state the links leave the record in.
    var state: String {
        guard let last = links.last else { return "active (version 1)" }
        switch last.followUp.kind {
        case .cancel: return "CANCELLED"
        case .withdraw: return "WITHDRAWN"
        default: return "active (version \(last.followUp.version ?? 0))"
        }
    }

    private static let followUpKinds = ["update", "cancel", "withdraw"].map { Array(#","kind":"\#($0)""#.utf8) }

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
