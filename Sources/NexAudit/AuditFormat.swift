import Foundation

/// What format version 6 of the audit log may contain, and which content each format introduced
/// (docs/AUDIT.md §Versioning).
///
/// A verifier must fail loudly on what it does not know rather than pass it: a record with an
/// event or a top-level member missing from these tables, or a `start` record naming a newer
/// `format`, makes the verdict "cannot verify" (exit 2), never "intact".
public enum AuditFormat {
    /// The format nexd writes and this verifier knows. `start` records carry it as `format`;
    /// logs written before it was introduced (format 1) have no `format` member.
    public static let version = 6

    /// Every `event` of format 6.
    public static let events: Set<String> = [
        "start", "stop", "repair", "connect", "disconnect", "certificate", "subscribe", "unsubscribe",
        "publish", "route", "receipt", "protocol-error", "reload", "checkpoint", "continuation", "inbox", "batch",
    ]

    /// Every top-level member of format 6, in the order records carry them.
    public static let members: [String] = [
        "seq", "time", "event", "format", "outcome", "reason", "detail", "conn", "node", "role", "country",
        "peer", "cert", "msg", "topic", "kind", "sub", "filter", "inbox", "from", "through", "issuedAt", "expiresAt",
        "digest", "ref", "recipients", "queued", "withheld", "restrictions", "received", "missed", "delivery", "count",
        "part", "parts", "envelope", "certificate", "size", "root", "restrictionsDigest", "signature", "frontier", "prev", "hash",
    ]

    static let memberSet = Set(members)

    /// Events added after format 1, with the format that added them (the rest are in every format).
    static let eventsIntroduced: [String: Int] = ["inbox": 3, "batch": 6]

    /// Top-level members added after format 1, with the format that added them. Format 2 added
    /// only meanings (`format` on `start`, `reason`/`detail` on checkpoints), no member.
    static let membersIntroduced: [String: Int] = ["inbox": 3, "from": 3, "through": 3, "queued": 3, "expiresAt": 5, "restrictionsDigest": 6]

    /// The `reason` of the checkpoint the first nexd after a crash writes to seal the records the
    /// crashed run left after its last checkpoint.
    public static let sealedAfterCrashReason = "sealed-after-crash"

    /// Why a record is not of this format, or `nil` when it is: an unknown event, or (given the
    /// parse) an unknown top-level member. ``formatProblem(_:)`` checks the `format` member.
    static func unknownContent(event: String?, members: [String: Any]?) -> String? {
        guard let event else { return "record has no event" }
        guard events.contains(event) else {
            return "event \"\(event)\" is not in audit format \(version); a newer verifier is needed"
        }
        guard let members else { return nil }
        if let unknown = members.keys.sorted().first(where: { !memberSet.contains($0) }) {
            return "member \"\(unknown)\" is not in audit format \(version); a newer verifier is needed"
        }
        return nil
    }

    /// Why a record holds content newer than the format its run declares (the `format` of the last
    /// `start` record, 1 when it has none), or `nil`. An event or top-level member a later format
    /// added is CANNOT VERIFY (`isTampering` false), as it is to a verifier of the run's format; a
    /// nested form a later format added (`inboxes` in a `recipients` entry, `inbox` in a `withheld`
    /// entry, `exception` in a `recipients` or `queued` entry) is TAMPERED, as that verifier's canonical-form check makes it. Either way a nexd of
    /// that format cannot have written it (docs/AUDIT.md §Versioning).
    static func laterContent(event: String, members: [String: Any]?, runFormat: Int) -> (reason: String, isTampering: Bool)? {
        guard runFormat < version else { return nil }
        func problem(_ what: String, _ format: Int) -> String {
            "\(what) is audit format \(format) content, but this run's start record declares format \(runFormat): "
                + "a format-\(runFormat) nexd cannot have written it"
        }
        if let format = eventsIntroduced[event], format > runFormat { return (problem("event \"\(event)\"", format), false) }
        guard let members else { return nil }
        if let (member, format) = membersIntroduced.sorted(by: { $0.key < $1.key })
            .first(where: { members[$0.key] != nil && $0.value > runFormat }) {
            return (problem("member \"\(member)\"", format), false)
        }
        if runFormat < 3 {
            let entries = (members["recipients"] as? [Any] ?? []) + (members["withheld"] as? [Any] ?? [])
            if entries.contains(where: { ($0 as? [String: Any]).map { $0["inboxes"] != nil || $0["inbox"] != nil } ?? false }) {
                return ("record is not in canonical form (" + problem("an inbox in a \"recipients\" or \"withheld\" entry", 3) + ")", true)
            }
        }
        if runFormat < 4 {
            let entries = (members["recipients"] as? [Any] ?? []) + (members["queued"] as? [Any] ?? [])
            if entries.contains(where: { ($0 as? [String: Any])?["exception"] != nil }) {
                return ("record is not in canonical form (" + problem("an exception in a \"recipients\" or \"queued\" entry", 4) + ")", true)
            }
        }
        return nil
    }

    /// The format a `start` record declares: its `format`, or 1 when it has none (format 1).
    static func declaredFormat(_ members: [String: Any]) -> Int {
        (members["format"] as? NSNumber).map { Int(clamping: $0.int64Value) } ?? 1
    }

    /// What is wrong with a record's `format` member, after the canonical-form check (so it is a
    /// plain non-negative integer if present): below 1 is tampering, above ``version`` a newer
    /// format this verifier does not know.
    static func formatProblem(_ members: [String: Any]) -> (reason: String, isUnknownFormat: Bool)? {
        guard let format = members["format"] else { return nil }
        guard let number = (format as? NSNumber)?.int64Value, number >= 1 else {
            return ("member \"format\" is not a format number (1…\(version))", false)
        }
        if number > version {
            return ("written in audit format \(number); this verifier knows format \(version): a newer verifier is needed", true)
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
