import Foundation
import Testing

/// nexd with `development.createMissingPKI: true` (the shipped config) never undoes a revocation:
/// it does not replace a CA, re-create a lost revocation list, or start with an older list than
/// it has used before.
extension ExecutableTests {
    private func fileContents(_ workspace: Workspace, _ path: String) -> Data? {
        FileManager.default.contents(atPath: workspace.path + "/" + path)
    }

    @Test func nexdRefusesAnOlderRevocationListAfterARestart() throws {
        let workspace = try Workspace()
        let (daemon, _) = try startDaemon(workspace)
        #expect(daemon.errors().contains("created a development PKI: FOR DEVELOPMENT ONLY"), "\(daemon.errors())")
        let first = try #require(fileContents(workspace, "Certs/dev/ca.crl.pem"))
        let revoked = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--reload"], in: workspace.path)
        #expect(revoked.status == 0, "\(revoked.standardError)")
        #expect(daemon.terminate() == 0)
        let log = try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/var/audit").filter { $0.hasPrefix("segment-") }
            .map { try String(contentsOfFile: workspace.path + "/var/audit/" + $0, encoding: .utf8) }.joined()
        #expect(log.contains("revocation list #1 of NoticeExchange Development CA with 0 revoked\""), "the start record names the list nexd started with")

        // The list nexd started with, put back (a restored backup): it would un-revoke gs.fr.lyon.
        try first.write(to: URL(fileURLWithPath: workspace.path + "/Certs/dev/ca.crl.pem"))
        for arguments in [["--check-config"], []] {
            let restarted = try ProcessRunner.run("nexd", arguments, in: workspace.path, timeout: 15)
            #expect(restarted.status == 1, "\(arguments)")
            #expect(restarted.standardError.contains("the revocation list Certs/dev/ca.crl.pem is number 1, older than number 2 that nexd has already used"),
                    "\(restarted.standardError)")
            #expect(restarted.standardError.contains("var/audit/crl-floor"))
        }
    }

    /// Issue 11: a lost list and its record, re-created from number 1 and refreshed up to nexd's
    /// floor, lacks the old revocation; nexd refuses it naming the serial. `nex pki crl --refresh`
    /// refuses to start the new list at all without `--start-new-list`.
    @Test func nexdRefusesAListStartedAnewWithoutTheRevocations() throws {
        let workspace = try Workspace()
        let (daemon, _) = try startDaemon(workspace)
        let revoked = try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon", "--reload"], in: workspace.path)
        #expect(revoked.status == 0, "\(revoked.standardError)")
        #expect(daemon.terminate() == 0)
        let serial = try #require(revoked.standardOutput.split(separator: "serial ").dropFirst().first?.prefix { $0 != ")" })
        for lost in ["ca.crl.pem", "ca.crl.issued"] {
            try FileManager.default.removeItem(atPath: workspace.path + "/Certs/dev/" + lost)
        }
        let refused = try ProcessRunner.run("nex", ["pki", "crl", "--refresh"], in: workspace.path)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("it was lost, and no record of it is left"), "\(refused.standardError)")
        #expect(refused.standardError.contains("--start-new-list"))
        #expect(fileContents(workspace, "Certs/dev/ca.crl.pem") == nil)
        let help = try ProcessRunner.run("nex", ["pki", "crl", "--help"], in: workspace.path)
        #expect(help.standardOutput.contains("--start-new-list"), "\(help.standardOutput)")

        let started = try ProcessRunner.run("nex", ["pki", "crl", "--refresh", "--start-new-list"], in: workspace.path)
        #expect(started.standardOutput.contains("number 1,"), "\(started.standardOutput) \(started.standardError)")
        #expect(try ProcessRunner.run("nex", ["pki", "crl", "--refresh"], in: workspace.path).standardOutput.contains("number 2,"))
        let restarted = try ProcessRunner.run("nexd", ["--check-config"], in: workspace.path, timeout: 15)
        #expect(restarted.status == 1)
        #expect(restarted.standardError.contains("the revocation list Certs/dev/ca.crl.pem (number 2) omits serial \(serial), revoked in list number 2 that nexd has already used"),
                "\(restarted.standardError)")
        #expect(restarted.standardError.contains("var/audit/crl-floor"))
    }

    /// A crl-floor line from before D37 that names no certificate of tls.ca is kept and named in a
    /// warning at start; the CA's own line is written under its key.
    @Test func nexdKeepsAndNamesAnOldFloorLineOfNoTrustedCA() throws {
        let workspace = try Workspace()
        let (first, _) = try startDaemon(workspace)
        #expect(first.terminate() == 0)
        let floor = workspace.path + "/var/audit/crl-floor"
        let stranger = String(repeating: "ab", count: 32)
        try (String(contentsOfFile: floor, encoding: .utf8) + "\(stranger) 9\n").write(toFile: floor, atomically: true, encoding: .utf8)
        let (second, _) = try startDaemon(workspace)
        #expect(second.terminate() == 0)
        #expect(second.errors().contains("crl-floor has lines keyed by a CA certificate fingerprint that no certificate of tls.ca has"), "\(second.errors())")
        #expect(second.errors().contains(stranger))
        let text = try String(contentsOfFile: floor, encoding: .utf8)
        #expect(text.contains("\nspki:") && text.contains("\n\(stranger) 9\n"), "\(text)")
    }

    @Test func nexdDoesNotRecreateALostRevocationList() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        #expect(try ProcessRunner.run("nex", ["pki", "revoke", "gs.fr.lyon"], in: workspace.path).status == 0)
        try FileManager.default.removeItem(atPath: workspace.path + "/Certs/dev/ca.crl.pem")
        for arguments in [["--check-config"], []] {
            let result = try ProcessRunner.run("nexd", arguments, in: workspace.path, timeout: 15)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.standardError.contains("no revocation list at Certs/dev/ca.crl.pem, though the CA Certs/dev/ca.pem exists"),
                    "\(result.standardError)")
            #expect(result.standardError.contains("`nex pki crl --refresh --start-new-list --pki Certs/dev`"))
        }
        #expect(fileContents(workspace, "Certs/dev/ca.crl.pem") == nil)
    }

    @Test func nexdNeverReplacesACA() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let ca = try #require(fileContents(workspace, "Certs/dev/ca.pem"))
        for lost in ["ca.key", "nexd.key"] {
            try FileManager.default.removeItem(atPath: workspace.path + "/Certs/dev/" + lost)
        }
        let result = try ProcessRunner.run("nexd", [], in: workspace.path, timeout: 15)
        #expect(result.status == 1)
        #expect(result.standardError.contains("TLS files missing: Certs/dev/nexd.key"), "\(result.standardError)")
        #expect(result.standardError.contains("a development PKI is created only in an empty directory, and Certs/dev holds "))
        let initAgain = try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path)
        #expect(initAgain.status != 0)
        #expect(initAgain.standardError.contains("Certs/dev/ca.key is missing while Certs/dev/ca.pem exists"), "\(initAgain.standardError)")
        #expect(fileContents(workspace, "Certs/dev/ca.pem") == ca)
        #expect(fileContents(workspace, "Certs/dev/ca.key") == nil)
        #expect(fileContents(workspace, "Certs/dev/nexd.key") == nil)
    }
}
