import Foundation
import NexLoad

/// `nex load --plot FILE.svg` (issue 18 §3): the run's latency percentile distribution (publish →
/// ACK and publish → deliver at p50, p90, p99, p99.9 and the maximum, on a log scale) and its
/// throughput over time (notices and deliveries per second, quarter by quarter). Plain SVG.
enum LoadPlot {
    static func svg(_ report: LoadReport, title: String) -> String {
        let width = 760.0, height = 220.0, left = 80.0
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="900" height="\(Int(2 * height + 230))" font-family="sans-serif" font-size="12">
            <text x="\(left)" y="24" font-size="16">\(escape(title))</text>

            """
        // Latency percentile distribution.
        let series: [(String, LatencySummary, String)] = [("publish → ACK", report.publishToAck, "#1f77b4"),
                                                          ("publish → deliver", report.publishToDeliver, "#d62728")]
            + (report.urgentPublishToDeliver.map { [("urgent publish → deliver", $0, "#2ca02c")] } ?? [])
        let percentiles = ["p50", "p90", "p99", "p99.9", "max"]
        let highest = max(1, series.map(\.1.max).max() ?? 1)
        let decades = max(1, log10(highest).rounded(.up) + 1)
        var top = 50.0
        svg += "<text x=\"\(left)\" y=\(f(top)) font-size=\"14\">Latency percentile distribution, ms (log scale)</text>\n"
        top += 15
        let base = top + height
        func y(_ millis: Double) -> Double { base - height * (log10(max(millis, 0.1)) + 1) / decades }
        for decade in 0...Int(decades) {
            let millis = pow(10, Double(decade) - 1)
            svg += "<line x1=\"\(left)\" y1=\(f(y(millis))) x2=\(f(left + width)) y2=\(f(y(millis))) stroke=\"#ddd\"/>"
                + "<text x=\(f(left - 6)) y=\(f(y(millis) + 4)) text-anchor=\"end\">\(millis < 1 ? String(format: "%.1f", millis) : String(Int(millis)))</text>\n"
        }
        for (index, name) in percentiles.enumerated() {
            svg += "<text x=\(f(left + (Double(index) + 0.5) * width / 5)) y=\(f(base + 16)) text-anchor=\"middle\">\(name)</text>\n"
        }
        for (index, (name, summary, colour)) in series.enumerated() where summary.count > 0 {
            let values = [summary.p50, summary.p90, summary.p99, summary.p999, summary.max]
            let points = values.enumerated().map { String(format: "%.1f,%.1f", left + (Double($0.offset) + 0.5) * width / 5, y($0.element)) }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            svg += "<rect x=\(f(left)) y=\(f(base + 30 + Double(index) * 16)) width=\"12\" height=\"12\" fill=\"\(colour)\"/><text x=\(f(left + 16)) y=\(f(base + 41 + Double(index) * 16))>"
                + escape("\(name): p50 \(number(summary.p50)) ms, p99 \(number(summary.p99)) ms") + "</text>\n"
        }
        // Throughput over time.
        top = base + 95
        svg += "<text x=\"\(left)\" y=\(f(top)) font-size=\"14\">Throughput over the measured phase, per second</text>\n"
        top += 15
        let timeline = report.timeline ?? []
        let rates = timeline.flatMap { [$0.noticesPerSecond, $0.deliveriesPerSecond] }
        let peak = max(1, rates.max() ?? 1)
        let span = max(0.25, timeline.last?.seconds ?? 1)
        let bottom = top + height
        svg += "<line x1=\"\(left)\" y1=\(f(bottom)) x2=\(f(left + width)) y2=\(f(bottom)) stroke=\"black\"/>"
            + "<line x1=\"\(left)\" y1=\(f(top)) x2=\"\(left)\" y2=\(f(bottom)) stroke=\"black\"/>\n"
            + "<text x=\(f(left - 6)) y=\(f(top + 4)) text-anchor=\"end\">\(Int(peak))</text><text x=\(f(left - 6)) y=\(f(bottom)) text-anchor=\"end\">0</text>\n"
            + "<text x=\(f(left + width)) y=\(f(bottom + 16)) text-anchor=\"end\">\(number(span)) s</text>\n"
        for (index, (name, colour, value)) in [("notices/s", "#1f77b4", { (s: LoadReport.TimelineSample) in s.noticesPerSecond }),
                                              ("deliveries/s", "#d62728", { (s: LoadReport.TimelineSample) in s.deliveriesPerSecond })].enumerated() {
            let points = timeline.map { String(format: "%.1f,%.1f", left + width * $0.seconds / span, bottom - height * value($0) / peak) }
            if !points.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            svg += "<rect x=\(f(left + Double(index) * 330)) y=\(f(bottom + 30)) width=\"12\" height=\"12\" fill=\"\(colour)\"/><text x=\(f(left + Double(index) * 330 + 16)) y=\(f(bottom + 41))>\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func number(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value)
    }

    private static func f(_ value: Double) -> String { SVGText.attribute(value) }

    private static func escape(_ text: String) -> String { SVGText.escape(text) }
}
