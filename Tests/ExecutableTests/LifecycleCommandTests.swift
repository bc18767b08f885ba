import Foundation
import NexAudit
import Testing

/// `nex notice update|cancel` and what follows them through the binaries (D57): an offline
/// border post's durable subscription prints the cancellation after the notice, across a SIGKILL
/// of nexd, and `nex audit trace` shows the chain from either end.
extension ExecutableTests {
    @Test func aCancellationReachesAnOfflinePostAcrossAKillAndTheTraceShowsTheChain() throws {
        let workspace = try Workspace()
        var (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let subscribe = ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--durable", "--inbox", "busia"]
        let first = try ProcessRunner.run("nex", subscribe + ["--server", server, "--timeout", "1"], in: workspace.path, timeout: 15)
        #expect(first.standardError.contains(": 0 waiting"), "\(first.standardError)")
        let published = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server], in: workspace.path)
        let id = try #require(published.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) }, "\(published.standardOutput)")
        let update = try ProcessRunner.run(
            "nex", ["notice", "update", id, "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server],
            in: workspace.path)
        #expect(update.status == 0 && update.standardOutput.hasPrefix("accepted: update msg "), "\(update.standardOutput)\(update.standardError)")
        // Busia reports a hit on it, observed now (D60): the trace lists it under the notice.
        let example = try String(contentsOfFile: workspace.path + "/Config/examples/hit.json", encoding: .utf8)
            .replacingOccurrences(of: "0190f1d2-7c3a-7000-8000-00000000a002", with: id)
            .replacingOccurrences(of: "2026-04-18T06:42:10Z", with: Timestamp.format(millis: Int64(Date().timeIntervalSince1970 * 1000)))
        try example.write(toFile: workspace.path + "/hit.json", atomically: true, encoding: .utf8)
        let hit = try ProcessRunner.run(
            "nex", ["publish", "hit.json", "--node", "bcp.ke.busia", "--topic", "hit.rw.ke", "--server", server], in: workspace.path)
        let hitID = try #require(hit.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) }, "\(hit.standardOutput)\(hit.standardError)")
        let cancel = try ProcessRunner.run(
            "nex", ["notice", "cancel", id, "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--reason", "arrest", "--server", server],
            in: workspace.path)
        #expect(cancel.status == 0 && cancel.standardOutput.hasPrefix("accepted: cancel msg "), "\(cancel.standardOutput)\(cancel.standardError)")
        let cancelID = try #require(cancel.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) })
        // Refused with its reason, exit 1: nothing follows a cancelled notice.
        let refused = try ProcessRunner.run(
            "nex", ["notice", "update", id, "Config/examples/red.json", "--version", "3", "--node", "gs.fr.lyon", "--topic", "notice.red.rw",
                    "--server", server], in: workspace.path)
        #expect(refused.status == 1 && refused.standardOutput.contains("refused: invalid-notice: update of \(id) refused: it was cancelled"),
                "\(refused.standardOutput)")

        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        (daemon, server) = try startDaemon(workspace)
        let back = try ProcessRunner.run("nex", subscribe + ["--server", server, "--count", "3", "--timeout", "10"], in: workspace.path, timeout: 20)
        #expect(back.status == 0, "\(back.standardError)")
        let output = back.standardOutput
        let updated = try #require(output.range(of: "UPDATED \(id) to version 2: other (new version of the document)"), "\(output)")
        let cancelled = try #require(output.range(of: "CANCELLED \(id): arrest"), "\(output)")
        #expect(updated.lowerBound < cancelled.lowerBound)
        #expect(output.range(of: "kind red")!.lowerBound < updated.lowerBound)

        let trace = try ProcessRunner.run("nex", ["audit", "trace", cancelID], in: workspace.path)
        #expect(trace.status == 0, "\(trace.standardError)")
        #expect(trace.standardOutput.contains("follow-up of \(id): CANCELLED \(id): arrest"), "\(trace.standardOutput)")
        #expect(trace.standardOutput.contains("lifecycle of \(id)"))
        #expect(trace.standardOutput.contains("red published by gs.fr.lyon on notice.red.rw (version 1)"), "\(trace.standardOutput)")
        #expect(trace.standardOutput.contains("HIT at bcp.ke.busia on hit.rw.ke: detained (msg \(hitID))"), "\(trace.standardOutput)")
        #expect(trace.standardOutput.contains("now: CANCELLED; 1 hit"))
        // Traced from the hit, the chain is the notice's.
        let hitTrace = try ProcessRunner.run("nex", ["audit", "trace", hitID], in: workspace.path)
        #expect(hitTrace.standardOutput.contains("hit on \(id): HIT at bcp.ke.busia"), "\(hitTrace.standardOutput)")
        #expect(hitTrace.standardOutput.contains("lifecycle of \(id)"))
        let originalTrace = try ProcessRunner.run("nex", ["audit", "trace", id, "--json"], in: workspace.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(originalTrace.standardOutput.utf8)) as? [String: Any])
        let lifecycle = try #require(object["lifecycle"] as? [[String: Any]])
        #expect(lifecycle.map { $0["kind"] as? String } == ["red", "update", "hit", "cancel"])
        #expect(object["hits"] as? [String] == [hitID])
        #expect(object["state"] as? String == "CANCELLED")
    }

    @Test func followUpCommandsExplainThemselves() throws {
        let workspace = try Workspace()
        for command in ["update", "cancel", "withdraw"] {
            let help = try ProcessRunner.run("nex", ["notice", command, "--help"], in: workspace.path)
            #expect(help.status == 0)
            #expect(help.standardOutput.contains("--topic") && help.standardOutput.contains("--reason"), "\(help.standardOutput)")
        }
        let missing = try ProcessRunner.run("nex", ["notice", "cancel", "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b", "--node", "gs.fr.lyon"],
                                            in: workspace.path)
        #expect(missing.status == 64 && missing.standardError.contains("give --reason"), "\(missing.standardError)")
        let other = try ProcessRunner.run("nex", ["notice", "cancel", "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b", "--node", "gs.fr.lyon",
                                                  "--reason", "other"], in: workspace.path)
        #expect(other.status == 64 && other.standardError.contains("--reason other needs --reason-text"), "\(other.standardError)")
        let noTopic = try ProcessRunner.run("nex", ["notice", "cancel", "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b", "--node", "gs.fr.lyon",
                                                    "--reason", "death"], in: workspace.path)
        #expect(noTopic.status == 64 && noTopic.standardError.contains("give --topic"), "\(noTopic.standardError)")
    }
}
