import Foundation
import NexAudit

/// Renders ``AuditWaiting`` for `nex audit query --waiting`. Strings from the log pass through
/// ``TerminalText/inert(_:)``; JSON is made inert with ``TerminalText/inertJSON(_:)``.
enum AuditWaitingText {
    static func text(_ waiting: AuditWaiting) -> String {
        let node = TerminalText.inert(waiting.node)
        guard !waiting.inboxes.isEmpty else { return "node \(node): no durable inbox in the log, nothing waiting\n" }
        var out = "node \(node): \(waiting.count) waiting in \(waiting.inboxes.count) inbox\(waiting.inboxes.count == 1 ? "" : "es")\n"
        for inbox in waiting.inboxes {
            let filter = inbox.filter.map { "filter \(TerminalText.inert($0))" } ?? "no durable subscribe in the log"
            let cursor = inbox.cursor == 0 ? "nothing receipted yet" : "receipted through record \(inbox.cursor)"
            out += "inbox \(TerminalText.inert(inbox.key.name)) (\(filter); \(cursor)): \(inbox.items.count) waiting\n"
            guard !inbox.items.isEmpty else { continue }
            let rows = [["seq", "queued", "msg", "topic", "kind"]] + inbox.items.map { item in
                [String(item.entry.acceptanceSequence), Timestamp.format(millis: item.entry.acceptedAtMillis),
                 item.entry.messageID, item.entry.topic ?? "?", item.kind ?? "?"].map(TerminalText.inert)
            }
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                out += "  " + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
            }
        }
        return out
    }

    static func json(_ waiting: AuditWaiting) -> String {
        let object: [String: Any] = [
            "node": waiting.node, "count": waiting.count,
            "inboxes": waiting.inboxes.map { inbox -> [String: Any] in
                var entry: [String: Any] = ["inbox": inbox.key.name, "cursor": inbox.cursor, "count": inbox.items.count]
                entry["filter"] = inbox.filter
                entry["waiting"] = inbox.items.map { item -> [String: Any] in
                    var row: [String: Any] = ["seq": item.entry.acceptanceSequence, "msg": item.entry.messageID,
                                              "queued": Timestamp.format(millis: item.entry.acceptedAtMillis)]
                    row["topic"] = item.entry.topic
                    row["kind"] = item.kind
                    return row
                }
                return entry
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return TerminalText.inertJSON(String(decoding: data, as: UTF8.self))
    }
}
