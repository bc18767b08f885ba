import Foundation
import Testing

/// Config/systemd/nexd.service (issue 18 §2): `systemd-analyze verify` accepts it without a word
/// (an unknown or misspelt key is only a warning there, so any output fails the test), with
/// ExecStart pointed at the nexd this build made; its hardening scores as systemd's "OK" exposure;
/// it checks the config before starting, reloads with SIGHUP and may write the audit directory only.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ServiceUnitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// systemd-analyze (`.ci/run` installs systemd; the check is never skipped).
    static func analyzer() throws -> String {
        let path = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(path, "systemd-analyze is missing: install systemd (apt-get install systemd), as .ci/run does")
    }

    @Test func theUnitVerifiesAndIsHardened() throws {
        let analyze = try Self.analyzer()
        let unit = try String(contentsOfFile: Self.root + "/Config/systemd/nexd.service", encoding: .utf8)
        for line in ["ExecStartPre=/usr/local/bin/nexd --config /etc/nexd/nexd.yaml --check-config --log-format json",
                     "ExecReload=/bin/kill -HUP $MAINPID", "RestartPreventExitStatus=78",
                     "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/nexd/audit", "PrivateTmp=yes", "CapabilityBoundingSet="] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "\(line)")
        }
        #expect(unit.split(separator: "\n").filter { $0.hasPrefix("ReadWritePaths=") }.count == 1, "the audit directory is the only writable path")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexd-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checked = directory + "/nexd.service"
        try unit.replacingOccurrences(of: "/usr/local/bin/nexd", with: ProcessRunner.buildDirectory + "/nexd")
            .write(toFile: checked, atomically: true, encoding: .utf8)
        let verify = try ProcessRunner.run(analyze, ["verify", checked], in: directory)
        #expect(verify.status == 0 && verify.standardError.isEmpty && verify.standardOutput.isEmpty,
                "systemd-analyze verify: \(verify.standardOutput)\(verify.standardError)")
        let security = try ProcessRunner.run(analyze, ["--offline=yes", "security", checked], in: directory)
        let exposure = security.standardOutput.components(separatedBy: "Overall exposure level for nexd.service: ").last?
            .split(separator: " ").first.flatMap { Double($0) }
        #expect((exposure ?? 10) <= 2.0, "systemd-analyze security: \(security.standardOutput.suffix(300))")
    }

    @Test func aMisspeltKeyWouldFailTheCheck() throws {
        let analyze = try Self.analyzer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexd-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "[Service]\nExecStart=\(ProcessRunner.buildDirectory)/nexd\nNoNewPrivilegez=yes\n".write(toFile: directory + "/x.service", atomically: true, encoding: .utf8)
        let verify = try ProcessRunner.run(analyze, ["verify", directory + "/x.service"], in: directory)
        #expect(verify.standardError.contains("Unknown key"), "the test above relies on unknown keys being reported: \(verify.standardError)")
    }
}
