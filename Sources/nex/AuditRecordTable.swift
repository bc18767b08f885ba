import Foundation
import NexAudit

/// Prints records as an aligned table, JSON lines (the stored lines) or CSV.
struct AuditRecordTable {
    static let columns = ["seq", "time", "event", "outcome", "reason", "node", "country", "msg", "topic", "kind", "detail"]

    static func cells(_ record: AuditRecord) -> [String] {
        [record.sequence.map(String.init) ?? "", record.string("time") ?? "", record.event ?? "",
         record.string("outcome") ?? "", record.string("reason") ?? "", record.string("node") ?? "",
         record.string("country") ?? "", record.string("msg") ?? "", record.string("topic") ?? "", record.string("kind") ?? "", detail(record)]
    }

    /// Checkpoints show the tree size they cover (what `consistency` takes); others their `detail`.
    static func detail(_ record: AuditRecord) -> String {
        if record.event == "checkpoint" {
            return "tree size \(record.integer("size") ?? 0), root \(record.string("root")?.prefix(16) ?? "")…"
        }
        return record.string("detail") ?? ""
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    /// Printing for streams (`tail`): one line per record, no alignment across records for tables.
    static func line(_ record: AuditRecord, format: AuditOutputFormat) -> String {
        switch format {
        case .json: return String(decoding: record.bytes, as: UTF8.self)
        case .csv: return cells(record).map(csvField).joined(separator: ",")
        case .table: return cells(record).filter { !$0.isEmpty }.joined(separator: "  ")
        }
    }

    /// Printing a finished result: tables are aligned to the widest cell of each column.
    static func print(_ records: [AuditRecord], format: AuditOutputFormat) {
        switch format {
        case .json, .csv:
            if format == .csv { Swift.print(columns.joined(separator: ",")) }
            for record in records { Swift.print(line(record, format: format)) }
        case .table:
            let rows = [columns] + records.map(cells)
            let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let text = row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                Swift.print(text.joined(separator: "  ").trimmingTrailingSpaces)
            }
        }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
