/// What format version 2 of the audit log may contain (docs/AUDIT.md §Versioning).
///
/// A verifier must fail loudly on what it does not know rather than pass it: a record with an
/// event or a top-level member missing from these tables, or a `start` record naming a newer
/// `format`, makes the verdict "cannot verify" (exit 2), never "intact".
public enum AuditFormat {
    /// The format nexd writes and this verifier knows. `start` records carry it as `format`;
    /// logs written before it was introduced (format 1) have no `format` member.
    public static let version = 2

    /// Every `event` of format 2.
    public static let events: Set<String> = [
        "start", "stop", "repair", "connect", "disconnect", "certificate", "subscribe", "unsubscribe",
        "publish", "route", "receipt", "protocol-error", "reload", "checkpoint", "continuation",
    ]

    /// Every top-level member of format 2, in the order records carry them.
    public static let members: [String] = [
        "seq", "time", "event", "format", "outcome", "reason", "detail", "conn", "node", "role", "country",
        "peer", "cert", "msg", "topic", "kind", "sub", "filter", "issuedAt", "digest", "ref", "recipients",
        "withheld", "restrictions", "received", "missed", "delivery", "count", "part", "parts", "envelope",
        "certificate", "size", "root", "signature", "frontier", "prev", "hash",
    ]

    static let memberSet = Set(members)

    /// The `reason` of the checkpoint the first nexd after a crash writes to seal the records the
    /// crashed run left after its last checkpoint.
    public static let sealedAfterCrashReason = "sealed-after-crash"

    /// Why a record is not of this format, or `nil` when it is.
    static func unknownContent(event: String?, members: [String: Any]?) -> String? {
        guard let event else { return "record has no event" }
        guard events.contains(event) else {
            return "event \"\(event)\" is not in audit format \(version); a newer verifier is needed"
        }
        guard let members else { return nil }
        if let unknown = members.keys.sorted().first(where: { !memberSet.contains($0) }) {
            return "member \"\(unknown)\" is not in audit format \(version); a newer verifier is needed"
        }
        if let format = members["format"] {
            guard let number = format as? Int, number >= 1 else { return "member \"format\" is not a format number" }
            if number > version {
                return "written in audit format \(number); this verifier knows format \(version): a newer verifier is needed"
            }
        }
        return nil
    }
}
