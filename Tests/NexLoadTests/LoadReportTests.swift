import Foundation
import NexNotices
import Testing
@testable import NexLoad

@Suite("Report formatting and notice documents")
struct LoadReportTests {
    func sample() -> LoadReport {
        var report = LoadReport(shape: LoadReport.Shape(
            publishers: 2, subscribers: 4, layout: "fanout", kind: "red", payloadBytes: 1000, pacing: "closed-loop", window: 64,
            ratePerPublisher: nil, countPerPublisher: 500, warmUpPerPublisher: 10, verifiesSignatures: false))
        report.sent = 1000
        report.acked = 998
        report.nacked = ["bad-signature": 2]
        report.delivered = 1996
        report.expected = 1996
        report.noticesPerSecond = 12_345.6
        report.deliveriesPerSecond = 24_691.2
        report.payloadMBPerSecond = 24.7
        report.publishToAck = LatencySummary(count: 998, p50: 1.5, p90: 2.5, p99: 4.25, p999: 6, max: 7.125)
        report.fsync = LoadReport.FsyncProbe(samples: 200, bytes: 2048, medianMillis: 0.9, p99Millis: 2.1, maxMillis: 3)
        report.diskProbe = DiskProbeResult(directory: "/tmp/x", filesystem: "ext4", seconds: 10, targetRate: 1000, bytes: 12_288,
                                           latency: LatencySummary(count: 9_990, p50: 0.3, p90: 0.5, p99: 1.25, p999: 31.5, max: 120),
                                           waiting: LatencySummary(count: 10_000, p50: 0.4, p90: 0.7, p99: 60.5, p999: 118, max: 121))
        return report
    }

    @Test("the table names every figure and the window")
    func table() {
        let text = sample().table
        for needle in ["closed loop, window 64 per publisher", "sent", "acked", "nacked                2 (bad-signature 2)", "delivered",
                       "expected", "lost", "duplicated", "notices/s             12346", "deliveries/s", "payload MB/s",
                       "publish→ack", "publish→deliver", "4.250", "fsync",
                       "disk probe            waiting p50 0.400, p99 60.500, p99.9 118.000, max 121.000 ms (10000 arrivals); write+fdatasync p50 0.300, p99 1.250, p99.9 31.500, max 120.000 ms (9990 syncs of 12288 B in 10.0 s"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
    }

    @Test("the JSON document round-trips and uses stable keys")
    func json() throws {
        let report = sample()
        let text = try report.jsonText()
        let decoded = try JSONDecoder().decode(LoadReport.self, from: Data(text.utf8))
        #expect(decoded == report)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object?["noticesPerSecond"] as? Double == 12_345.6)
        #expect((object?["publishToAck"] as? [String: Any])?["p99"] as? Double == 4.25)
        #expect((object?["shape"] as? [String: Any])?["window"] as? Int == 64)
        #expect((object?["publishToDeliver"] as? [String: Any])?["p999"] != nil)
        let disk = object?["diskProbe"] as? [String: Any]
        #expect(disk?["p999Millis"] as? Double == 31.5)
        #expect(disk?["maxMillis"] as? Double == 120)
        #expect(disk?["samples"] as? Int == 9_990)
        #expect(disk?["waitP999Millis"] as? Double == 118)
        #expect(disk?["waitMaxMillis"] as? Double == 121)
        #expect(disk?["arrivals"] as? Int == 10_000)
    }

    @Test("padded documents have the requested size and stay valid", arguments: [NoticeKind.red, .orange, .unSpecial])
    func documents(kind: NoticeKind) {
        for size in [100, 1000, 4096] {
            let document = NoticeFactory.document(kind: kind, bytes: size)
            #expect(NoticeValidator.validate(document, as: kind) == nil)
            if size >= 1000 { #expect(document.count == size) }
        }
    }

    @Test("configuration problems are sentences naming the flag")
    func problems() {
        var configuration = LoadConfiguration()
        #expect(configuration.problem == nil)
        configuration.publishers = 2
        configuration.subscribers = 3
        #expect(configuration.problem?.contains("--layout pairs") == true)
        configuration.layout = .fanout
        #expect(configuration.problem == nil)
        configuration.kind = .hit
        #expect(configuration.problem?.contains("--kind") == true)
    }
}
