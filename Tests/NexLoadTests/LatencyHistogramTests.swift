import Dispatch
import NexSync
import Testing
@testable import NexLoad

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("percentiles of a known distribution, within HDR's 3-digit precision")
    func percentiles() {
        var histogram = LatencyHistogram()
        for microseconds in 1...1000 { histogram.record(nanoseconds: UInt64(microseconds) * 1000) }
        #expect(histogram.count == 1000)
        let p50 = Double(histogram.nanoseconds(atPercentile: 50))
        let p99 = Double(histogram.nanoseconds(atPercentile: 99))
        #expect(abs(p50 - 500_000) / 500_000 < 0.002)
        #expect(abs(p99 - 990_000) / 990_000 < 0.002)
        #expect(abs(Double(histogram.maximumNanoseconds) - 1_000_000) / 1_000_000 < 0.002)
        let summary = histogram.summary
        #expect(abs(summary.p50 - 0.5) < 0.001)
        #expect(summary.count == 1000)
    }

    @Test("an empty histogram summarises to zeros")
    func empty() {
        let summary = LatencyHistogram().summary
        #expect(summary == LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0))
    }

    @Test("values beyond the trackable range are clamped and counted")
    func clamping() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: LatencyHistogram.highestTrackableNanoseconds * 2)
        histogram.record(nanoseconds: 0)
        #expect(histogram.count == 2)
        #expect(histogram.clamped == 1)
    }

    @Test("per-thread histograms merge into the same counts and extremes")
    func mergingAcrossThreads() {
        let threads = 8
        let perThread = 10_000
        let parts = Locked<[LatencyHistogram]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var local = LatencyHistogram()
            for index in 0..<perThread { local.record(nanoseconds: UInt64(thread * perThread + index + 1) * 100) }
            parts.withLock { $0.append(local) }
        }
        var merged = LatencyHistogram()
        for part in parts.withLock({ $0 }) { merged.add(part) }
        #expect(merged.count == UInt64(threads * perThread))
        let maximum = Double(threads * perThread) * 100
        #expect(abs(Double(merged.maximumNanoseconds) - maximum) / maximum < 0.002)
        #expect(abs(Double(merged.nanoseconds(atPercentile: 50)) - maximum / 2) / (maximum / 2) < 0.002)
    }
}
