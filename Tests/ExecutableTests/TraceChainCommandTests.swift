import Foundation
import Testing

/// `nex audit trace` from a request and from a notice that names it (D60): request → decision →
/// notice, through the binaries, with the examples as a user publishes them.
extension ExecutableTests {
    @Test func theTraceLinksARequestItsDecisionAndTheNotice() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        func publish(_ file: String, _ node: String, _ topic: String) throws -> String {
            let result = try ProcessRunner.run("nex", ["publish", file, "--node", node, "--topic", topic, "--server", server], in: workspace.path)
            return try #require(result.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) },
                                "\(result.standardOutput)\(result.standardError)")
        }
        let request = try publish("Config/examples/request-red.json", "ncb.rw.kigali", "request.red.rw")
        let red = try String(contentsOfFile: workspace.path + "/Config/examples/red.json", encoding: .utf8)
            .replacingOccurrences(of: #""requested_by": "ncb.rw.kigali","#, with: #""requested_by": "ncb.rw.kigali", "request": "\#(request)","#)
        try red.write(toFile: workspace.path + "/red.json", atomically: true, encoding: .utf8)
        let notice = try publish("red.json", "gs.fr.lyon", "notice.red.rw")
        let decision = try String(contentsOfFile: workspace.path + "/Config/examples/decision.json", encoding: .utf8)
            .replacingOccurrences(of: "0190f1d2-7c3a-7000-8000-00000000a001", with: request)
            .replacingOccurrences(of: "0190f1d2-7c3a-7000-8000-00000000a002", with: notice)
        try decision.write(toFile: workspace.path + "/decision.json", atomically: true, encoding: .utf8)
        let decisionID = try publish("decision.json", "gs.fr.lyon", "decision.rw")
        // A second decision on the same request is refused, with its reason, exit 1.
        let second = try ProcessRunner.run("nex", ["publish", "decision.json", "--node", "gs.fr.lyon", "--topic", "decision.rw", "--server", server],
                                           in: workspace.path)
        #expect(second.status == 1 && second.standardOutput.contains("was already decided by \(decisionID)"), "\(second.standardOutput)")

        let trace = try ProcessRunner.run("nex", ["audit", "trace", notice], in: workspace.path)
        #expect(trace.status == 0, "\(trace.standardError)")
        let text = trace.standardOutput
        let requestLine = try #require(text.range(of: "REQUEST \(request) by ncb.rw.kigali on request.red.rw"), "\(text)")
        let decisionLine = try #require(text.range(of: "DECISION accepted on request \(request) (notice \(notice)) by gs.fr.lyon on decision.rw"), "\(text)")
        let noticeLine = try #require(text.range(of: "red published by gs.fr.lyon on notice.red.rw (version 1)"), "\(text)")
        #expect(requestLine.lowerBound < decisionLine.lowerBound && decisionLine.lowerBound < noticeLine.lowerBound)
        // Traced from the decision, the chain is the notice's; traced from the request, the decision follows it.
        let fromDecision = try ProcessRunner.run("nex", ["audit", "trace", decisionID], in: workspace.path)
        #expect(fromDecision.standardOutput.contains("lifecycle of \(notice)"), "\(fromDecision.standardOutput)")
        let fromRequest = try ProcessRunner.run("nex", ["audit", "trace", request, "--json"], in: workspace.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(fromRequest.standardOutput.utf8)) as? [String: Any])
        let lifecycle = try #require(object["lifecycle"] as? [[String: Any]])
        #expect(lifecycle.compactMap { $0["kind"] as? String } == ["red", "decision"], "\(lifecycle)")
    }
}

extension ExecutableTests {
    /// A lost or stolen document record's trace lists the hits that matched it by number (D62).
    @Test func theTraceOfAStolenPassportListsTheHitsOnItsNumber() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let record = try ProcessRunner.run("nex", ["publish", "Config/examples/sltd.json", "--node", "ncb.ug.kampala", "--topic", "sltd.ug",
                                                   "--server", server], in: workspace.path)
        let id = try #require(record.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) }, "\(record.standardOutput)\(record.standardError)")
        let hit = try String(contentsOfFile: workspace.path + "/Config/examples/hit-document.json", encoding: .utf8)
            .replacingOccurrences(of: "2026-04-19T11:05:00Z", with: ISO8601DateFormatter().string(from: Date()))
        try hit.write(toFile: workspace.path + "/hit.json", atomically: true, encoding: .utf8)
        let published = try ProcessRunner.run("nex", ["publish", "hit.json", "--node", "bcp.ke.malaba", "--topic", "hit.ug.ke", "--server", server],
                                              in: workspace.path)
        #expect(published.status == 0, "\(published.standardOutput)\(published.standardError)")
        let trace = try ProcessRunner.run("nex", ["audit", "trace", id], in: workspace.path)
        #expect(trace.standardOutput.contains("HIT at bcp.ke.malaba on hit.ug.ke: refused-entry"), "\(trace.standardOutput)")
        #expect(trace.standardOutput.contains("now: active (version 1); 1 hit"), "\(trace.standardOutput)")
    }
}

extension ExecutableTests {
    /// A notice's trace lists the answers to the hits on it (D63).
    @Test func theTraceOfANoticeListsTheAnswersToItsHits() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        func publish(_ file: String, _ node: String, _ topic: String, _ extra: [String] = []) throws -> String {
            let result = try ProcessRunner.run("nex", ["publish", file, "--node", node, "--topic", topic, "--server", server] + extra, in: workspace.path)
            return try #require(result.standardOutput.firstMatch(of: /msg ([0-9a-f-]{36})/).map { String($0.1) },
                                "\(result.standardOutput)\(result.standardError)")
        }
        let notice = try publish("Config/examples/red.json", "gs.fr.lyon", "notice.red.rw")
        let hit = try String(contentsOfFile: workspace.path + "/Config/examples/hit.json", encoding: .utf8)
            .replacingOccurrences(of: "0190f1d2-7c3a-7000-8000-00000000a002", with: notice)
            .replacingOccurrences(of: "2026-04-18T06:42:10Z", with: ISO8601DateFormatter().string(from: Date()))
        try hit.write(toFile: workspace.path + "/hit.json", atomically: true, encoding: .utf8)
        let hitID = try publish("hit.json", "bcp.ke.busia", "hit.rw.ke")
        let action = try String(contentsOfFile: workspace.path + "/Config/examples/action-request.json", encoding: .utf8)
            .replacingOccurrences(of: "0190f1d2-7c3a-7000-8000-00000000a003", with: hitID)
        try action.write(toFile: workspace.path + "/action.json", atomically: true, encoding: .utf8)
        _ = try publish("action.json", "ncb.rw.kigali", "reply.ke", ["--allow-node", "bcp.ke.busia"])
        let trace = try ProcessRunner.run("nex", ["audit", "trace", notice], in: workspace.path)
        #expect(trace.standardOutput.contains("ACTION REQUESTED on hit \(hitID): detain by ncb.rw.kigali on reply.ke"), "\(trace.standardOutput)")
    }
}
