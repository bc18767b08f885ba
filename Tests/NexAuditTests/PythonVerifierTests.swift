import Foundation
import Testing
@testable import NexAudit

/// scripts/verify_audit.py, written from docs/AUDIT.md only, must accept a log the Swift code wrote
/// and reject a tampered copy. Skipped when python3 (with `cryptography`) is not installed.
@Suite struct PythonVerifierTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/verify_audit.py").path
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    private func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [Self.script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: python != nil)) func acceptsTheSwiftLogAndRejectsTamperedCopies() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let pem = fixture.directory + "/../audit-\(UUID().uuidString).pem"
        try fixture.signer.certificate.pemEncoded().write(toFile: pem, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: pem) }
        let (status, output) = try run([fixture.directory, "--audit-cert", pem])
        #expect(status == 0, "\(output)")
        let swift = try AuditVerifier.verify(directory: fixture.directory)
        #expect(output.contains("root \(swift.rootHash.hex)"))

        // A flipped byte in the first route record.
        var lines = try AuditTestSupport.lines(in: fixture.directory)
        let original = lines
        let route = try #require(lines.firstIndex { $0.text.contains("denied-country") })
        lines[route].text = lines[route].text.replacingOccurrences(of: "denied-country", with: "denied-countrx")
        try AuditTestSupport.write(lines, to: fixture.directory)
        let (flipped, flippedOutput) = try run([fixture.directory, "--audit-cert", pem])
        #expect(flipped == 1)
        #expect(flippedOutput.contains("TAMPERED: record \(route + 1) "))

        // A rewritten record with a re-hashed chain: the next checkpoint's root no longer matches.
        try AuditTestSupport.writeRechained(lines, to: fixture.directory)
        let (rehashed, rehashedOutput) = try run([fixture.directory, "--audit-cert", pem])
        #expect(rehashed == 1)
        #expect(rehashedOutput.contains("checkpoint root does not match"))

        // A truncation at a record boundary: caught through checkpoint.json.
        try AuditTestSupport.write(Array(original.dropLast(2)), to: fixture.directory)
        let (truncated, truncatedOutput) = try run([fixture.directory, "--audit-cert", pem])
        #expect(truncated == 1)
        #expect(truncatedOutput.contains("witness checkpoint.json"))
    }
}
