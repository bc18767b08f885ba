import NexAudit
import NexNotices
import NexWire

/// Hits bound to the records they matched (D60; docs/NOTICES.md §Workflow rules). Pure: the hit's
/// references, its topic's tokens, the sender's roster country and the registry's view of the
/// matched record in; the refusal's reason (sent as `invalid-notice`) out, nil when accepted.
///
/// Checked in this order: the check-country token is the border post's country; the matched id
/// (or, for `matched.document_number`, the owner token's lost or stolen document record with that
/// number, D62) names a record nexd accepted that the originator's restrictions do not withhold
/// from the border post (one it could not have received is answered as unknown, so a refusal
/// never tells a post of a record kept from it), published on `notice.*`, `diffusion.*` or
/// `sltd.*`, not cancelled, withdrawn or expired (an updated one is fine); the owner token is that
/// record's country (nexd takes the owner from the record); `observed_at` is not before the
/// record's acceptance.
enum HitRules {
    /// Why a hit with `references`, published on `hit.<ownerToken>.<checkToken>` by `sender` of
    /// `senderCountry`, is refused; nil when allowed. `record` is the registry's view of
    /// `references.noticeMessageID`, or of the owner token's document record numbered
    /// `references.documentNumber`.
    static func refusal(of references: DocumentReferences, ownerToken: String, checkToken: String, sender: String,
                        senderCountry: String, record: NoticeRegistry.View?) -> String? {
        guard checkToken == senderCountry else {
            return "hit refused: the topic's last token names the country of the check, the border post's own (\(senderCountry)), not \(checkToken); publish on hit.\(ownerToken).\(senderCountry)"
        }
        let named: String
        if let number = references.documentNumber {
            named = "matched.document_number \(LogSafe.text(number, limit: 80))"
            guard let record, record.restrictions.withholdingReason(node: sender, country: senderCountry) == nil else {
                return "hit refused: \(named) matches no lost or stolen document record of \(ownerToken) nexd accepted for \(sender) (the owner token names the issuing country, sltd.\(ownerToken))"
            }
        } else {
            named = "matched.notice_message_id \(references.noticeMessageID ?? "?")"
            guard let record, record.restrictions.withholdingReason(node: sender, country: senderCountry) == nil else {
                return "hit refused: \(named) names no notice or diffusion nexd accepted for \(sender)"
            }
        }
        guard let record else { return "hit refused: nothing matched" }
        guard let owner = ownerCountry(of: record) else {
            return "hit refused: \(named) is a \(record.kind.rawValue) on \(record.topic); a hit matches a published notice (notice.*), a diffusion (diffusion.*) or a lost or stolen document record (sltd.*)"
        }
        switch record.state {
        case .active: break
        case .cancelled:
            return "hit refused: \(named) was cancelled; a cancelled \(record.kind == .diffusion ? "diffusion" : record.kind == .sltd ? "document record" : "notice") asks for no action at the border"
        case .withdrawn:
            return "hit refused: \(named) was withdrawn"
        case .expired:
            return "hit refused: \(named) expired (its expires_at passed); an expired record asks for no action at the border"
        }
        let id = record.id.description
        guard owner == ownerToken else {
            return "hit refused: \(named) belongs to \(owner) (it was published on \(record.topic)); the owner token is taken from the record: publish on hit.\(owner).\(checkToken), not hit.\(ownerToken).\(checkToken)"
        }
        if let observed = references.observedAtMillis, observed < record.acceptedAtMillis {
            return "hit refused: observed_at \(Timestamp.format(millis: observed)) is earlier than the acceptance of \(id) (\(Timestamp.format(millis: record.acceptedAtMillis)), to the second); a record cannot be matched before nexd accepted it"
        }
        return nil
    }

    /// The data owner's country of a record a hit may match: `cc` of `notice.<kind>.<cc>`, of
    /// `diffusion.<cc>` or of `sltd.<cc>`; nil for other families (a request is not published, an
    /// alert names a region).
    static func ownerCountry(of record: NoticeRegistry.View) -> String? {
        let tokens = record.topic.split(separator: ".")
        switch tokens.first {
        case "notice" where tokens.count == 3: return String(tokens[2])
        case "diffusion" where tokens.count == 2, "sltd" where tokens.count == 2: return String(tokens[1])
        default: return nil
        }
    }
}
