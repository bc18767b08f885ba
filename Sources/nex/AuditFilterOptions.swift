import ArgumentParser
import NexAudit

/// Record filters shared by `query`, `tail` and `stats`.
struct AuditFilterOptions: ParsableArguments {
    @Option(name: .long, help: "Node id (the actor, or a recipient/withheld subscriber of a route); repeatable.")
    var node: [String] = []
    @Option(name: .long, help: "Country code from the roster; repeatable.")
    var country: [String] = []
    @Option(name: .long, help: "Topic pattern: tokens, `*` for one token, `>` for the rest (e.g. notice.red.>).")
    var topic: String?
    @Option(name: .long, help: "Notice kind (red, yellow, …); repeatable.")
    var kind: [String] = []
    @Option(name: .long, help: "Event type (publish, route, receipt, connect, subscribe, checkpoint, …); repeatable.")
    var event: [String] = []
    @Option(name: .long, help: "Outcome: accepted, refused or duplicate; repeatable.")
    var outcome: [String] = []
    @Option(name: .long, help: "Reason code (bad-signature, not-in-roster, denied-country, …); repeatable.")
    var reason: [String] = []
    @Option(name: .long, help: "Message id: its publish and route records and the receipts naming it.")
    var msg: String?
    @Option(name: .long, help: "From this time (RFC 3339, e.g. 2026-11-28T23:00:00Z), inclusive.")
    var since: String?
    @Option(name: .long, help: "Until this time (RFC 3339), exclusive.")
    var until: String?

    func validate() throws {
        if let topic, TopicPattern(topic) == nil {
            throw ValidationError("--topic \"\(topic)\" is not a pattern; use dot-separated tokens with `*` and a final `>`")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Timestamp.parse(value) == nil {
                throw ValidationError("\(name) \"\(value)\" is not an RFC 3339 UTC time; write it like 2026-11-28T23:00:00Z")
            }
        }
        for value in outcome where !["accepted", "refused", "duplicate"].contains(value) {
            throw ValidationError("--outcome \"\(value)\" is unknown; use accepted, refused or duplicate")
        }
    }

    var query: AuditQuery {
        var query = AuditQuery()
        query.nodes = node
        query.countries = country
        query.topic = topic.flatMap(TopicPattern.init)
        query.kinds = kind
        query.events = event
        query.outcomes = outcome
        query.reasons = reason
        query.messageID = msg?.lowercased()
        query.since = since.flatMap(Timestamp.parse)
        query.until = until.flatMap(Timestamp.parse)
        return query
    }
}

/// How `query` and `tail` print records.
enum AuditOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
