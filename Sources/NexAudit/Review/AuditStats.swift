/// Counts over the records a query matches, for `nex audit stats`.
public struct AuditStats: Sendable {
    public private(set) var total = 0
    public private(set) var byEvent: [String: Int] = [:]
    public private(set) var byNode: [String: Int] = [:]
    public private(set) var byCountry: [String: Int] = [:]
    public private(set) var byKind: [String: Int] = [:]
    public private(set) var byReason: [String: Int] = [:]
    /// Refusals (`outcome` = `refused`) per reason.
    public private(set) var refusalsByReason: [String: Int] = [:]
    /// Records per minute (key: Unix minute).
    public private(set) var perMinute: [Int64: Int] = [:]

    /// Empty counts.
    public init() {}

    /// Counts one record.
    public mutating func add(_ record: AuditRecord) {
        total += 1
        func count(_ table: inout [String: Int], _ key: String?) { if let key { table[key, default: 0] += 1 } }
        count(&byEvent, record.event)
        count(&byNode, record.string("node"))
        count(&byCountry, record.string("country"))
        count(&byKind, record.string("kind"))
        count(&byReason, record.string("reason"))
        if record.string("outcome") == "refused" { count(&refusalsByReason, record.string("reason") ?? "unspecified") }
        if let time = record.timeMillis {
            perMinute[time >= 0 ? time / 60_000 : (time - 59_999) / 60_000, default: 0] += 1
        }
    }

    /// The `limit` largest entries of `table`, largest first (ties by name).
    public static func top(_ table: [String: Int], limit: Int = .max) -> [(String, Int)] {
        Array(table.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit))
    }
}
