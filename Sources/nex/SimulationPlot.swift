import Foundation
import NexAgents
import NexAudit

/// `nex simulate --plot FILE.svg` (issue 17): the day as nexd recorded it — accepted messages per
/// simulated hour by kind, from the day's audit log — the latency percentiles per hour (check →
/// hit at the owner, publication → a post), and each planted case's latencies.
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
    static func svg(title: String, perHour: [Int: [String: Int]], startHour: Int, endHour: Int, cases: [SimulationReport.CaseOutcome],
                    latencies: [(name: String, samples: [SimulationReport.LatencySample])] = []) -> String {
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
            <svg xmlns="http://www.w3.org/2000/svg" width="900" height="\(Int(top + height + 120 + latencyPanelHeight + Double(cases.count) * 22))" font-family="sans-serif" font-size="12">
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
        svg += latencyPanel(latencies, hours: hours, left: left, top: top + height + 90, width: width)
        var y = top + height + 90 + latencyPanelHeight
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

    /// The height the latency panel takes (its chart and one legend line per series).
    static let latencyPanelHeight = 270.0

    /// Per simulated hour, p50 (solid) and p99 (dashed) of each latency, in real ms on a log scale
    /// (an offline post's catch-up, seconds, and live deliveries, milliseconds, on one chart).
    static func latencyPanel(_ series: [(name: String, samples: [SimulationReport.LatencySample])], hours: [Int], left: Double, top: Double,
                             width: Double) -> String {
        let height = 150.0
        let step = width / Double(hours.count)
        func percentiles(_ samples: [SimulationReport.LatencySample]) -> [Int: (p50: Int64, p99: Int64)] {
            Dictionary(grouping: samples) { min(max(Int($0.minute / 60), hours.first!), hours.last!) }.compactMapValues { hour in
                SimulationReport.Percentiles(hour).map { ($0.p50, $0.p99) }
            }
        }
        let perHour = series.map { ($0.name, percentiles($0.samples)) }
        let highest = max(10, perHour.flatMap { $0.1.values.map(\.p99) }.max() ?? 10)
        let decades = log10(Double(highest)).rounded(.up)
        var svg = "<text x=\"\(left)\" y=\(f(top + 20)) font-size=\"14\">Latency per simulated hour, real ms, log scale (p50 solid, p99 dashed)</text>\n"
        let base = top + 40 + height
        /// The height of `millis` (under 1 ms at the axis).
        func y(_ millis: Int64) -> Double { base - height * log10(max(Double(millis), 1)) / decades }
        svg += "<line x1=\"\(left)\" y1=\(f(base)) x2=\(f(left + width)) y2=\(f(base)) stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\(f(top + 40)) x2=\"\(left)\" y2=\(f(base)) stroke=\"black\"/>\n"
        for decade in 0...Int(decades) {
            let millis = Int64(pow(10, Double(decade)))
            svg += "<text x=\(f(left - 8)) y=\(f(y(millis) + 4)) text-anchor=\"end\">\(millis)</text>"
                + "<line x1=\"\(left)\" y1=\(f(y(millis))) x2=\(f(left + width)) y2=\(f(y(millis))) stroke=\"#ddd\"/>\n"
        }
        for (index, (name, byHour)) in perHour.enumerated() {
            let colour = palette[(index + 2) % palette.count]
            for (dash, value) in [("", { (p: (p50: Int64, p99: Int64)) in p.p50 }), ("6 4", { (p: (p50: Int64, p99: Int64)) in p.p99 })] {
                let points = hours.enumerated().compactMap { column, hour -> String? in
                    guard let p = byHour[hour] else { return nil }
                    return String(format: "%.1f,%.1f", left + (Double(column) + 0.5) * step, y(value(p)))
                }
                guard !points.isEmpty else { continue }
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            let overall = SimulationReport.Percentiles(byHour.isEmpty ? [] : series[index].samples)
            let x = left, y = base + 30 + Double(index) * 18
            svg += "<rect x=\(f(x)) y=\(f(y - 10)) width=\"12\" height=\"12\" fill=\"\(colour)\"/><text x=\(f(x + 16)) y=\(f(y))>"
                + escape("\(name): \(overall?.text ?? "none")") + "</text>\n"
        }
        return svg
    }

    private static func f(_ value: Double) -> String { SVGText.attribute(value) }

    private static func escape(_ text: String) -> String { SVGText.escape(text) }
}
