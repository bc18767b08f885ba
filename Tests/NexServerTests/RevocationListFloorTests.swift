import Foundation
import NexCrypto
import NexPKI
import Testing
@testable import NexServer

/// The highest CRL number nexd has used, and the serials that list revoked, per CA key, in
/// `<audit dir>/crl-floor` (D31, D37).
@Suite struct RevocationListFloorTests {
    /// A development PKI and an audit directory in one temporary directory, removed afterwards.
    final class Scratch {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-floor-\(UUID().uuidString)").path
        let pki: DevelopmentPKI
        let floor: RevocationListFloor

        init() throws {
            pki = DevelopmentPKI(directory: root + "/pki")
            try pki.create(nodeIDs: ["gs.fr.lyon"])
            try FileManager.default.createDirectory(atPath: root + "/audit", withIntermediateDirectories: true)
            floor = RevocationListFloor(auditDirectory: root + "/audit")
        }

        deinit {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    @Test func anOlderListIsRefusedOnceANewerOneWasUsed() throws {
        let scratch = try Scratch()
        let (pki, floor) = (scratch.pki, scratch.floor)
        let ca = try pki.loadCACertificate()
        let first = try pki.loadRevocationList()
        try floor.check(first, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
        #expect(try floor.raise(to: first, of: ca))
        try pki.revoke(nodeID: "gs.fr.lyon")
        let second = try pki.loadRevocationList()
        #expect(try floor.raise(to: second, of: ca))
        #expect(try !floor.raise(to: first, of: ca))
        let serial = try pki.loadNodeCertificate("gs.fr.lyon").serialNumberHex
        #expect(try floor.entries() == [.of(ca): .init(number: 2, revoked: [serial])])

        let error = #expect(throws: DaemonError.self) {
            try floor.check(first, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
        }
        #expect(error?.message.hasPrefix("the revocation list \(pki.crlPath) is number 1, older than number 2 that nexd has already used (nexd.yaml: tls.crl; recorded in \(floor.path))") == true,
                "\(String(describing: error))")
        try floor.check(second, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
        let mode = (try FileManager.default.attributesOfItem(atPath: floor.path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
    }

    /// CRL numbers rise per CA: another CA's number 1 is not held against this one.
    @Test func eachCAHasItsOwnFloor() throws {
        let scratch = try Scratch()
        let other = try Scratch()
        let ca = try scratch.pki.loadCACertificate()
        let otherCA = try other.pki.loadCACertificate()
        try scratch.pki.refreshCRL()
        try scratch.floor.raise(to: try scratch.pki.loadRevocationList(), of: ca)
        let otherList = try other.pki.loadRevocationList()
        try scratch.floor.check(otherList, of: otherCA, listPath: other.pki.crlPath, configPath: "nexd.yaml")
        try scratch.floor.raise(to: otherList, of: otherCA)
        #expect(try scratch.floor.entries() == [.of(ca): .init(number: 2, revoked: []), .of(otherCA): .init(number: 1, revoked: [])])
    }

    @Test func anUnreadableFileIsAnErrorNotAnEmptyFloor() throws {
        let scratch = try Scratch()
        try "# comment\nnot a line\n".write(toFile: scratch.floor.path, atomically: true, encoding: .utf8)
        let error = #expect(throws: DaemonError.self) { try scratch.floor.entries() }
        #expect(error?.message.hasPrefix("\(scratch.floor.path):2 is not `spki:<CA key SHA-256> <CRL number> [<revoked serial> ...]`") == true,
                "\(String(describing: error))")
        for bad in ["spki:abcd 3", "spki:\(String(repeating: "ab", count: 32)) three", "spki:\(String(repeating: "ab", count: 32)) 3 zz"] {
            try "# comment\n\n\(bad)\n".write(toFile: scratch.floor.path, atomically: true, encoding: .utf8)
            let error = #expect(throws: DaemonError.self, "\(bad)") { try scratch.floor.entries() }
            #expect(error?.message.hasPrefix("\(scratch.floor.path):3 is not") == true)
        }
    }

    /// Issue 11: a lost list re-created from number 1 without the old revocations is refused once
    /// its number reaches the floor, because it omits a serial the recorded list revoked.
    @Test func aListStartedAnewWithoutTheRevocationsIsRefused() throws {
        let scratch = try Scratch()
        let (pki, floor) = (scratch.pki, scratch.floor)
        let ca = try pki.loadCACertificate()
        let revoked = try pki.revoke(nodeID: "gs.fr.lyon")
        try floor.raise(to: try pki.loadRevocationList(), of: ca)
        try FileManager.default.removeItem(atPath: pki.crlPath)
        try FileManager.default.removeItem(atPath: pki.issuedListPath)
        let restarted = try pki.refreshCRL(startingNewList: true)
        #expect(restarted.crlNumber == 1 && restarted.revoked.isEmpty)
        let caughtUp = try pki.refreshCRL()
        #expect(caughtUp.crlNumber == 2)
        let error = #expect(throws: DaemonError.self) {
            try floor.check(caughtUp, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
        }
        #expect(error?.message.hasPrefix("the revocation list \(pki.crlPath) (number 2) omits serial \(revoked.serialNumberHex), revoked in list number 2 that nexd has already used (nexd.yaml: tls.crl; recorded in \(floor.path))") == true,
                "\(String(describing: error))")
        #expect(try !floor.raise(to: try pki.loadRevocationList(), of: ca), "nothing new: the recorded serial stays")
        // Revoked again, the new list is accepted.
        try pki.revoke(serialNumberHex: revoked.serialNumberHex)
        try floor.check(try pki.loadRevocationList(), of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
    }

    /// Issue 11: the floor is the CA key's, so a CA certificate renewed with the same key keeps it.
    @Test func aRenewedCACertificateKeepsTheFloor() throws {
        let scratch = try Scratch()
        let (pki, floor) = (scratch.pki, scratch.floor)
        let ca = try pki.loadCACertificate()
        let first = try pki.loadRevocationList()
        try pki.revoke(nodeID: "gs.fr.lyon")
        try floor.raise(to: try pki.loadRevocationList(), of: ca)
        let renewed = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "NoticeExchange Development CA", organization: "renewed",
                               notValidBefore: Date(), notValidAfter: Date().addingTimeInterval(86_400 * 900), isCertificateAuthority: true),
            key: try PrivateKey(pemFile: pki.caKeyPath))
        #expect(renewed.fingerprint != ca.fingerprint && first.isSigned(by: renewed))
        let error = #expect(throws: DaemonError.self) {
            try floor.check(first, of: renewed, listPath: pki.crlPath, configPath: "nexd.yaml")
        }
        #expect(error?.message.contains("is number 1, older than number 2") == true, "\(String(describing: error))")
    }

