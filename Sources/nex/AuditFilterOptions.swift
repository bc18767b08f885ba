import ArgumentParser
import NexAudit
import NexConfig
import NexNotices
import NexSync

/// Record filters shared by `query`, `tail` and `stats`.
///
/// Values are checked, so a typo is a usage error (exit 64) naming the near match rather than an
/// empty answer: syntax in ``validate()``, names against the roster and the log in
/// ``checkNames(directory:)``.
struct AuditFilterOptions: ParsableArguments {
    @Option(name: .long, help: "Node id (the actor, or a recipient/withheld subscriber of a route); repeatable.")
    var node: [String] = []
    @Option(name: .long, help: "What NODE received: the routes that delivered to it and its receipts.")
    var receivedBy: String?
    @Option(name: .long, help: "Country code from the roster; repeatable.")
    var country: [String] = []
    @Option(name: .long, help: "Topic pattern: tokens, `*` for one token, `>` for the rest (e.g. notice.red.>).")
    var topic: String?
    @Option(name: .long, help: "Notice kind (red, yellow, …; see `nex notice kinds`); repeatable.")
    var kind: [String] = []
    @Option(name: .long, help: "Event type (publish, route, receipt, connect, subscribe, checkpoint, …; docs/AUDIT.md); repeatable.")
    var event: [String] = []
    @Option(name: .long, help: "Outcome: accepted, refused or duplicate; repeatable.")
    var outcome: [String] = []
    @Option(name: .long, help: "Reason code (bad-signature, not-in-roster, denied-country, …; docs/AUDIT.md); repeatable.")
    var reason: [String] = []
    @Option(name: .long, help: "Message id: its publish and route records and the receipts naming it.")
    var msg: String?
    @Option(name: .long, help: "From this time, inclusive: RFC 3339 (2026-11-28T23:00:00Z), a date (2026-11-28, UTC midnight) or an age (7d, 2h, 30m).")
    var since: String?
    @Option(name: .long, help: "Until this time, exclusive (same forms as --since).")
    var until: String?
    @Option(name: .long, help: "nexd config whose roster names the nodes --node may take (nodes seen in the log count too).")
    var config: String = DaemonConfiguration.defaultPath

    func validate() throws {
        if let topic, TopicPattern(topic) == nil {
            throw ValidationError("--topic \"\(topic)\" is not a pattern; use dot-separated tokens with `*` and a final `>`")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, AuditTimeBound.parse(value, nowMillis: 0) == nil {
                throw ValidationError("\(name) \"\(value)\" is not a time; write 2026-11-28T23:00:00Z, 2026-11-28 (UTC midnight) or an age like 7d, 2h, 30m")
            }
        }
        try Self.check("--kind", kind, among: NoticeKind.allCases.map(\.rawValue), listing: "use one of")
        try Self.check("--event", event, among: AuditVocabulary.events, listing: "use one of")
        try Self.check("--outcome", outcome, among: AuditVocabulary.outcomes, listing: "use one of")
        try Self.check("--reason", reason, among: AuditVocabulary.reasons, listing: nil)
    }

    /// Refuses a value not in `known`, naming near matches, and the whole list when `listing` is given.
    private static func check(_ option: String, _ values: [String], among known: [String], listing: String?) throws {
        for value in values where !known.contains(value) {
            let near = NearMatch.hint(for: value, among: known)
            let list = listing.map { "; \($0) \(known.joined(separator: ", "))" } ?? "; docs/AUDIT.md §Reason codes lists them"
            throw ValidationError("\(option) \"\(value)\" is unknown\(near.isEmpty ? list : near)")
        }
    }

    /// Checks `--node` and `--received-by` against the roster of `--config` and the nodes the log
    /// names (so old logs work); only the roster when it names them all. Falls back to the log alone
    /// when the roster cannot be read.
    /// - Throws: `ValidationError` (exit 64) naming an unknown node and its near matches.
    func checkNames(directory: String) throws {
        let wanted = node + (receivedBy.map { [$0] } ?? [])
        guard !wanted.isEmpty else { return }
        let roster = (try? DaemonConfiguration.load(path: config))?.roster.entries.map(\.id)
        var unknown = wanted.filter { !(roster ?? []).contains($0) }
        guard !unknown.isEmpty else { return }
        let seen = try AuditQuery.nodesNamed(directory: directory)
        unknown.removeAll(where: seen.contains)
        guard let first = unknown.first else { return }
        let option = node.contains(first) ? "--node" : "--received-by"
        let known = (roster ?? []) + seen.sorted()
        let source = roster == nil ? "in the log (the roster in \(config) cannot be read)" : "in the roster (\(config)) nor in the log"
        throw ValidationError("\(option) \"\(first)\" is not a node \(source)\(NearMatch.hint(for: first, among: known))")
    }

    /// The query, with relative times taken from now.
    var query: AuditQuery {
        let now = WallClock.nowMillis()
        var query = AuditQuery()
        query.nodes = node
        query.receivedBy = receivedBy
        query.countries = country
        query.topic = topic.flatMap(TopicPattern.init)
        query.kinds = kind
        query.events = event
        query.outcomes = outcome
        query.reasons = reason
        query.messageID = msg?.lowercased()
        query.since = since.flatMap { AuditTimeBound.parse($0, nowMillis: now) }
        query.until = until.flatMap { AuditTimeBound.parse($0, nowMillis: now) }
        return query
    }
}

/// How `query` and `tail` print records.
enum AuditOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
