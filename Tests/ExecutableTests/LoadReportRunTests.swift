import Foundation
import Testing

/// `nex load --json` (issue 18 §3): the report says when, where and how it was made.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LoadReportRunTests {
    @Test func theJSONReportCarriesTimeVersionHostAndTheCommand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessRunner.run("nex", ["load", "--spawn", "--count", "3000", "--warmup", "20", "--json", directory + "/load.json",
                                                    "--plot", directory + "/load.svg"], in: directory, timeout: 90)
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError.suffix(1000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/load.json"))) as? [String: Any])
        let run = try #require(report["run"] as? [String: Any])
        #expect((run["version"] as? String)?.isEmpty == false && run["nexd"] as? String == "spawned")
        #expect((run["arguments"] as? [String])?.prefix(2) == ["load", "--spawn"])
        let started = try #require(run["startedAt"] as? String)
        #expect(try Date(started, strategy: .iso8601).timeIntervalSinceNow > -600)
        let host = try #require(run["host"] as? [String: Any])
        #expect((host["cores"] as? Int ?? 0) >= 1 && (host["memoryGiB"] as? Double ?? 0) > 0 && (host["kernel"] as? String)?.isEmpty == false)
        #expect((report["shape"] as? [String: Any])?["countPerPublisher"] as? Int == 3000)
        // The spawned nexd's audit log per notice: at least the notice's own document (padded to
        // 1,000 bytes by default, base64 in the acceptance record), and not absurdly more.
        let auditBytes = try #require(report["auditBytesPerNotice"] as? Double)
        #expect(auditBytes > 1000 && auditBytes < 20_000, "\(auditBytes) bytes per notice")
        #expect(result.standardOutput.contains("audit log") && result.standardOutput.contains("bytes per notice"))
        // The timeline of the measured phase, and the plot of both.
        let timeline = try #require(report["timeline"] as? [[String: Any]])
        #expect(!timeline.isEmpty && timeline.contains { ($0["deliveriesPerSecond"] as? Double ?? 0) > 0 }, "\(timeline)")
        let svg = try String(contentsOfFile: directory + "/load.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("Latency percentile distribution") && svg.contains("Throughput over the measured phase"))
        #expect(svg.components(separatedBy: "<polyline").count >= 4, "two latency lines, two rate lines")
    }

    @Test func theDiskProbeAppendsTheBytesAskedFor() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessRunner.run("nex", ["load", "--publishers", "0", "--disk-probe", "0.2", "--disk-probe-bytes", "40960",
                                                    "--json", directory + "/probe.json"], in: directory, timeout: 60)
        #expect(result.status == 0, "\(result.standardError.suffix(1000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/probe.json"))) as? [String: Any])
        let probe = try #require(report["diskProbe"] as? [String: Any])
        #expect(probe["bytes"] as? Int == 40960)
        #expect(result.standardError.contains("40 KiB appends"))
        // The size alone, or out of range, is refused with a clear message.
        let alone = try ProcessRunner.run("nex", ["load", "--publishers", "0", "--disk-probe-bytes", "40960"], in: directory, timeout: 30)
        #expect(alone.status != 0 && alone.standardError.contains("--disk-probe-bytes applies to --disk-probe"), "\(alone.standardError)")
        let tiny = try ProcessRunner.run("nex", ["load", "--publishers", "0", "--disk-probe", "1", "--disk-probe-bytes", "10"], in: directory, timeout: 30)
        #expect(tiny.status != 0 && tiny.standardError.contains("--disk-probe-bytes takes 512 to 4194304 bytes"), "\(tiny.standardError)")
    }
}
