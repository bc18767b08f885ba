/// The common members `priority` and `handling` (D58; docs/NOTICES.md §Priority and handling):
/// their form on every document, then which kinds and roles may use which values.
extension NoticeValidator {
    static let priorityKey = Array("priority".utf8)
    static let handlingKey = Array("handling".utf8)

    /// The markings a document states, or the violation of their form: `priority` one of the
    /// enum's values (absent: normal), `handling` an array of distinct codes (at most one of each).
    static func readMarkings(of document: JSONDocument, object: Int = 0) -> Result<NoticeMarkings, NoticeViolation> {
        var markings = NoticeMarkings.unmarked
        let priorities = NoticePriority.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        switch document.member(priorityKey, in: object) {
        case .missing: break
        case .duplicate:
            return .failure(NoticeViolation(field: "priority", reason: "the member appears more than once; expected it once"))
        case .found(let index):
            guard document.nodes[index].kind == .string, let priority = NoticePriority(rawValue: document.text(at: index)) else {
                return .failure(NoticeViolation(field: "priority", reason: "expected one of \(priorities), got \(document.describeValue(at: index))"))
            }
            markings.priority = priority
        }
        let codes = HandlingCode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        switch document.member(handlingKey, in: object) {
        case .missing: break
        case .duplicate:
            return .failure(NoticeViolation(field: "handling", reason: "the member appears more than once; expected it once"))
        case .found(let index):
            guard document.nodes[index].kind == .array else {
                return .failure(NoticeViolation(field: "handling", reason: "expected an array of handling codes, got \(document.describeValue(at: index))"))
            }
            var item = index + 1
            for position in 0..<document.nodes[index].count {
                guard document.nodes[item].kind == .string, let code = HandlingCode(rawValue: document.text(at: item)) else {
                    return .failure(NoticeViolation(field: "handling[\(position)]", reason: "expected one of \(codes), got \(document.describeValue(at: item))"))
                }
                guard !markings.handling.contains(code) else {
                    return .failure(NoticeViolation(field: "handling[\(position)]", reason: "\"\(code.rawValue)\" appears twice; list each code once"))
                }
                markings.handling.append(code)
                item = document.nodes[item].next
            }
        }
        return .success(markings)
    }

    /// Which kinds may be urgent, and which kinds and roles may set which handling codes
    /// (the table of docs/NOTICES.md §Priority and handling).
    static func checkMarkings(_ markings: NoticeMarkings, of document: JSONDocument, kind: NoticeKind, role: NodeRole?) -> NoticeViolation? {
        if markings.priority == .urgent, !allowsUrgent(document, kind: kind) {
            return NoticeViolation(field: "priority", reason: "\"urgent\" is for red, orange and un-special notices, diffusions whose purpose is arrest or warning, hits whose action_taken is detained, action requests to detain or refuse entry, and follow-ups; a \(kind.rawValue) here is \"normal\" or \"routine\"")
        }
        for (position, code) in markings.handling.enumerated() where code != .lawEnforcementOnly {
            if kind == .hit || kind == .decision || kind.isFollowUp || kind.isReplyToHit {
                return NoticeViolation(field: "handling[\(position)]", reason: "\"\(code.rawValue)\" is a data owner's condition on a notice, request, alert or diffusion, not on a \(kind.rawValue) (a follow-up keeps its original's recipients)")
            }
            if role == .bcp {
                return NoticeViolation(field: "handling[\(position)]", reason: "\"\(code.rawValue)\" is set by the data owner; a border point (role bcp) may mark \"law-enforcement-only\" only")
            }
        }
        return nil
    }

    private static func allowsUrgent(_ document: JSONDocument, kind: NoticeKind) -> Bool {
        func member(_ name: String, isOneOf values: [String]) -> Bool {
            guard case .found(let index) = document.member(Array(name.utf8), in: 0), document.nodes[index].kind == .string else { return false }
            let text = document.text(at: index)
            return values.contains(text)
        }
        switch kind {
        case .red, .orange, .unSpecial, .update, .cancel, .withdraw, .expire: return true
        case .diffusion: return member("purpose", isOneOf: ["arrest", "warning"])
        case .actionRequest: return member("action", isOneOf: ["detain", "refuse-entry"])
        case .hit: return member("action_taken", isOneOf: ["detained"])
        case .yellow, .blue, .black, .green, .purple, .silver, .decision, .sltd, .hitAck: return false
        }
    }
}
