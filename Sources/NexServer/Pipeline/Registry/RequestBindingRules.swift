import NexNotices
import NexWire

/// Decisions and notices bound to the requests they answer (D59, D60; docs/NOTICES.md §Workflow
/// rules). Pure: the document's references, its kind and topic country, and the registry's views
/// in; the refusal's reason (sent as `invalid-notice`) out, nil when accepted.
enum RequestBindingRules {
    /// Why a decision with `references` on `decision.<topicCountry>` is refused; nil when allowed.
    /// `request` is the registry's view of `references.request`, `existingDecision` the decision
    /// already accepted on it, `notice` the view of `references.noticeMessageID`.
    static func decisionRefusal(_ references: DocumentReferences, topicCountry: String, request: NoticeRegistry.View?,
                                existingDecision: MessageID?, notice: NoticeRegistry.View?) -> String? {
        let requestID = references.request ?? "?"
        if let problem = requestProblem(requestID, request, requestedBy: references.requestedBy) {
            return "decision refused: \(problem)"
        }
        guard let request, let placement = placement(of: request.topic) else { return nil }
        if let existingDecision {
            return "decision refused: request \(requestID) was already decided by \(existingDecision); one decision per request"
        }
        guard placement.country == topicCountry else {
            return "decision refused: request \(requestID) is on \(request.topic); its decision goes on decision.\(placement.country), not decision.\(topicCountry)"
        }
        guard references.outcome == "accepted" else { return nil }
        let noticeID = references.noticeMessageID ?? "?"
        let expected = "notice.\(placement.kind).\(placement.country)"
        guard let notice else {
            return "decision refused: notice_message_id \(noticeID) names no notice nexd accepted; an accepted \(request.topic) is answered by a notice on \(expected)"
        }
        guard notice.topic == expected else {
            return "decision refused: notice_message_id \(noticeID) is a \(notice.kind.rawValue) on \(notice.topic); an accepted \(request.topic) is answered by a notice on \(expected)"
        }
        return nil
    }

    /// Why a colour notice of `kind` with `references` (its `request` set) on a topic of country
    /// `topicCountry` (nil on `alert.*`, whose topic names a region) is refused; nil when allowed.
    static func noticeRefusal(_ references: DocumentReferences, kind: NoticeKind, topicCountry: String?,
                              request: NoticeRegistry.View?) -> String? {
        guard let requestID = references.request else { return nil }
        if let problem = requestProblem(requestID, request, requestedBy: references.requestedBy) {
            return "\(kind.rawValue) notice refused: \(problem)"
        }
        guard let request, let placement = placement(of: request.topic) else { return nil }
        guard placement.kind == kind.rawValue, topicCountry == nil || placement.country == topicCountry else {
            let own = topicCountry.map { "request.\(kind.rawValue).\($0)" } ?? "request.\(kind.rawValue).<country>"
            return "\(kind.rawValue) notice refused: request \(requestID) is on \(request.topic); this notice answers a request on \(own)"
        }
        return nil
    }

    /// A named request must be one nexd accepted on `request.*`, still active (not withdrawn),
    /// sent by the NCB the document names in `requested_by`.
    private static func requestProblem(_ id: String, _ request: NoticeRegistry.View?, requestedBy: String?) -> String? {
        guard let request else { return "request \(id) names no request nexd accepted" }
        guard placement(of: request.topic) != nil else {
            return "request \(id) is a \(request.kind.rawValue) on \(request.topic), not a request (request.<kind>.<country>)"
        }
        switch request.state {
        case .active: break
        case .withdrawn: return "request \(id) was withdrawn by \(request.owner); nothing answers a withdrawn request"
        case .cancelled: return "request \(id) was cancelled"
        case .expired: return "request \(id) expired (its expires_at passed) before it was decided"
        }
        guard requestedBy == request.owner else {
            return "requested_by must be the request's sender \(request.owner) (request \(id)), got \(requestedBy.map { "\"\($0)\"" } ?? "none")"
        }
        return nil
    }

    /// The kind and country tokens of `request.<kind>.<country>`.
    private static func placement(of topic: String) -> (kind: String, country: String)? {
        let tokens = topic.split(separator: ".")
        guard tokens.count == 3, tokens[0] == "request" else { return nil }
        return (String(tokens[1]), String(tokens[2]))
    }
}
