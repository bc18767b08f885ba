import Foundation
import Testing
@testable import nex

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
        let defaultAlone = try ProcessRunner.run("nex", ["load", "--publishers", "0", "--disk-probe-bytes", "12288"], in: directory, timeout: 30)
        #expect(defaultAlone.status != 0 && defaultAlone.standardError.contains("--disk-probe-bytes applies to --disk-probe"), "\(defaultAlone.standardError)")
        let storm = try ProcessRunner.run("nex", ["load", "--spawn", "--durable-posts", "4", "--disk-probe-bytes", "4096"], in: directory, timeout: 30)
        #expect(storm.status != 0 && storm.standardError.contains("--durable-posts runs the reconnect storm alone"), "\(storm.standardError)")
        let tiny = try ProcessRunner.run("nex", ["load", "--publishers", "0", "--disk-probe", "1", "--disk-probe-bytes", "10"], in: directory, timeout: 30)
        #expect(tiny.status != 0 && tiny.standardError.contains("--disk-probe-bytes takes 512 to 4194304 bytes"), "\(tiny.standardError)")
    }

    /// The audit log's bytes per notice: a file with two names (the log's `next-segment.jsonl`
    /// is a hard link to a segment) counts once, subdirectories not at all, and the divisor is
    /// what nexd acknowledged.
    @Test func theAuditBytesCountEachFileOnceOverTheAcknowledgedNotices() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-audit-bytes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: directory + "/segment-000001.jsonl"))
        try FileManager.default.linkItem(atPath: directory + "/segment-000001.jsonl", toPath: directory + "/next-segment.jsonl")
        try Data(repeating: 2, count: 500).write(to: URL(fileURLWithPath: directory + "/checkpoints.jsonl"))
        try Data(repeating: 3, count: 700).write(to: URL(fileURLWithPath: directory + "/sub/other"))
        #expect(LoadSession.directoryBytes(directory) == 1500)
        #expect(LoadSession.auditBytesPerNotice(directory: directory, acknowledged: 3) == 500)
        #expect(LoadSession.auditBytesPerNotice(directory: directory, acknowledged: 0) == nil)
        #expect(LoadSession.auditBytesPerNotice(directory: directory + "/missing", acknowledged: 3) == nil)
    }
}
