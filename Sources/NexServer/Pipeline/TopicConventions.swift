import NexBroker
import NexNotices

/// Which kinds may travel on which topics (the taxonomy of docs/NOTICES.md): a red notice on
/// `notice.red.<country>` or `request.red.<country>`, a diffusion on `diffusion.<country>`, a hit on
/// `hit.<owner-country>.<check-country>` (D60), an orange or purple notice on `alert.<terrorism|cbrne|cyber|pharma>.<region>`,
/// a decision on `decision.<requesting-country>` (D59), a lost or stolen document record on
/// `sltd.<issuing-country>` (D62), an answer to a border post's hit on `reply.<check-country>`
/// (D63). No other topic family exists.
enum TopicConventions {
    /// The alert areas of the taxonomy.
    static let alertAreas: Set<String> = ["terrorism", "cbrne", "cyber", "pharma"]

    /// Why `kind` does not fit `topic`, or nil when it does.
    static func violation(kind: NoticeKind, topic: Topic, allowedCountries: [String], allowedNodes: [String],
                          deniedCountries: [String] = [], deniedNodes: [String] = []) -> String? {
        let tokens = topic.tokens
        if kind.isFollowUp { return followUpViolation(kind: kind, family: tokens.first ?? "", topic: topic) }
        let isColour = kind.isColourNotice
        func isCountry(_ token: String) -> Bool {
            token.utf8.count == 2 && token.utf8.allSatisfy { (97...122).contains($0) }
        }
        switch tokens.first {
        case "notice", "request":
            guard tokens.count == 3, isColour, tokens[1] == kind.rawValue, isCountry(tokens[2]) else {
                return "a \(kind.rawValue) notice on \(tokens[0]).* must use \(tokens[0]).\(isColour ? kind.rawValue : "<kind>").<country>; \(topic) does not fit"
            }
            if tokens[0] == "request", kind == .unSpecial {
                return "an INTERPOL-UN Security Council Special Notice is requested by the UN Security Council, not by an NCB: there is no request.un-special topic; the General Secretariat publishes it on notice.un-special.<country>"
            }
        case "diffusion":
            guard tokens.count == 2, kind == .diffusion, isCountry(tokens[1]) else {
                return "diffusion.<from-country> carries kind diffusion only; \(topic) with kind \(kind.rawValue) does not fit"
            }
        case "hit":
            guard kind == .hit else {
                return "hit.<owner-country>.<check-country> carries kind hit only; \(topic) with kind \(kind.rawValue) does not fit"
            }
            guard tokens.count == 3, isCountry(tokens[1]), isCountry(tokens[2]) else {
                return "a hit travels on hit.<owner-country>.<check-country> (the country whose record matched, then the border post's own country, D60); \(topic) does not fit"
            }
        case "alert":
            // Alerts share threats and methods, not wanted persons: only orange and purple notices,
            // so an alert can never carry a red notice around the General Secretariat's review.
            guard tokens.count == 3, Self.alertAreas.contains(tokens[1]), kind == .orange || kind == .purple else {
                return "alert.<terrorism|cbrne|cyber|pharma>.<region> carries orange or purple notices only; \(topic) with kind \(kind.rawValue) does not fit"
            }
        case "decision":
            guard tokens.count == 2, kind == .decision, isCountry(tokens[1]) else {
                return "decision.<requesting-country> carries kind decision only; \(topic) with kind \(kind.rawValue) does not fit"
            }
        case "sltd":
            guard tokens.count == 2, kind == .sltd, isCountry(tokens[1]) else {
                return "sltd.<issuing-country> carries kind sltd only (lost or stolen travel document records, D62); \(topic) with kind \(kind.rawValue) does not fit"
            }
        case "reply":
            guard tokens.count == 2, kind.isReplyToHit, isCountry(tokens[1]) else {
                return "reply.<check-country> carries hit-ack and action-request only (answers to a border post's hit, D63); \(topic) with kind \(kind.rawValue) does not fit"
            }
            guard allowedNodes.count == 1, allowedCountries.isEmpty else {
                return "an answer to a hit goes to the border post that reported it: name that post, and only it, as the envelope's allowed node"
            }
            guard deniedCountries.isEmpty, deniedNodes.isEmpty else {
                return "an answer to a hit names its post as the only allowed node and denies no one (a deny list could withhold it from that post)"
            }
        default:
            return "\(topic) is not in a topic family (request, notice, diffusion, hit, alert, decision, sltd, reply)"
        }
        if kind == .diffusion, allowedCountries.isEmpty, allowedNodes.isEmpty {
            return "a diffusion goes to chosen countries: name them as the envelope's allowed countries"
        }
        return nil
    }

    /// The family and country token of a topic that passed ``violation(kind:topic:allowedCountries:allowedNodes:)``.
    static func placement(of topic: Topic) -> (channel: NoticeChannel, country: String?) {
        let tokens = topic.tokens
        let channel = NoticeChannel(rawValue: tokens[0]) ?? .notice
        switch channel {
        case .request, .notice: return (channel, tokens.count == 3 ? tokens[2] : nil)
        // A hit's country token is the owner's (the record that matched), not the check's.
        case .hit: return (channel, tokens.count == 3 ? tokens[1] : nil)
        case .diffusion, .decision, .sltd, .reply: return (channel, tokens.count == 2 ? tokens[1] : nil)
        case .alert: return (channel, nil)
        }
    }

    /// Follow-ups travel on their original's topic (nexd checks it is that topic, D57): a
    /// withdrawal on `request.*`, an update or cancellation on `notice.*`, `alert.*` or
    /// `diffusion.*`. Hits are not followed up.
    private static func followUpViolation(kind: NoticeKind, family: String, topic: Topic) -> String? {
        switch (kind, family) {
        case (.expire, _):
            return "expire is sent by nexd itself when a record's expires_at passes (signed with its audit key, D61); a node cancels or withdraws instead"
        case (.withdraw, "request"), (.update, "notice"), (.update, "alert"), (.update, "diffusion"), (.update, "sltd"),
             (.cancel, "notice"), (.cancel, "alert"), (.cancel, "diffusion"), (.cancel, "sltd"):
            return nil
        case (_, "hit"):
            return "hits are not followed up: \(kind.rawValue) on \(topic) does not fit"
        case (.withdraw, _):
            return "withdraw ends a request: publish it on the request's topic (request.*); \(topic) does not fit (a notice is cancelled by the General Secretariat)"
        case (_, "request"):
            return "a request is not \(kind == .update ? "updated" : "cancelled"): its requesting NCB withdraws it (kind withdraw); \(topic) does not fit"
        default:
            return "\(topic) is not in a topic family a \(kind.rawValue) travels on (notice, alert, diffusion, sltd)"
        }
    }
}
