/// A trace shortened for a report (`nex simulate` puts each planted case's in its own): an alert
/// reaches every post, and its trace would list each one several times.
extension AuditTraceText {
    /// The kinds of line cut to their first `kept`, each by how its lines start.
    private static let repeatedLines: [(prefix: String, name: String)] = [
        ("    delivered to ", "deliveries"), ("    QUEUED for ", "queued"), ("    WITHHELD from ", "withheld"),
        ("  receipt  ", "receipts"), ("  inbox    ", "inbox histories"),
    ]

    /// `trace` (``text(_:)`` and the chain) with its deliveries, queued and withheld lines,
    /// receipts and inbox histories (with their indented lines) cut to the first `kept` of each,
    /// and a line saying how many more there were, indented as they were.
    static func condensed(_ trace: String, kept: Int = 3) -> String {
        var lines: [String] = []
        var counts: [String: Int] = [:]
        /// Where each kind's "more" line goes, and its indentation.
        var more: [String: (index: Int, indent: String)] = [:]
        var inInboxHistory = false
        for line in trace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if inInboxHistory, line.hasPrefix("    ") {
                // A line of the inbox history above: kept or cut with it.
                if counts["inbox histories", default: 0] <= kept { lines.append(line) }
                continue
            }
            guard let kind = repeatedLines.first(where: { line.hasPrefix($0.prefix) }) else {
                inInboxHistory = false
                lines.append(line)
                continue
            }
            inInboxHistory = kind.name == "inbox histories"
            counts[kind.name, default: 0] += 1
            if counts[kind.name]! <= kept {
                lines.append(line)
            } else if more[kind.name] == nil {
                more[kind.name] = (lines.count, String(line.prefix { $0 == " " }))
                lines.append("")
            }
        }
        for (name, place) in more { lines[place.index] = "\(place.indent)… and \(counts[name]! - kept) more \(name)" }
        return lines.joined(separator: "\n")
    }
}
