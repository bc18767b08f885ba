/// Filters over audit records for `nex audit query`, `tail` and `stats`. Every filter given must
/// match (lists: any of their values). Empty filters match everything.
public struct AuditQuery: Sendable {
    /// Node ids: the record's `node`, or a recipient, queued inbox or withheld subscriber of a `route`.
    public var nodes: [String] = []
    /// A node whose deliveries are wanted: `route` records naming it among the `recipients`, and
    /// its own `receipt` records.
    public var receivedBy: String?
    public var countries: [String] = []
    public var topic: TopicPattern?
    /// Notice kinds (`kind` member).
    public var kinds: [String] = []
    /// Event types (`publish`, `route`, …).
    public var events: [String] = []
    public var outcomes: [String] = []
    public var reasons: [String] = []
    /// A message id: its `msg`, or a receipt naming it.
    public var messageID: String?
    /// Inclusive lower and exclusive upper bound of `time`, Unix milliseconds.
    public var since: Int64?
    public var until: Int64?

    /// A query that matches every record.
    public init() {}

    /// Whether `record` passes every filter.
    public func matches(_ record: AuditRecord) -> Bool {
        if since != nil || until != nil {
            guard let time = record.timeMillis else { return false }
            if let since, time < since { return false }
            if let until, time >= until { return false }
        }
        if !events.isEmpty, !events.contains(record.event ?? "") { return false }
        if !outcomes.isEmpty, !outcomes.contains(record.string("outcome") ?? "") { return false }
        if !reasons.isEmpty, !reasons.contains(record.string("reason") ?? "") { return false }
        if !kinds.isEmpty, !kinds.contains(record.string("kind") ?? "") { return false }
        if !countries.isEmpty, !countries.contains(record.string("country") ?? "") { return false }
        if let topic, !(record.string("topic").map(topic.matches) ?? false) { return false }
        if let messageID, record.string("msg") != messageID, !record.strings("received").contains(messageID) { return false }
        if !nodes.isEmpty, !record.nodesNamed.contains(where: nodes.contains) { return false }
        if let receivedBy {
            switch record.event {
            case "route": if !record.objects("recipients").contains(where: { $0["node"] as? String == receivedBy }) { return false }
            case "receipt": if record.string("node") != receivedBy { return false }
            default: return false
            }
        }
        return true
    }

    /// Every node id the log in `directory` names (actors, recipients, withheld subscribers).
    /// - Throws: ``AuditError`` when the log cannot be read.
    public static func nodesNamed(directory: String) throws -> Set<String> {
        var nodes: Set<String> = []
        try AuditReader(directory: directory).forEachRecord { record in
            nodes.formUnion(record.nodesNamed)
            return true
        }
        return nodes
    }

    /// Calls `body` with each matching record in log order (`false` stops). With a message id the
    /// index in `indexDirectory` (default ``AuditIndex/defaultIndexDirectory(for:)``) is used,
    /// updated first, unless `usesIndex` is false; `warn` receives a line for each index entry that
    /// did not hold up (the answer then comes from a scan of the log).
    /// - Throws: ``AuditError`` when the log cannot be read.
    public func run(directory: String, usesIndex: Bool = true, indexDirectory: String? = nil,
                    warn: (String) -> Void = { _ in }, _ body: (AuditRecord) throws -> Bool) throws {
        if let messageID, usesIndex {
            let answer = try AuditIndex(directory: directory, indexDirectory: indexDirectory).find(message: messageID)
            answer.ignoredEntries.forEach(warn)
            for record in answer.records where matches(record) {
                guard try body(record) else { return }
            }
            return
        }
        try AuditReader(directory: directory).forEachRecord { record in
            matches(record) ? try body(record) : true
        }
    }
}

extension AuditRecord {
    /// The record's `node`, and the nodes of its `recipients`, `queued` and `withheld` entries.
    public var nodesNamed: [String] {
        [string("node")].compactMap { $0 } + objects("recipients").compactMap { $0["node"] as? String }
            + objects("queued").compactMap { $0["node"] as? String } + objects("withheld").compactMap { $0["node"] as? String }
    }
    /// A string-array member (`received`).
    public func strings(_ key: String) -> [String] { members[key] as? [String] ?? [] }
    /// An array-of-objects member (`recipients`, `queued`, `withheld`).
    public func objects(_ key: String) -> [[String: Any]] { members[key] as? [[String: Any]] ?? [] }
}
