import NexBroker
import NexNotices

/// Who may publish on the topic families the General Secretariat answers for, whatever the
/// permissions say (D55, D59): the notice review rule as a convention nexd enforces, so that a
/// permissive config cannot let an NCB publish an alert or a decision.
///
/// | topic | who publishes |
/// |---|---|
/// | `alert.cyber.>` | the General Secretariat, a cybercrime centre |
/// | any other `alert.>` | the General Secretariat |
/// | `decision.>` | the General Secretariat |
///
/// Other families are left to the permissions (`Config/nexd.yaml`).
enum ReviewRule {
    /// Why `role` may not publish on `topic`, or nil when it may (or the rule does not cover it).
    static func refusal(role: NodeRole, topic: Topic) -> String? {
        let tokens = topic.tokens
        switch tokens.first {
        case "alert":
            if role == .gs { return nil }
            if role == .cyber, tokens.count > 1, tokens[1] == "cyber" { return nil }
            let asker = role == .ncb ? "; an NCB asks the General Secretariat through request.orange.<country> or request.purple.<country>" : ""
            return "only the General Secretariat publishes alert.> (the notice review rule, D55), and a cybercrime centre alert.cyber.>; a \(role.rawValue) node may not publish \(topic)\(asker)"
        case "decision":
            if role == .gs { return nil }
            return "only the General Secretariat publishes decision.> (its decisions on requests, D59); a \(role.rawValue) node may not publish \(topic)"
        default:
            return nil
        }
    }
}