    /// A file from before D37 (keyed by the CA certificate's SHA-256, number only) still holds its
    /// CA, and is rewritten under the CA's key; a line no trust root matches is kept as it was.
    @Test func aFileKeyedByCertificateFingerprintIsReadThroughTheTrustRoots() throws {
        let scratch = try Scratch()
        let (pki, floor) = (scratch.pki, scratch.floor)
        let ca = try pki.loadCACertificate()
        let first = try pki.loadRevocationList()
        let stranger = String(repeating: "ab", count: 32)
        try "# highest CRL number\n\(ca.fingerprint.hex.uppercased()) 2\n\(stranger) 7\n".write(toFile: floor.path, atomically: true, encoding: .utf8)
        #expect(throws: DaemonError.self) { try floor.check(first, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml") }
        #expect(try floor.unmatchedLegacyKeys(trustRoots: [ca]) == [stranger])
        try pki.refreshCRL()
        let second = try pki.loadRevocationList()
        try floor.check(second, of: ca, listPath: pki.crlPath, configPath: "nexd.yaml")
        #expect(try floor.raise(to: second, of: ca, trustRoots: [ca]))
        #expect(try floor.entries() == [.of(ca): .init(number: 2, revoked: []), .legacyCertificate(stranger): .init(number: 7, revoked: [])])
        let text = try String(contentsOfFile: floor.path, encoding: .utf8)
        #expect(text.contains("\nspki:\(ca.publicKey.fingerprint.hex) 2\n\(stranger) 7\n"), "\(text)")
    }

    /// A CA named twice (an edited file) keeps the higher number and every serial; keys in any case.
    @Test func duplicateLinesKeepTheMaximumAndEverySerial() throws {
        let scratch = try Scratch()
        let key = String(repeating: "0f", count: 32)
        try "spki:\(key) 3 0A 0b\nSPKI:\(key.uppercased()) 2 0c\n\tspki:\(key)\t1 0a:01 \n".write(toFile: scratch.floor.path, atomically: true, encoding: .utf8)
        #expect(try scratch.floor.entries() == [.publicKey(key): .init(number: 3, revoked: ["0a", "0b", "0c", "0a01"])])
    }
}
