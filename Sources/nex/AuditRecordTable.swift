import Foundation
import NexAudit

/// Prints records as an aligned table, JSON lines (the stored lines) or CSV.
///
/// Every cell is peer text made inert (``TerminalText/inert(_:)``); CSV cells are also defused
/// against spreadsheet formulas (``csvField(_:)``).
struct AuditRecordTable {
    static let columns = ["seq", "time", "event", "outcome", "reason", "node", "country", "msg", "topic", "kind", "detail"]

    /// The topic of a message id, when known (a receipt names only the ids it confirms).
    typealias TopicLookup = (String) -> String?

    static func cells(_ record: AuditRecord, topic lookup: TopicLookup = { _ in nil }) -> [String] {
        let received = record.strings("received")
        let msg = record.string("msg") ?? received.joined(separator: " ")
        let topic = record.string("topic") ?? topics(of: received, lookup)
        let sequence = record.sequence.map(String.init) ?? ""
        let raw: [String] = [sequence, record.string("time") ?? "", record.event ?? "",
                             record.string("outcome") ?? "", record.string("reason") ?? "", record.string("node") ?? "",
                             record.string("country") ?? "", msg, topic, record.string("kind") ?? "", detail(record)]
        return raw.map(TerminalText.inert)
    }

    /// The distinct topics of `ids`, in order, or "" when none is known.
    private static func topics(of ids: [String], _ lookup: TopicLookup) -> String {
        var seen: [String] = []
        for id in ids { if let topic = lookup(id), !seen.contains(topic) { seen.append(topic) } }
        return seen.joined(separator: " ")
    }

    /// Checkpoints show the tree size they cover (what `consistency` takes); others their `detail`.
    static func detail(_ record: AuditRecord) -> String {
        if record.event == "checkpoint" {
            return "tree size \(record.integer("size") ?? 0), root \(record.string("root")?.prefix(16) ?? "")…"
        }
        return record.string("detail") ?? ""
    }

    /// A CSV cell (RFC 4180 quoting). A cell a spreadsheet would read as a formula (starting with
    /// `=`, `+`, `-`, `@`, TAB or CR) gets a leading `'` so it stays text.
    static func csvField(_ value: String) -> String {
        let defused = value.first.map { "=+-@\t\r".contains($0) } == true ? "'" + value : value
        return defused.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + defused.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : defused
    }

    /// Printing for streams (`tail`): one line per record, no alignment across records for tables.
    static func line(_ record: AuditRecord, format: AuditOutputFormat, topic lookup: TopicLookup = { _ in nil }) -> String {
        switch format {
        case .json: return TerminalText.inertJSON(String(decoding: record.bytes, as: UTF8.self))
        case .csv: return cells(record, topic: lookup).map(csvField).joined(separator: ",")
        case .table: return cells(record, topic: lookup).filter { !$0.isEmpty }.joined(separator: "  ")
        }
    }

    /// A finished result: tables are aligned to the widest cell of each column.
    static func render(_ records: [AuditRecord], format: AuditOutputFormat, topic lookup: TopicLookup = { _ in nil }) -> String {
        var out = ""
        switch format {
        case .json, .csv:
            if format == .csv { out += columns.joined(separator: ",") + "\n" }
            for record in records { out += line(record, format: format, topic: lookup) + "\n" }
        case .table:
            let rows = [columns] + records.map { cells($0, topic: lookup) }
            let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let text = row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                out += text.joined(separator: "  ").trimmingTrailingSpaces + "\n"
            }
        }
        return out
    }

    /// Prints ``render(_:format:topic:)``.
    static func print(_ records: [AuditRecord], format: AuditOutputFormat, topic lookup: TopicLookup = { _ in nil }) {
        Swift.print(render(records, format: format, topic: lookup), terminator: "")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
