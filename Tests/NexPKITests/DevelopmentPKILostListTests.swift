import Foundation
import NexCrypto
import Testing
@testable import NexPKI

/// A lost `ca.crl.pem` beside a CA that has published lists is not started anew by `refresh`,
/// `revoke` or `issue` unless asked (`--start-new-list`), and then carries on from `ca.crl.issued`
/// (issue 11, D37).
@Suite struct DevelopmentPKILostListTests {
    /// A development PKI with two nodes, one revoked (list number 2), removed afterwards.
    final class Scratch {
        let pki: DevelopmentPKI
        let revoked: RevokedCertificate

        init() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("nex-lost-\(UUID().uuidString)").path
            pki = DevelopmentPKI(directory: path)
            try pki.create(nodeIDs: ["bcp.rw.rusumo", "gs.fr.lyon"])
            revoked = try pki.revoke(nodeID: "gs.fr.lyon")
        }

        deinit {
            try? FileManager.default.removeItem(atPath: pki.directory)
        }
    }

    @Test func aLostListIsNotStartedAnewUnlessAsked() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        try FileManager.default.removeItem(atPath: pki.crlPath)
        let refused = #expect(throws: PKIError.self) { try pki.refreshCRL() }
        #expect(refused?.message.hasPrefix("no revocation list at \(pki.crlPath), though the CA \(pki.caCertificatePath) has published one: it was lost, and the newest list this CA signed was number 2 with 1 revoked (recorded in \(pki.issuedListPath))") == true,
                "\(String(describing: refused))")
        #expect(refused?.message.contains("pass --start-new-list (`nex pki crl --refresh --start-new-list --pki \(pki.directory)`) to sign number 3 with the 1 recorded revocations") == true)
        #expect(throws: PKIError.self) { try pki.revoke(nodeID: "bcp.rw.rusumo") }
        #expect(throws: PKIError.self) { try pki.revoke(serialNumberHex: "4f1a") }
        #expect(throws: PKIError.self) { try pki.issue(nodeID: "bcp.rw.rusumo") }
        #expect(!FileManager.default.fileExists(atPath: pki.crlPath))

        let restarted = try pki.refreshCRL(startingNewList: true)
        #expect(restarted.crlNumber == 3)
        #expect(restarted.revoked.map(\.serialNumberHex) == [scratch.revoked.serialNumberHex])
        #expect(try pki.loadRevocationList().derBytes == restarted.derBytes)
    }

    @Test func withNoRecordEitherTheNewListStartsEmptyAndOnlyWhenAsked() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        try FileManager.default.removeItem(atPath: pki.crlPath)
        try FileManager.default.removeItem(atPath: pki.issuedListPath)
        let refused = #expect(throws: PKIError.self) { try pki.revoke(nodeID: "bcp.rw.rusumo") }
        #expect(refused?.message.contains("no record of it is left (\(pki.issuedListPath) is gone too), so a new list would start at number 1 with no revocations") == true,
                "\(String(describing: refused))")
        let entry = try pki.revoke(nodeID: "bcp.rw.rusumo", startingNewList: true)
        let list = try pki.loadRevocationList()
        #expect(list.crlNumber == 1)
        #expect(list.revoked.map(\.serialNumberHex) == [entry.serialNumberHex])
    }

    /// A list put back from an older backup is completed from the record, not extended as it is.
    @Test func anOlderListPutBackKeepsTheRecordedRevocations() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let older = try String(contentsOfFile: pki.crlPath, encoding: .utf8)
        let rusumo = try pki.revoke(nodeID: "bcp.rw.rusumo")
        let record = try String(contentsOfFile: pki.issuedListPath, encoding: .utf8)
        #expect(record.contains("number 3\n"), "\(record)")
        #expect(record.contains("revoked \(rusumo.serialNumberHex) "), "\(record)")
        // Number 2 lacks rusumo; revoking rusumo again must write a list with it, numbered after 3.
        try older.write(toFile: pki.crlPath, atomically: true, encoding: .utf8)
        try pki.revoke(serialNumberHex: rusumo.serialNumberHex)
        let list = try pki.loadRevocationList()
        #expect(list.crlNumber == 4)
        #expect(Set(list.revoked.map(\.serialNumberHex)) == [scratch.revoked.serialNumberHex, rusumo.serialNumberHex])
        try older.write(toFile: pki.crlPath, atomically: true, encoding: .utf8)
        let refreshed = try pki.refreshCRL()
        #expect(refreshed.crlNumber == 5)
        #expect(Set(refreshed.revoked.map(\.serialNumberHex)) == [scratch.revoked.serialNumberHex, rusumo.serialNumberHex])
    }
}
