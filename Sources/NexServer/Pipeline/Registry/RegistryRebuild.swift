import NexAudit
import NexBroker
import NexNotices
import NexWire

/// Start-up: the notice registry as the audit log left it (D56), folded in the same pass over the
/// log as the inboxes (``InboxRebuild`` hands it each accepted publish with its route record).
/// Records are read from the lines' bytes (``AcceptedRoute``); only follow-ups and decisions, which
/// are rare, are parsed and have their envelope decoded (their document names the original, or the
/// request decided).
struct RegistryRebuild {
    private(set) var registry = NoticeRegistry()

    /// Folds in one accepted notice: its acceptance line and its routing line.
    mutating func apply(publish: ArraySlice<UInt8>, route: ArraySlice<UInt8>) {
        guard let accepted = AcceptedRoute(publish: publish, route: route), let kind = NoticeKind(rawValue: accepted.kind),
              let id = MessageID(string: accepted.messageID) else { return }
        if kind.isFollowUp {
            guard let record = AuditRecord(segment: "", line: 0, bytes: Array(publish)), let bytes = record.base64("envelope"),
                  let signed = try? SignedEnvelope(parsing: bytes),
                  let followUp = NoticeValidator.followUp(in: signed.envelope.payload, as: kind) else { return }
            registry.apply(followUp, id: id, holders: accepted.holders, sequence: accepted.acceptedSequence)
        } else if kind == .decision {
            // Decisions are rare too: the request each decided (one decision per request, D60).
            guard let record = AuditRecord(segment: "", line: 0, bytes: Array(publish)), let bytes = record.base64("envelope"),
                  let signed = try? SignedEnvelope(parsing: bytes),
                  let request = NoticeValidator.references(in: signed.envelope.payload, as: kind)?.request.flatMap(MessageID.init(string:))
            else { return }
            registry.registerDecision(id, on: request)
        } else if kind == .hit {
            // The record it matched, as the live path bound it: by id, or by number in log order (D62, D63).
            var matched: MessageID?
            if let record = AuditRecord(segment: "", line: 0, bytes: Array(publish)), let bytes = record.base64("envelope"),
               let signed = try? SignedEnvelope(parsing: bytes),
               let references = NoticeValidator.references(in: signed.envelope.payload, as: .hit) {
                let owner = accepted.topic.split(separator: ".").dropFirst().first.map(String.init) ?? ""
                matched = references.noticeMessageID.flatMap(MessageID.init(string:))
                    ?? references.documentNumber.flatMap { registry.lookup(document: $0, issuedBy: owner)?.id }
            }
            registry.registerHit(id, checkpoint: accepted.node, topic: accepted.topic, matched: matched)
        } else if kind.acceptsFollowUps {
            let restrictions = accepted.restrictions.flatMap(DisseminationRestrictions.init(recordDescription:)) ?? DisseminationRestrictions()
            // A lost or stolen document record's number is in its envelope (D62): those are decoded.
            var documentNumber: String?
            if kind == .sltd, let record = AuditRecord(segment: "", line: 0, bytes: Array(publish)), let bytes = record.base64("envelope"),
               let signed = try? SignedEnvelope(parsing: bytes) {
                documentNumber = NoticeValidator.references(in: signed.envelope.payload, as: .sltd)?.documentNumber
            }
            registry.register(id, owner: accepted.node, kind: kind, topic: accepted.topic, restrictions: restrictions,
                              holders: accepted.holders, acceptedSequence: accepted.acceptedSequence,
                              acceptedAtMillis: accepted.acceptedAtMillis, expiresAtMillis: accepted.expiresAtMillis,
                              documentNumber: documentNumber)
        }
    }
}
