import Foundation
import NexAgents
import NexAudit

/// `nex simulate --plot FILE.svg` (issue 17): the day as nexd recorded it — accepted messages per
/// simulated hour by kind, from the day's audit log — and each planted case's check → owner latency.
/// Plain SVG, no dependency.
enum SimulationPlot {
    /// Accepted messages per simulated hour and kind, read from the audit log.
    static func messagesPerHour(auditDirectory: String, clock: SimulatedClock) throws -> [Int: [String: Int]] {
        let reader = AuditReader(directory: auditDirectory)
        var counts: [Int: [String: Int]] = [:]
        try reader.forEachLine(in: try reader.segments()) { line in
            guard let record = AuditRecord(segment: "", line: 0, bytes: Array(line.bytes)), record.event == "publish",
                  record.string("outcome") == "accepted", let kind = record.string("kind"), let time = record.timeMillis else { return true }
            let hour = Int(clock.minute(atRealMillis: time) / 60)
            counts[hour, default: [:]][kind, default: 0] += 1
            return true
        }
        return counts
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The SVG: stacked bars (messages per hour by kind), then the cases' latencies.
    static func svg(title: String, perHour: [Int: [String: Int]], startHour: Int, endHour: Int, cases: [SimulationReport.CaseOutcome]) -> String {
        // What came before the day's first hour (lanes starting) counts in it; after the last, in the last.
        var perHour = perHour
        for hour in perHour.keys where hour < startHour || hour > endHour {
            let into = hour < startHour ? startHour : endHour
            for (kind, count) in perHour[hour]! { perHour[into, default: [:]][kind, default: 0] += count }
            perHour[hour] = nil
        }
        let kinds = Array(Set(perHour.values.flatMap(\.keys))).sorted()
        let hours = Array(startHour...max(startHour, endHour))
        let highest = max(1, hours.map { perHour[$0]?.values.reduce(0, +) ?? 0 }.max() ?? 1)
        let (left, top, width, height) = (70.0, 50.0, 760.0, 260.0)
        let barWidth = width / Double(hours.count)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="900" height="\(Int(top + height + 120 + Double(cases.count) * 22))" font-family="sans-serif" font-size="12">
            <text x="\(left)" y="24" font-size="16">\(escape(title)): accepted messages per simulated hour, by kind</text>
            <line x1="\(left)" y1="\(top + height)" x2="\(left + width)" y2="\(top + height)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + height)" stroke="black"/>
            <text x="\(left - 8)" y="\(top + 4)" text-anchor="end">\(highest)</text>
            <text x="\(left - 8)" y="\(top + height)" text-anchor="end">0</text>

            """
        for (column, hour) in hours.enumerated() {
            var y = top + height
            for (index, kind) in kinds.enumerated() {
                let count = perHour[hour]?[kind] ?? 0
                guard count > 0 else { continue }
                let h = height * Double(count) / Double(highest)
                y -= h
                svg += "<rect x=\(f(left + Double(column) * barWidth + 2)) y=\(f(y)) width=\(f(barWidth - 4)) height=\(f(h)) fill=\"\(palette[index % palette.count])\"><title>\(hour):00 \(kind): \(count)</title></rect>\n"
            }
            svg += "<text x=\(f(left + (Double(column) + 0.5) * barWidth)) y=\(f(top + height + 16)) text-anchor=\"middle\">\(hour)h</text>\n"
        }
        for (index, kind) in kinds.enumerated() {
            let x = left + Double(index % 6) * 125, y = top + height + 40 + Double(index / 6) * 18
            svg += "<rect x=\(f(x)) y=\(f(y - 10)) width=\"12\" height=\"12\" fill=\"\(palette[index % palette.count])\"/><text x=\(f(x + 16)) y=\(f(y))>\(escape(kind))</text>\n"
        }
        var y = top + height + 90
        svg += "<text x=\"\(left)\" y=\(f(y)) font-size=\"14\">Planted cases (check → hit at the owner NCB; publication → post watchlists, p50/max)</text>\n"
        for item in cases {
            y += 22
            var text = "\(item.detected ? "DETECTED" : "MISSED") \(item.name)"
            if let millis = item.checkToOwnerMillis { text += " · \(millis) ms check → owner" }
            if !item.watchlistMillis.isEmpty {
                text += " · watchlists \(item.watchlistMillis[item.watchlistMillis.count / 2]) / \(item.watchlistMillis.last!) ms"
            }
            svg += "<text x=\"\(left)\" y=\(f(y)) fill=\"\(item.detected ? "#2ca02c" : "#d62728")\">\(escape(text))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func f(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
