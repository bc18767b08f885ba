import Foundation
import Testing

/// `nexd --log-format json` (issue 18 §2): every line on standard error is one JSON object with the
/// text format's fields; the listening line carries the address in its metadata.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LogFormatTests {
    @Test func nexdLogsOneJSONObjectPerLine() throws {
        let workspace = try ExecutableTests.Workspace()
        let daemon = try ProcessRunner.start("nexd", ["--log-format", "json"], in: workspace.path)
        defer { _ = daemon.terminate() }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !daemon.errors().contains("\"nexd listening\""), daemon.process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        let lines = daemon.errors().split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && objects.count == lines.count, "every line is JSON: \(lines.prefix(5))")
        let listening = try #require(objects.first { $0["message"] as? String == "nexd listening" })
        #expect(listening["level"] as? String == "notice" && listening["label"] as? String == "nexd")
        #expect(((listening["metadata"] as? [String: String])?["listen.addr"])?.hasPrefix("127.0.0.1:") == true)
        #expect(try ProcessRunner.run("nexd", ["--log-format", "xml"], in: workspace.path).status != 0)
    }
}
