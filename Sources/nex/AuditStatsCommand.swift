import ArgumentParser
import NexAudit

/// `nex audit stats`.
struct AuditStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts per event, node, country, kind and reason; top refusal reasons; records per minute.",
        discussion: "Takes the same filters as `query` (use --since/--until for a time range)."
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var filters: AuditFilterOptions

    @Option(name: .long, help: "Rows per table.")
    var top: Int = 10
    @Option(name: .long, help: "Width of the histogram bars in characters.")
    var width: Int = 50

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard (10...200).contains(width) else { throw ValidationError("--width must be between 10 and 200") }
    }

    func run() throws {
        try filters.checkNames(directory: directory.dir)
        var stats = AuditStats()
        try filters.query.run(directory: directory.dir) { record in
            stats.add(record)
            return true
        }
        print(AuditStatsText.render(stats, top: top, width: width), terminator: "")
    }
}

/// Renders ``AuditStats`` for the terminal; names from the log are made inert.
enum AuditStatsText {
    static func render(_ stats: AuditStats, top: Int, width: Int) -> String {
        var out = "records: \(stats.total)\n"
        for (title, table) in [("per event", stats.byEvent), ("per node", stats.byNode), ("per country", stats.byCountry),
                               ("per kind", stats.byKind), ("per reason", stats.byReason), ("top refusal reasons", stats.refusalsByReason)] {
            out += "\n\(title):\n"
            let rows = AuditStats.top(table, limit: top).map { (TerminalText.inert($0.0), $0.1) }
            if rows.isEmpty { out += "  (none)\n" }
            let nameWidth = rows.map(\.0.count).max() ?? 0
            for (name, count) in rows { out += "  " + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  \(count)\n" }
        }
        out += "\nper minute:\n"
        return out + AuditHistogram.render(stats.perMinute, width: width)
    }
}

/// A per-minute bar chart for the terminal.
enum AuditHistogram {
    static func render(_ perMinute: [Int64: Int], width: Int) -> String {
        guard let first = perMinute.keys.min(), let last = perMinute.keys.max() else { return "  (no records)\n" }
        let peak = perMinute.values.max() ?? 1
        // Long ranges are grouped so the chart stays readable.
        let step = max(1, (last - first + 1 + 59) / 60)
        var out = ""
        var minute = first
        while minute <= last {
            let count = (minute..<min(minute + step, last + 1)).reduce(0) { $0 + (perMinute[$1] ?? 0) }
            let bar = String(repeating: "█", count: count == 0 ? 0 : max(1, count * width / (peak * Int(step))))
            let label = String(Timestamp.format(millis: minute * 60_000).prefix(16)).replacingOccurrences(of: "T", with: " ")
            out += "  \(label)  \(bar) \(count)\n"
            minute += step
        }
        return out
    }
}
