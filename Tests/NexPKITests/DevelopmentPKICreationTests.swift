import Foundation
import Testing
@testable import NexPKI

/// What `nex pki init` and nexd's `development.createMissingPKI` may create: never a CA over an
/// existing one, never a revocation list over a lost one, and nexd only in an empty directory.
@Suite struct DevelopmentPKICreationTests {
    private func scratchDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nex-pki-\(UUID().uuidString)").path
    }

    private func contents(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    /// Half a CA left (the other half lost) and a server identity to re-issue: before the fix,
    /// create() made a new CA over the remaining half.
    @Test(arguments: ["ca.key", "ca.pem"])
    func halfACAIsNeverReplaced(lost: String) throws {
        let pki = DevelopmentPKI(directory: scratchDirectory())
        defer { try? FileManager.default.removeItem(atPath: pki.directory) }
        try pki.create(nodeIDs: ["gs.fr.lyon"])
        let kept = lost == "ca.key" ? pki.caCertificatePath : pki.caKeyPath
        let before = try #require(contents(kept))
        try FileManager.default.removeItem(atPath: pki.directory + "/" + lost)
        try FileManager.default.removeItem(atPath: pki.serverKeyPath)
        try FileManager.default.removeItem(atPath: pki.serverCertificatePath)

        let error = #expect(throws: PKIError.self) { try pki.create(nodeIDs: ["gs.fr.lyon", "bcp.rw.rusumo"]) }
        #expect(error?.message.hasPrefix("\(pki.directory)/\(lost) is missing while \(kept) exists") == true, "\(String(describing: error))")
        #expect(contents(kept) == before)
        #expect(!FileManager.default.fileExists(atPath: pki.directory + "/" + lost))
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: pki.serverCertificatePath))
        #expect(!FileManager.default.fileExists(atPath: pki.nodeCertificatePath("bcp.rw.rusumo")))
    }

    /// A lost list is not re-created empty (number 1, nothing revoked): that un-revoked every node.
    @Test func aLostRevocationListIsNotRecreated() throws {
        let pki = DevelopmentPKI(directory: scratchDirectory())
        defer { try? FileManager.default.removeItem(atPath: pki.directory) }
        try pki.create(nodeIDs: ["gs.fr.lyon"])
        try pki.revoke(nodeID: "gs.fr.lyon")
        try FileManager.default.removeItem(atPath: pki.crlPath)

        let error = #expect(throws: PKIError.self) { try pki.create(nodeIDs: ["gs.fr.lyon", "bcp.rw.rusumo"]) }
        #expect(error?.message.hasPrefix("no revocation list at \(pki.crlPath), though the CA \(pki.caCertificatePath) exists") == true)
        #expect(error?.message.contains("`nex pki crl --refresh --start-new-list --pki \(pki.directory)`") == true)
        #expect(!FileManager.default.fileExists(atPath: pki.crlPath))
        #expect(!FileManager.default.fileExists(atPath: pki.nodeCertificatePath("bcp.rw.rusumo")))
    }

    /// What nexd does on its own: absent and empty directories get a PKI, anything else is refused.
    @Test func nexdCreatesOnlyInAnEmptyDirectory() throws {
        let absent = DevelopmentPKI(directory: scratchDirectory())
        defer { try? FileManager.default.removeItem(atPath: absent.directory) }
        #expect(try absent.createInEmptyDirectory(nodeIDs: ["gs.fr.lyon"]).writtenFiles.contains(absent.caCertificatePath))

        let empty = DevelopmentPKI(directory: scratchDirectory())
        defer { try? FileManager.default.removeItem(atPath: empty.directory) }
        try FileManager.default.createDirectory(atPath: empty.directory, withIntermediateDirectories: true)
        #expect(try empty.createInEmptyDirectory(nodeIDs: ["gs.fr.lyon"]).writtenFiles.contains(empty.crlPath))

        // A PKI that lost its server key (and whatever else): nexd does not complete it on its own.
        let used = DevelopmentPKI(directory: scratchDirectory())
        defer { try? FileManager.default.removeItem(atPath: used.directory) }
        try FileManager.default.createDirectory(atPath: used.nodesDirectory, withIntermediateDirectories: true)
        try "stray".write(toFile: used.directory + "/audit.pem", atomically: true, encoding: .utf8)
        let error = #expect(throws: PKIError.self) { try used.createInEmptyDirectory(nodeIDs: ["gs.fr.lyon"]) }
        #expect(error?.message.hasPrefix("a development PKI is created only in an empty directory, and \(used.directory) holds audit.pem, nodes:") == true,
                "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: used.caCertificatePath))
    }
}
