import Foundation
import Testing

/// `nex subscribe --durable` (D52, D54): a border post that was away gets, when it comes back,
/// every notice published meanwhile, oldest first, and is told what waited.
extension ExecutableTests {
    @Test func aDurableSubscriberGetsWhatWasPublishedWhileItWasAway() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let arguments = ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--server", server, "--durable", "--inbox", "busia-watch"]
        // Attach once (nothing waits), then go away.
        let first = try ProcessRunner.run("nex", arguments + ["--timeout", "1"], in: workspace.path, timeout: 15)
        #expect(first.status == 4, "\(first.standardError)")
        #expect(first.standardError.contains("attached to inbox busia-watch of bcp.ke.busia (durable, notice.>): 0 waiting"), "\(first.standardError)")
        var ids: [String] = []
        for (file, topic) in [("red", "notice.red.rw"), ("yellow", "notice.yellow.ug")] {
            let published = try ProcessRunner.run(
                "nex", ["publish", "Config/examples/\(file).json", "--node", "gs.fr.lyon", "--topic", topic, "--server", server],
                in: workspace.path)
            #expect(published.status == 0, "\(published.standardError)")
            if let id = published.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map({ String($0.1) }) { ids.append(id) }
        }
        #expect(ids.count == 2)
        let back = try ProcessRunner.run("nex", arguments + ["--count", "2", "--json", "--timeout", "10"], in: workspace.path, timeout: 20)
        #expect(back.status == 0, "\(back.standardError)")
        let lines = back.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        for (line, id) in zip(lines, ids) { #expect(line.contains("\"msg\":\"\(id)\""), "\(line)") }
        #expect(lines.allSatisfy { $0.contains("\"signature\":\"verified\"") })
        // Receipted: nothing waits any more.
        let again = try ProcessRunner.run("nex", arguments + ["--timeout", "1"], in: workspace.path, timeout: 15)
        #expect(again.standardError.contains(": 0 waiting"), "\(again.standardError)")
    }
}
