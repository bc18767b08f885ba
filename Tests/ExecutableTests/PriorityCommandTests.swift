import Foundation
import Testing

/// `nex subscribe` shows a record's priority and handling codes (D58): `URGENT` first, then a
/// `priority … · handling …` line; `--json` carries both on every delivery.
extension ExecutableTests {
    @Test func subscribeShowsUrgentAndTheHandlingCodes() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let example = try String(contentsOfFile: workspace.path + "/Config/examples/red.json", encoding: .utf8)
        let brace = try #require(example.firstIndex(of: "{"))
        var marked = example
        marked.insert(contentsOf: #""priority": "urgent", "handling": ["law-enforcement-only"], "#, at: marked.index(after: brace))
        try marked.write(toFile: workspace.path + "/urgent-red.json", atomically: true, encoding: .utf8)
        let subscribe = ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--durable", "--inbox", "busia", "--server", server]
        _ = try ProcessRunner.run("nex", subscribe + ["--timeout", "1"], in: workspace.path, timeout: 15)
        for file in ["urgent-red.json", "Config/examples/red.json"] {
            let published = try ProcessRunner.run(
                "nex", ["publish", file, "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server], in: workspace.path)
            #expect(published.status == 0, "\(published.standardOutput)\(published.standardError)")
        }
        let text = try ProcessRunner.run("nex", subscribe + ["--count", "2", "--timeout", "10"], in: workspace.path, timeout: 20)
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput.contains("URGENT\ndelivery 1 "), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("priority urgent · handling law-enforcement-only"), "\(text.standardOutput)")
        #expect(text.standardOutput.components(separatedBy: "priority ").count == 2, "the unmarked notice prints no priority line")
    }
}
