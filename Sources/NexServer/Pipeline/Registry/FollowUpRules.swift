import NexNotices
import NexWire

/// Who may follow up which record, and when (D57; the table in docs/NOTICES.md "Follow-ups").
/// Pure: the registry's view of the original and the sender's identity in, the refusal's reason
/// (sent as `invalid-notice`) out, nil when the follow-up may be accepted.
///
/// Checked in this order: the original is known (not a follow-up itself; hits are not registered),
/// the follow-up is on the original's topic, the sender may send this kind for this record, the
/// record is not ended (cancelled or withdrawn), an update's version is the next one and its
/// document of the original's kind.
enum FollowUpRules {
    /// Why `followUp`, published by `sender` (of `role`) on `topic`, is refused; nil when allowed.
    /// `original` is the registry's record of `followUp.original`; `followedUpOriginal` is set when
    /// that id is itself an accepted follow-up.
    static func refusal(of followUp: FollowUp, topic: String, sender: String, role: NodeRole,
                        original: NoticeRegistry.View?, followedUpOriginal: MessageID? = nil) -> String? {
        let kind = followUp.kind.rawValue
        guard let original else {
            if let followedUpOriginal {
                return "\(kind) of \(followUp.original) refused: that is a follow-up itself; follow up its original \(followedUpOriginal)"
            }
            return "\(kind) of \(followUp.original) refused: unknown original (nexd accepted no notice, request, alert or diffusion with that id; hits, decisions and follow-ups are not followed up)"
        }
        guard topic == original.topic else {
            return "\(kind) of \(original.id) refused: follow-ups travel on the original's topic \(original.topic), not \(topic)"
        }
        if let reason = senderRefusal(followUp.kind, sender: sender, role: role, original: original) {
            return "\(kind) of \(original.id) refused: \(reason)"
        }
        switch original.state {
        case .active: break
        case .cancelled: return "\(kind) of \(original.id) refused: it was cancelled; nothing follows a cancelled record"
        case .withdrawn: return "\(kind) of \(original.id) refused: it was withdrawn; nothing follows a withdrawn request"
        case .expired: return "\(kind) of \(original.id) refused: it expired (its expires_at passed); nothing follows an expired record"
        }
        if followUp.kind == .update {
            let expected = original.version + 1
            guard followUp.version == expected else {
                return "update of \(original.id) refused: version must be \(expected) (the current version is \(original.version)), got \(followUp.version.map(String.init) ?? "none")"
            }
            guard followUp.documentKind == original.kind else {
                return "update of \(original.id) refused: document.kind must be \(original.kind.rawValue) (the original's kind), got \(followUp.documentKind?.rawValue ?? "none")"
            }
        }
        return nil
    }

    /// The "who may send which" table.
    static func senderRefusal(_ kind: NoticeKind, sender: String, role: NodeRole, original: NoticeRegistry.View) -> String? {
        let family = original.topic.split(separator: ".").first.map(String.init) ?? ""
        switch (kind, family) {
        case (.withdraw, "request"):
            return sender == original.owner ? nil : "only the requesting NCB \(original.owner) withdraws its request; \(sender) may not"
        case (.update, "notice"), (.cancel, "notice"), (.update, "alert"), (.cancel, "alert"):
            return role == .gs ? nil
                : "the General Secretariat updates and cancels notices and alerts (on the owner NCB's request); \(sender) (\(role.rawValue)) may not"
        case (.update, "diffusion"), (.cancel, "diffusion"):
            return sender == original.owner ? nil : "only the originating NCB \(original.owner) updates and cancels its diffusion; \(sender) may not"
        case (.update, "sltd"), (.cancel, "sltd"):
            return sender == original.owner ? nil : "only the reporting NCB \(original.owner) updates and cancels its lost or stolen document record; \(sender) may not"
        default:
            return "a \(original.kind.rawValue) record on \(family).* takes no \(kind.rawValue)"
        }
    }
}
