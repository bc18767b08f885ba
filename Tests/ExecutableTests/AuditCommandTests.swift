import Foundation
import NexAudit
import NexCrypto
import Testing

/// `nex audit …` and the node commands run as a user runs them, on a log written here: hostile peer
/// text stays inert, typos are usage errors that name the near match, and the answers are true.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AuditCommandTests {
    static let redID = "01a224b8-c25a-79cf-86f2-f846e69edac6"
    static let diffusionID = "01a224b8-c2c5-762c-a784-7e66fcb5a7fd"
    /// An hour ago: the log stamps no record earlier than the one before it, and its checkpoints
    /// carry the real time, so the records the filters look for precede the first checkpoint.
    static let start: Int64 = (Int64(Date().timeIntervalSince1970) - 3600) * 1000
    /// The UTC day of ``start`` and a day after the log (`--since` dates).
    static let startDay = String(Timestamp.format(millis: start).prefix(10))
    static let laterDay = String(Timestamp.format(millis: start + 2 * 86_400_000).prefix(10))
    static let escape = "\u{1B}[2K\r\u{1B}]0;owned\u{07}\u{202E}\u{9B}"

    /// A workspace (the default config, so the roster) with a log at `var/audit`: a Red Notice
    /// delivered to and receipted by bcp.ke.busia, a diffusion delivered to nobody, a node that
    /// left the roster, and peer text full of escape sequences. Checkpoints every 3 records.
    static func workspaceWithLog() throws -> ExecutableTests.Workspace {
        let workspace = try ExecutableTests.Workspace()
        let log = try workspace.openAuditLog(startingAt: start, checkpointEvery: 5)

        var hostile = AuditEvent(.connect, timeMillis: start, outcome: .refused)
        hostile.reason = "bad-certificate"; hostile.peer = "127.0.0.1:4000"
        hostile.detail = "hello from nex\(escape)12  2026-11-28T23:59:00.000Z  publish  accepted  fake"
        var subscribe = AuditEvent(.subscribe, timeMillis: start + 1, outcome: .refused)
        subscribe.node = "bcp.ke.busia"; subscribe.reason = "invalid-filter"; subscribe.filter = "x\(escape)"; subscribe.detail = "filter \(escape)"
        var red = AuditEvent(.publish, timeMillis: start + 2, outcome: .accepted)
        red.node = "gs.fr.lyon"; red.country = "fr"; red.messageID = redID; red.topic = "notice.red.rw"; red.noticeKind = "red"
        var redRoute = AuditEvent(.route, timeMillis: start + 3)
        redRoute.node = "gs.fr.lyon"; redRoute.messageID = redID; redRoute.topic = "notice.red.rw"
        redRoute.recipients = [.init(node: "bcp.ke.busia", connection: 5, subscriptions: [1]), .init(node: "bcp.xx.oldpost", connection: 6, subscriptions: [1])]
        redRoute.withheld = []
        var receipt = AuditEvent(.receipt, timeMillis: start + 4)
        receipt.node = "bcp.ke.busia"; receipt.connection = 5; receipt.receivedMessageIDs = [redID]
        var diffusion = AuditEvent(.publish, timeMillis: start + 5, outcome: .accepted)
        diffusion.node = "ncb.rw.kigali"; diffusion.country = "rw"; diffusion.messageID = diffusionID; diffusion.topic = "diffusion.rw"
        diffusion.noticeKind = "diffusion\(escape)"
        var diffusionRoute = AuditEvent(.route, timeMillis: start + 6)
        diffusionRoute.node = "ncb.rw.kigali"; diffusionRoute.messageID = diffusionID; diffusionRoute.topic = "diffusion.rw"
        diffusionRoute.recipients = []
        diffusionRoute.withheld = [.init(node: "ncb.tz.dar-es-salaam", connection: 7, reason: "not-in-allowed\(escape)")]
        diffusionRoute.restrictions = "allow-countries=ke,ug\(escape)"
        for event in [hostile, subscribe, red, redRoute, receipt, diffusion, diffusionRoute] {
            log.append([event])
            log.flush()
        }
        log.close()
        return workspace
    }

    static func nex(_ arguments: [String], in workspace: ExecutableTests.Workspace) throws -> ProcessRunner.Result {
        try ProcessRunner.run("nex", arguments, in: workspace.path)
    }

    /// Raw control characters other than the newline ending each line.
    static func controls(_ text: String) -> [String] {
        text.unicodeScalars.filter { $0 != "\n" && TerminalText.isControl($0) }.map { String($0.value, radix: 16) }
    }

    @Test func everyAuditOutputIsInertThroughTheBinary() throws {
        let workspace = try Self.workspaceWithLog()
        let commands: [[String]] = [
            ["audit", "query"], ["audit", "query", "--csv"], ["audit", "query", "--json"], ["audit", "tail", "-n", "50"],
            ["audit", "tail", "-n", "50", "--format", "csv"], ["audit", "trace", Self.diffusionID], ["audit", "trace", Self.diffusionID, "--json"],
            ["audit", "stats"],
        ]
        for arguments in commands {
            let result = try Self.nex(arguments, in: workspace)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            #expect(Self.controls(result.standardOutput).isEmpty, "\(arguments): \(result.standardOutput.debugDescription)")
            #expect(!result.standardOutput.isEmpty)
        }
        let table = try Self.nex(["audit", "query", "--event", "connect"], in: workspace).standardOutput
        #expect(table.contains(#"hello from nex\u{1B}[2K\u{D}\u{1B}]0;owned\u{7}\u{202E}\u{9B}12"#), "\(table)")
        #expect(table.split(separator: "\n").count == 2)
        // --json prints the stored lines: the same JSON values, with DEL, C1 and bidi as \uXXXX.
        let json = try Self.nex(["audit", "query", "--json", "--event", "connect"], in: workspace).standardOutput
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["detail"] as? String)?.contains(Self.escape) == true)
    }

    @Test(arguments: [
        (["--node", "bcp.ke.bussia"], "--node \"bcp.ke.bussia\" is not a node in the roster (Config/nexd.yaml) nor in the log; did you mean bcp.ke.busia or bcp.ug.busia?"),
        (["--received-by", "bcp.ke.bussia"], "--received-by \"bcp.ke.bussia\" is not a node"),
        (["--kind", "redd"], "--kind \"redd\" is unknown; did you mean red?"),
        (["--event", "recieve"], "--event \"recieve\" is unknown; use one of start, stop,"),
        (["--event", "publsh"], "did you mean publish?"),
        (["--reason", "bad-signatur"], "--reason \"bad-signatur\" is unknown; did you mean bad-signature?"),
        (["--outcome", "refussed"], "did you mean refused?"),
        (["--since", "yesterday"], "--since \"yesterday\" is not a time"),
        (["--node", "bcp.ke.bussia", "--config", "nope.yaml"], "is not a node in the log (the roster in nope.yaml cannot be read); did you mean bcp.ke.busia?"),
    ])
    func unknownFilterValuesAreUsageErrors(arguments: [String], message: String) throws {
        let workspace = try Self.workspaceWithLog()
        for command in ["query", "tail", "stats"] {
            let result = try Self.nex(["audit", command] + arguments, in: workspace)
            #expect(result.status == 64, "\(command) \(arguments): \(result.standardOutput)")
            #expect(result.standardError.contains(message), "\(command): \(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
    }

    @Test func knownValuesRelativeTimesAndNodesOnlyInTheLogAreAccepted() throws {
        let workspace = try Self.workspaceWithLog()
        let cases: [([String], Int)] = [
            (["--node", "bcp.ke.busia"], 3), (["--node", "bcp.xx.oldpost"], 1), (["--kind", "red"], 1),
            (["--since", Self.startDay, "--event", "publish"], 2), (["--since", Self.laterDay, "--event", "publish"], 0), (["--since", "3650d", "--event", "route"], 2),
            (["--until", "30m", "--event", "receipt"], 1), (["--node", "bcp.ke.busia", "--config", "nope.yaml"], 3),
        ]
        for (arguments, atLeast) in cases {
            let result = try Self.nex(["audit", "query", "--json"] + arguments, in: workspace)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            let count = result.standardOutput.split(separator: "\n").count
            #expect(atLeast == 0 ? count == 0 : count >= atLeast, "\(arguments): \(count)")
        }
    }

    @Test func receivedByAnswersWhatABorderPointReceived() throws {
        let workspace = try Self.workspaceWithLog()
        let result = try Self.nex(["audit", "query", "--received-by", "bcp.ke.busia"], in: workspace)
        #expect(result.status == 0, "\(result.standardError)")
        let rows = result.standardOutput.split(separator: "\n").dropFirst()
        #expect(rows.count == 2, "\(result.standardOutput)")
        #expect(rows.first?.contains("route") == true)
        let receipt = try #require(rows.last)
        #expect(receipt.contains("receipt") && receipt.contains(Self.redID) && receipt.contains("notice.red.rw"), "\(receipt)")
        let csv = try Self.nex(["audit", "query", "--received-by", "bcp.ke.busia", "--csv", "--event", "receipt"], in: workspace)
        #expect(csv.standardOutput.contains(",\(Self.redID),notice.red.rw,"), "\(csv.standardOutput)")
    }

    @Test func traceOfAMessageDeliveredToNobodySaysSo() throws {
        let workspace = try Self.workspaceWithLog()
        let result = try Self.nex(["audit", "trace", Self.diffusionID], in: workspace)
        #expect(result.status == 0)
        #expect(!result.standardOutput.contains("every recipient confirmed receipt"))
        #expect(result.standardOutput.contains("no recipients: nobody was delivered this message (withheld from ncb.tz.dar-es-salaam)"),
                "\(result.standardOutput)")
    }

    @Test func consistencyDefaultsNewToTheNewestCheckpoint() throws {
        let workspace = try Self.workspaceWithLog()
        let sizes = try Self.nex(["audit", "query", "--event", "checkpoint", "--json"], in: workspace).standardOutput
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap { $0["size"] as? Int }
        #expect(sizes.count >= 2, "\(sizes)")
        let result = try Self.nex(["audit", "consistency", String(sizes[0])], in: workspace)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(object?["type"] as? String == "consistency")
        #expect(((object?["old"] as? [String: Any])?["size"] as? Int) == sizes[0])
        #expect(((object?["new"] as? [String: Any])?["size"] as? Int) == sizes.last, "\(result.standardOutput)")
    }

    @Test func publishNamesTheMalformedByteAndAnUnknownNode() throws {
        let workspace = try ExecutableTests.Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        try #"{"kind":"red","fictional":true,"#.write(toFile: workspace.path + "/broken.json", atomically: true, encoding: .utf8)
        let broken = try Self.nex(["publish", "broken.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", "127.0.0.1:1"], in: workspace)
        #expect(broken.status == 64)
        #expect(broken.standardError.contains("invalid notice broken.json: document: not valid JSON at byte 31: "), "\(broken.standardError)")
        #expect(!broken.standardError.contains("give --kind"))
        for command in [["publish", "Config/examples/red.json", "--topic", "notice.red.rw"], ["subscribe", "notice.>"]] {
            let result = try Self.nex(command + ["--node", "bcp.ke.bussia", "--server", "127.0.0.1:1"], in: workspace)
            #expect(result.status == 64, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("--node \"bcp.ke.bussia\" is not in the roster (Config/nexd.yaml); did you mean bcp.ke.busia or bcp.ug.busia?"),
                    "\(result.standardError)")
            #expect(!result.standardError.contains(".pem"))
        }
        // No readable roster: the development PKI's certificates are the names to suggest.
        let noRoster = try Self.nex(["publish", "Config/examples/red.json", "--topic", "notice.red.rw", "--node", "bcp.ke.bussia",
                                     "--config", "nope.yaml", "--server", "127.0.0.1:1"], in: workspace)
        #expect(noRoster.status == 64)
        #expect(noRoster.standardError.contains("no certificate for --node \"bcp.ke.bussia\" in Certs/dev/nodes; did you mean bcp.ke.busia or bcp.ug.busia?"),
                "\(noRoster.standardError)")
    }

    /// Help texts state the exit statuses the commands really use; usage errors are 64.
    @Test func helpTextsGiveTheUsageStatusTheCommandsExitWith() throws {
        let workspace = try ExecutableTests.Workspace()
        for command in [["publish"], ["subscribe"], ["audit", "check-proof"], ["audit", "query"], ["pki", "revoke"]] {
            let help = try Self.nex(command + ["--help"], in: workspace).standardOutput
            #expect(!help.contains("2 usage"), "\(command)")
        }
        #expect(try Self.nex(["publish", "--help"], in: workspace).standardOutput.contains("64 usage"))
        let usage = try Self.nex(["publish", "Config/examples/red.json", "--node", "gs.fr.lyon"], in: workspace)
        #expect(usage.status == 64)
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        #expect(readme.contains("| 64 | usage"))
    }

    /// The walk-through's hit names the Red Notice it publishes: the example carries the Red
    /// Notice's placeholder id that scripts/walkthrough.sh (and the README) fill in from the Red
    /// Notice's ACK, and it goes on hit.<owner>.<check-country> (D60).
    @Test func theWalkThroughHitNamesThePublishedRedNotice() throws {
        let hit = try String(contentsOfFile: Self.root + "/Config/examples/hit.json", encoding: .utf8)
        #expect(hit.contains(#""notice_message_id": "0190f1d2-7c3a-7000-8000-00000000a002""#))
        let script = try String(contentsOfFile: Self.root + "/scripts/walkthrough.sh", encoding: .utf8)
        #expect(script.contains("sed \"s/0190f1d2-7c3a-7000-8000-00000000a002/$(awk '{print $3}' red.ack)/\" Config/examples/hit.json > hit.json"))
        #expect(script.contains("nex publish hit.json --node bcp.ke.busia --topic hit.rw.ke"))
        // … observed now: the example's fixed date is older than limits.hitMaxAgeSeconds (D55).
        #expect(script.contains(#"sed "s/\"observed_at\": \"[^\"]*\"/\"observed_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"/" hit.json"#))
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        #expect(readme.contains("--topic hit.rw.ke"))
        #expect(!readme.contains("--topic hit.rw\n") && !readme.contains("--topic hit.rw "))
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
