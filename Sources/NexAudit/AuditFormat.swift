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

extension AuditFormat {
    /// Whether the JSON text `bytes` names some member twice in one object, given its parse
    /// `members`: parsers disagree on which duplicate wins, so a record with one is malformed.
    ///
    /// Counts the member names in the text (a string followed by `:`) and compares with the
    /// members of every object of the parse: a parser keeps one of each duplicate.
    static func hasDuplicateMembers(_ bytes: ArraySlice<UInt8>, members: [String: Any]) -> Bool {
        var names = 0
        var index = bytes.startIndex
        var inString = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    var next = index + 1
                    while next < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
                    if next < bytes.endIndex, bytes[next] == UInt8(ascii: ":") { names += 1 }
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            index += 1
        }
        return names != memberCount(members)
    }

    private static func memberCount(_ value: Any) -> Int {
        if let object = value as? [String: Any] {
            return object.count + object.values.reduce(0) { $0 + memberCount($1) }
        }
        if let array = value as? [Any] {
            return array.reduce(0) { $0 + memberCount($1) }
        }
        return 0
    }
}
