import NexNotices

/// Answers to a border post's hit bound to the hit (D63; docs/NOTICES.md §Workflow rules). Pure:
/// the answer's kind, topic country and allowed nodes, the sender's roster role and country, and
/// the registry's view of the hit in; the refusal's reason (sent as `invalid-notice`) out, nil when
/// accepted.
///
/// Checked in this order: `hit` names a hit nexd accepted, of the sender's country as owner or
/// check country (any other sender is answered as if the hit were unknown, so a refusal never tells
/// of a hit on another country's data); the sender is an NCB; an acknowledgement comes from the
/// owner's NCB (an action request from the owner's or the check country's); the topic is
/// `reply.<check-country>`; the envelope names the reporting border post, and only it, as its
/// allowed node.
enum ReplyRules {
    static func refusal(kind: NoticeKind, hitID: String?, topicCountry: String, allowedNodes: [String], sender: String,
                        senderRole: NodeRole?, senderCountry: String, hit: NoticeRegistry.HitView?,
                        matchedRecord: NoticeRegistry.View? = nil) -> String? {
        let what = "\(kind.rawValue) refused"
        guard let hit, [hit.ownerCountry, hit.checkCountry].contains(senderCountry) else {
            return "\(what): hit \(hitID ?? "?") names no hit nexd accepted on data of, or on a check in, \(senderCountry)"
        }
        guard senderRole == .ncb else {
            return "\(what): NCBs answer hits; \(sender) (\(senderRole?.rawValue ?? "not on the roster")) may not"
        }
        if kind == .hitAck, senderCountry != hit.ownerCountry {
            return "\(what): the data owner's NCB (of \(hit.ownerCountry)) acknowledges a hit; \(sender) may request an action instead"
        }
        guard topicCountry == hit.checkCountry else {
            return "\(what): an answer travels on the check country's topic reply.\(hit.checkCountry), not reply.\(topicCountry)"
        }
        guard allowedNodes == [hit.checkpoint] else {
            return "\(what): address the border post that reported the hit, \(hit.checkpoint), as the envelope's only allowed node"
        }
        // A record that ended asks for no action at the border (as for a hit, D60); an
        // acknowledgement of what was found stays possible.
        if kind == .actionRequest, let record = matchedRecord, record.state != .active {
            return "\(what): the record the hit matched, \(record.id), was \(record.state); it asks for no action at the border"
        }
        return nil
    }
}
