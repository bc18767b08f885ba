import Foundation
import Testing

/// The executables as a user runs them: --help and --version, config errors, the development PKI,
/// a signal stopping nexd, the README walk-through (publish, subscribe, verify), a short crash test and
/// the tamper corpus through both audit verifiers (TamperCorpusTests.swift).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ExecutableTests {
    /// A scratch working directory holding a copy of the default config on an ephemeral port.
    final class Workspace {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("nex-exe-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path + "/Config", withIntermediateDirectories: true)
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            var config = try String(contentsOf: root.appendingPathComponent("Config/nexd.yaml"), encoding: .utf8)
            config = config.replacingOccurrences(of: "  port: 7247 ", with: "  port: 0    ")
                .replacingOccurrences(of: "  port: 9247 ", with: "  port: 0    ")
                .replacingOccurrences(of: "checkpointEveryRecords: 1000", with: "checkpointEveryRecords: 5   ")
            try config.write(toFile: path + "/Config/nexd.yaml", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: root.appendingPathComponent("Config/examples").path, toPath: path + "/Config/examples")
            try FileManager.default.copyItem(atPath: root.appendingPathComponent("Config/roster.yaml").path, toPath: path + "/Config/roster.yaml")
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test(arguments: [
        ("nexd", ["--help"]), ("nex", ["--help"]), ("nex", ["publish", "--help"]), ("nex", ["subscribe", "--help"]),
        ("nex", ["pki", "init", "--help"]), ("nex", ["audit", "verify", "--help"]), ("nex", ["notice", "new", "--help"]), ("nex", ["biometrics", "sweep", "--help"]),
        ("nex", ["notice", "check", "--help"]), ("nex", ["notice", "kinds", "--help"]),
        ("nex", ["pki", "revoke", "--help"]), ("nex", ["pki", "issue", "--help"]), ("nex", ["pki", "list", "--help"]),
        ("nex", ["pki", "crl", "--help"]),
    ])
    func everyCommandHasHelp(tool: String, arguments: [String]) throws {
        let workspace = try Workspace()
        let result = try ProcessRunner.run(tool, arguments, in: workspace.path)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE:"))
    }

    @Test func versionIsPrinted() throws {
        let workspace = try Workspace()
        let result = try ProcessRunner.run("nexd", ["--version"], in: workspace.path)
        #expect(result.status == 0)
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func aBadConfigIsRefusedNamingFileKeyAndLine() throws {
        let workspace = try Workspace()
        try "limits:\n  replayWindowSeconds: 0\nroster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\n"
            .write(toFile: workspace.path + "/bad.yaml", atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("nexd", ["--check-config", "--config", "bad.yaml"], in: workspace.path)
        #expect(result.status == 78)
        #expect(result.standardError.contains("bad.yaml:2: limits.replayWindowSeconds: 0 is out of range"))
        let missing = try ProcessRunner.run("nexd", ["--config", "nope.yaml"], in: workspace.path)
        #expect(missing.status == 78)
        #expect(missing.standardError.contains("nope.yaml"))
    }

    @Test func checkConfigAcceptsTheDefault() throws {
        let workspace = try Workspace()
        let result = try ProcessRunner.run("nexd", ["--check-config"], in: workspace.path)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("Config/nexd.yaml: OK"))
    }

    @Test func pkiInitWritesPrivateKeysAndKeepsExistingFiles() throws {
        let workspace = try Workspace()
        let first = try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path)
        #expect(first.status == 0)
        let key = workspace.path + "/Certs/dev/nodes/bcp.rw.rusumo.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/Certs/dev/audit.pem"))
        let before = try Data(contentsOf: URL(fileURLWithPath: key))
        let second = try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path)
        #expect(second.status == 0)
        #expect(second.standardOutput.contains("0 node certificates issued"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("0 files written"), "\(second.standardOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == before)
    }

    @Test func pkiRevokeListsTheNodeAsRevokedAndReloadWithoutNexdFails() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let revoked = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon"], in: workspace.path)
        #expect(revoked.status == 0, "\(revoked.standardError)")
        #expect(revoked.standardOutput.hasPrefix("revoked gs.fr.lyon (serial "))
        #expect(revoked.standardOutput.contains("number 2, 1 revoked"))
        let listed = try ProcessRunner.run("nex", ["pki", "list"], in: workspace.path)
        #expect(listed.status == 0)
        let row = listed.standardOutput.split(separator: "\n").first { $0.contains(" gs.fr.lyon ") }
        #expect(row?.hasSuffix("revoked") == true, "\(listed.standardOutput)")
        #expect(listed.standardOutput.split(separator: "\n").filter { $0.hasSuffix("revoked") }.count == 1)

        // --reload with no nexd running: the list is still written, the exit status says nothing was signalled.
        let reload = try ProcessRunner.run("nex", ["pki", "revoke", "bcp.rw.rusumo", "--reload"], in: workspace.path)
        #expect(reload.status == 3)
        #expect(reload.standardOutput.contains("number 3, 2 revoked"))
        #expect(reload.standardError.contains("no nexd is running"))
        let again = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon"], in: workspace.path)
        #expect(again.status != 0)
        #expect(again.standardError.contains("already revoked"))
    }

    @Test func pkiRevokeReloadSignalsTheRunningNexd() throws {
        let workspace = try Workspace()
        let (daemon, _) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let pid = daemon.process.processIdentifier
        let result = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--reload"], in: workspace.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("asked nexd (pid \(pid)) to reload"))
        #expect(result.standardOutput.contains("nexd reloaded: generation 2 from "), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("with 1 revoked"), "\(result.standardOutput)")
        // nexd survived the signal and audited the reload as accepted.
        #expect(daemon.process.isRunning, "\(daemon.errors())")
        let reloads = try auditRecords(workspace).filter { $0["event"] as? String == "reload" }
        #expect(reloads.count == 1)
        #expect(reloads.first?["outcome"] as? String == "accepted", "\(reloads)")

        // A reload nexd refuses (its key is now unreadable): the list is written, the exit status says so.
        try "garbage\n".write(toFile: workspace.path + "/Certs/dev/nexd.key", atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.run("nex", ["pki", "crl", "--refresh", "--reload"], in: workspace.path)
        #expect(refused.status == 4, "\(refused.standardOutput)\n\(refused.standardError)")
        #expect(refused.standardOutput.contains("re-signed "))
        #expect(refused.standardError.contains("nexd (pid \(pid)) refused the reload (invalid-config): cannot load the server key"),
                "\(refused.standardError)")
        #expect(daemon.process.isRunning)
        let outcomes = try auditRecords(workspace).filter { $0["event"] as? String == "reload" }.map { $0["outcome"] as? String }
        #expect(outcomes == ["accepted", "refused"])
    }

    @Test func pkiReloadRefusesBeforeWritingWhenTheChangeCannotReachNexd() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let crl = workspace.path + "/Certs/dev/ca.crl.pem"
        let before = try Data(contentsOf: URL(fileURLWithPath: crl))
        let config = try String(contentsOfFile: workspace.path + "/Config/nexd.yaml", encoding: .utf8)
        try config.replacingOccurrences(of: "crl: Certs/dev/ca.crl.pem", with: "crl: Certs/other/ca.crl.pem")
            .write(toFile: workspace.path + "/other.yaml", atomically: true, encoding: .utf8)
        try config.replacingOccurrences(of: #"\n  crl: Certs/dev/ca\.crl\.pem[^\n]*"#, with: "", options: .regularExpression)
            .write(toFile: workspace.path + "/unset.yaml", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["pki", "revoke", "gs.fr.lyon", "--reload", "--config", "nope.yaml"], "cannot load --config nope.yaml"),
            (["pki", "revoke", "gs.fr.lyon", "--reload", "--config", "other.yaml"], "other.yaml has tls.crl Certs/other/ca.crl.pem"),
            (["pki", "crl", "--refresh", "--reload", "--config", "unset.yaml"], "unset.yaml sets no tls.crl"),
        ]
        for (arguments, message) in cases {
            let result = try ProcessRunner.run("nex", arguments, in: workspace.path)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.standardError.contains(message), "\(result.standardError)")
            #expect(result.standardError.contains("nothing was written"))
            #expect(result.standardOutput.isEmpty)
        }
        #expect(try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--reload", "--config", "other.yaml"], in: workspace.path)
            .standardError.contains("not the list being written, Certs/dev/ca.crl.pem"))
        // A lock file that exists but cannot be read is not "no nexd".
        try FileManager.default.createDirectory(atPath: workspace.path + "/var/audit/nexd.lock", withIntermediateDirectories: true)
        let unreadable = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--reload"], in: workspace.path)
        #expect(unreadable.status == 2)
        #expect(unreadable.standardError.contains("cannot read var/audit/nexd.lock: Is a directory"), "\(unreadable.standardError)")
        #expect(!unreadable.standardError.contains("no nexd is running"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: crl)) == before)
    }

    @Test func pkiIssueRotatesAValidCertificateAndRevokeBySerialReachesTheOldOne() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let rotated = try ProcessRunner.run("nex", ["pki", "issue", "gs.fr.lyon"], in: workspace.path)
        #expect(rotated.status == 0, "\(rotated.standardError)")
        #expect(rotated.standardOutput.hasPrefix("key rotation: revoked the previous certificate of gs.fr.lyon (serial "))
        let listed = try ProcessRunner.run("nex", ["pki", "crl"], in: workspace.path)
        #expect(listed.standardOutput.contains("revoked:     1"))
        let serial = "0A:BC:DE"
        let bySerial = try ProcessRunner.run("nex", ["pki", "revoke", "--serial", serial], in: workspace.path)
        #expect(bySerial.status == 0, "\(bySerial.standardError)")
        #expect(bySerial.standardOutput.hasPrefix("revoked serial 0abcde (no certificate file here has it)"))
        #expect(bySerial.standardOutput.contains("number 3, 2 revoked"))
        let both = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--serial", "01"], in: workspace.path)
        #expect(both.status != 0)
        #expect(both.standardError.contains("either a node id or --serial"))
    }

    /// The audit records of `workspace`'s log, every segment, in order.
    private func auditRecords(_ workspace: Workspace) throws -> [[String: Any]] {
        let directory = workspace.path + "/var/audit"
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted()
        return try segments.flatMap { segment in
            try String(contentsOfFile: directory + "/" + segment, encoding: .utf8).split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// Starts nexd in `workspace` and returns it with its port (read from its log).
    func startDaemon(_ workspace: Workspace) throws -> (ProcessRunner.Running, String) {
        let daemon = try ProcessRunner.start("nexd", [], in: workspace.path)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let range = daemon.errors().range(of: #"listen\.addr=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = daemon.errors()[range].split(separator: ":").last.map(String.init) ?? ""
                return (daemon, "127.0.0.1:\(port)")
            }
            if !daemon.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("nexd did not start: \(daemon.errors())")
        _ = daemon.terminate()
        throw CancellationError()
    }

    @Test func theWalkThroughWorksAndSIGTERMStopsCleanly() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        #expect(daemon.errors().contains("created a development PKI"))

        let subscriber = try ProcessRunner.start(
            "nex", ["subscribe", "notice.>", "--node", "bcp.rw.rusumo", "--server", server, "--count", "1", "--json", "--timeout", "20"],
            in: workspace.path)
        // Publish until the subscription is in place (the subscriber connects concurrently).
        var published = ProcessRunner.Result(status: -1, standardOutput: "", standardError: "")
        let deadline = Date().addingTimeInterval(20)
        while subscriber.process.isRunning, Date() < deadline {
            published = try ProcessRunner.run(
                "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server],
                in: workspace.path)
            #expect(published.status == 0, "\(published.standardError)")
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(published.standardOutput.hasPrefix("accepted: msg "))
        #expect(subscriber.terminate() == 0)
        let line = try #require(subscriber.output().split(separator: "\n").first)
        let delivery = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(delivery["origin"] as? String == "gs.fr.lyon")
        #expect(delivery["signature"] as? String == "verified")
        #expect(delivery["kind"] as? String == "red")

        let refused = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.*.fr", "--server", server],
            in: workspace.path)
        #expect(refused.status == 1)
        #expect(refused.standardOutput.hasPrefix("refused: invalid-topic"))

        // A node that keeps a witness: it gets the latest checkpoint in its welcome, then leaves.
        let witnessed = try ProcessRunner.run(
            "nex", ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--server", server, "--timeout", "1", "--witness", "busia-witness.json"],
            in: workspace.path)
        #expect(witnessed.status == 4, "\(witnessed.standardError)")
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/busia-witness.json"))

        #expect(daemon.terminate() == 0)
        #expect(daemon.errors().contains("nexd stopped"))
        let verify = try ProcessRunner.run("nex", ["audit", "verify", "--witness", "busia-witness.json"], in: workspace.path)
        #expect(verify.status == 0, "\(verify.standardOutput)")
        #expect(verify.standardOutput.contains("busia-witness.json"))
        #expect(verify.standardOutput.contains("\nINTACT: every record"))
        #expect(verify.standardOutput.hasPrefix("anchor CA "))
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/var/audit").first { $0.hasPrefix("segment-") })
        let text = try String(contentsOfFile: workspace.path + "/var/audit/" + segment, encoding: .utf8)
        #expect(text.contains(#""event":"stop""#))

        // Flip one byte: verify fails, naming the record.
        var bytes = [UInt8](text.utf8)
        let secondLine = try #require(bytes.firstIndex(of: UInt8(ascii: "\n"))) + 1
        bytes[secondLine + 20] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: workspace.path + "/var/audit/" + segment))
        let tampered = try ProcessRunner.run("nex", ["audit", "verify"], in: workspace.path)
        #expect(tampered.status == 1)
        #expect(tampered.standardOutput.contains("\nTAMPERED: record 2 "))
    }

    @Test func noticeTemplatesAreValidAndChecksNameTheField() throws {
        let workspace = try Workspace()
        let made = try ProcessRunner.run("nex", ["notice", "new", "silver", "--output", "silver.json"], in: workspace.path)
        #expect(made.status == 0)
        let valid = try ProcessRunner.run("nex", ["notice", "check", "silver.json"], in: workspace.path)
        #expect(valid.status == 0)
        #expect(valid.standardOutput.hasPrefix("valid silver notice"))
        try #"{"kind":"black","body":{"sex":"X"}}"#.write(toFile: workspace.path + "/black.json", atomically: true, encoding: .utf8)
        let invalid = try ProcessRunner.run("nex", ["notice", "check", "black.json"], in: workspace.path)
        #expect(invalid.status == 1)
        #expect(invalid.standardOutput.contains("field \"body.sex\""))
        let unknown = try ProcessRunner.run("nex", ["notice", "new", "mauve"], in: workspace.path)
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("unknown kind \"mauve\""))
    }

    /// nexd warns about a revocation list that expires within `tls.crlWarnDays` (default 7).
    @Test func nexdWarnsWhenTheRevocationListExpiresSoon() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let refresh = try ProcessRunner.run("nex", ["pki", "crl", "--refresh", "--days", "2"], in: workspace.path)
        #expect(refresh.status == 0, "\(refresh.standardError)")
        let (daemon, _) = try startDaemon(workspace)
        #expect(daemon.errors().contains("the revocation list expires soon"), "\(daemon.errors())")
        #expect(daemon.terminate() == 0)
    }

    @Test func aSecondDaemonOnTheSameAuditDirectoryIsRefused() throws {
        let workspace = try Workspace()
        let (first, _) = try startDaemon(workspace)
        let second = try ProcessRunner.run("nexd", [], in: workspace.path)
        #expect(second.status == 1)
        #expect(second.standardError.contains("another nexd"), "\(second.standardError)")
        #expect(first.process.isRunning)
        #expect(first.terminate() == 0)
    }

    /// The crash test, short: three SIGKILLs under load, each with publishes and inbox deliveries
    /// in flight, then every ACK must be in the log once and in both durable border posts' inboxes.
    /// `scripts/crash-test.sh` runs the full one (20 kills, 20,000 notices) in release.
    @Test func crashTestFindsEveryACKedPublishOnceAfterThreeKills() throws {
        let workspace = try Workspace()
        let result = try ProcessRunner.run(
            "CrashTest", ["--kills", "3", "--messages", "600", "--timeout", "50"], in: workspace.path, timeout: 60)
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError)")
        let output = result.standardOutput
        #expect(output.contains("crash test: PASS — 3 kills, 600 messages, 600 found once, 0 duplicates, 0 missing, 0 lost; "
            + "2 inboxes, 0 ACKed notices lost from inboxes"), "\(output)")
        #expect(output.range(of: #"with publishes awaiting an answer\s+3 of 3"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.range(of: #"with inbox deliveries unreceipted\s+3 of 3"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.range(of: #"inbox bcp\.ke\.post-1\s+\d+ deliveries, 600 distinct"#, options: .regularExpression) != nil, "\(output)")
    }

    /// The same with batch-signed notices (D73): re-sends after each kill are single notices of a
    /// batch and get their original ACK; every ACKed one is in the log once, and the log verifies.
    @Test func crashTestWithBatchSignedNotices() throws {
        let workspace = try Workspace()
        let result = try ProcessRunner.run(
            "CrashTest", ["--kills", "3", "--messages", "600", "--batch", "16", "--timeout", "50"], in: workspace.path, timeout: 60)
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("crash test: PASS — 3 kills, 600 messages, 600 found once, 0 duplicates, 0 missing, 0 lost"),
                "\(result.standardOutput)")
    }

    /// The inbox checks can fail: a nexd restarted with room for one notice per node's inboxes
    /// drops what its border posts had not receipted, and the run says so (after --timeout: the
    /// subscribers wait for the dropped notices).
    @Test func crashTestFailsWhenARestartedNexdDropsInboxEntries() throws {
        let result = try runCrashTest(messages: 400, restartedConfigEdit: "s#inboxMessagesPerNode: [0-9]*#inboxMessagesPerNode: 1#")
        #expect(result.status == 1, "\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("crash test: FAIL"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("expired"), "\(result.standardOutput)")
    }

    /// The crash test can fail: a nexd that starts every restart on an empty audit directory
    /// (forgetting what it ACKed) is caught — re-sent ACKed messages accepted anew, ACKs missing
    /// from the log. (Its inbox subscribers may wait for ACKed notices that never come: hence the
    /// short --timeout.)
    @Test func crashTestFailsAgainstANexdThatForgetsItsLog() throws {
        let result = try runCrashTest(messages: 200, restartedConfigEdit: #"s#^\(  directory: .*\)#\1-$n#"#)
        #expect(result.status == 1, "\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("crash test: FAIL"), "\(result.standardOutput)")
        let output = result.standardOutput
        #expect(output.contains("as a new acceptance") || output.range(of: #"FAILED: \d+ missing"#, options: .regularExpression) != nil,
                "\(output)")
        #expect(!output.contains("did not start"), "\(output)")
    }

    @Test func publishToAnAbsentServerFailsClearly() throws {
        let workspace = try Workspace()
        _ = try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path)
        let result = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", "127.0.0.1:1"],
            in: workspace.path)
        #expect(result.status == 3)
        #expect(result.standardError.contains("cannot connect to 127.0.0.1:1"))
    }

    /// Runs the crash test for one kill against a nexd whose restarts (not its first start) get
    /// their config through `sed "restartedConfigEdit"` (`$n`: the start's number), with a short
    /// --timeout (inbox subscribers may wait for notices that never come); removes what it kept.
    private func runCrashTest(messages: Int, restartedConfigEdit: String) throws -> ProcessRunner.Result {
        let workspace = try Workspace()
        let wrapper = workspace.path + "/altered-nexd"
        try """
            #!/usr/bin/env bash
            set -e
            starts="$(dirname "$0")/starts"
            n=$(( $(cat "$starts" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$starts"
            config=$2
            if [ "$n" -gt 1 ]; then sed "\(restartedConfigEdit)" "$config" > "$config.$n"; config="$config.$n"; fi
            exec "\(ProcessRunner.buildDirectory)/nexd" --config "$config" "${@:3}"

            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        let result = try ProcessRunner.run(
            "CrashTest", ["--kills", "1", "--messages", "\(messages)", "--nexd", wrapper, "--timeout", "20"], in: workspace.path, timeout: 60)
        if let range = result.standardError.range(of: #"kept (\S+)"#, options: .regularExpression) {
            try? FileManager.default.removeItem(atPath: String(result.standardError[range].dropFirst(5)))
        }
        return result
    }
}
