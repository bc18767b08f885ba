import NexAudit
import NexNotices
import NexWire

/// Hits bound to the records they matched (D60; docs/NOTICES.md §Workflow rules). Pure: the hit's
/// references, its topic's tokens, the sender's roster country and the registry's view of the
/// matched record in; the refusal's reason (sent as `invalid-notice`) out, nil when accepted.
///
/// Checked in this order: the check-country token is the border post's country; a document
/// number matches no record (nexd keeps no lost or stolen document records yet, issue 16); the
/// matched id names a record nexd accepted that the originator's restrictions do not withhold
/// from the border post (one it could not have received is answered as unknown, so a refusal
/// never tells a post of a record kept from it), published on `notice.*` or `diffusion.*`, not
/// cancelled or withdrawn (an updated one is fine); the owner token is that record's country
/// (nexd takes the owner from the record); `observed_at` is not before the record's acceptance.
enum HitRules {
    /// Why a hit with `references`, published on `hit.<ownerToken>.<checkToken>` by `sender` of
    /// `senderCountry`, is refused; nil when allowed. `record` is the registry's view of
    /// `references.noticeMessageID`.
    static func refusal(of references: DocumentReferences, ownerToken: String, checkToken: String, sender: String,
                        senderCountry: String, record: NoticeRegistry.View?) -> String? {
        guard checkToken == senderCountry else {
            return "hit refused: the topic's last token names the country of the check, the border post's own (\(senderCountry)), not \(checkToken); publish on hit.\(ownerToken).\(senderCountry)"
        }
        if let number = references.documentNumber {
            return "hit refused: matched.document_number: no accepted lost or stolen document record has number \(LogSafe.text(number, limit: 80)) (nexd keeps no such records yet); report a match on a notice or diffusion with matched.notice_message_id"
        }
        let id = references.noticeMessageID ?? "?"
        guard let record, record.restrictions.withholdingReason(node: sender, country: senderCountry) == nil else {
            return "hit refused: matched.notice_message_id \(id) names no notice or diffusion nexd accepted for \(sender)"
        }
        guard let owner = ownerCountry(of: record) else {
            return "hit refused: matched.notice_message_id \(id) is a \(record.kind.rawValue) on \(record.topic); a hit matches a published notice (notice.*) or a diffusion (diffusion.*)"
        }
        switch record.state {
        case .active: break
        case .cancelled:
            return "hit refused: matched.notice_message_id \(id) was cancelled; a cancelled \(record.kind == .diffusion ? "diffusion" : "notice") asks for no action at the border"
        case .withdrawn:
            return "hit refused: matched.notice_message_id \(id) was withdrawn"
        case .expired:
            return "hit refused: matched.notice_message_id \(id) expired (its expires_at passed); an expired record asks for no action at the border"
        }
        guard owner == ownerToken else {
            return "hit refused: matched.notice_message_id \(id) belongs to \(owner) (it was published on \(record.topic)); the owner token is taken from the record: publish on hit.\(owner).\(checkToken), not hit.\(ownerToken).\(checkToken)"
        }
        if let observed = references.observedAtMillis, observed < record.acceptedAtMillis {
            return "hit refused: observed_at \(Timestamp.format(millis: observed)) is earlier than the acceptance of \(id) (\(Timestamp.format(millis: record.acceptedAtMillis)), to the second); a record cannot be matched before nexd accepted it"
        }
        return nil
    }

    /// The data owner's country of a record a hit may match: `cc` of `notice.<kind>.<cc>` or of
    /// `diffusion.<cc>`; nil for other families (a request is not published, an alert names a region).
    static func ownerCountry(of record: NoticeRegistry.View) -> String? {
        let tokens = record.topic.split(separator: ".")
        switch tokens.first {
        case "notice" where tokens.count == 3: return String(tokens[2])
        case "diffusion" where tokens.count == 2: return String(tokens[1])
        default: return nil
        }
    }
}
