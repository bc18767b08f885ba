import Foundation
import NexCrypto
import Testing
@testable import NexServer

/// The highest CRL number nexd has used, per CA, in `<audit dir>/crl-floor`.
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
        #expect(try floor.numbers() == [ca.fingerprint.hex: 2])

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
        #expect(try scratch.floor.numbers() == [ca.fingerprint.hex: 2, otherCA.fingerprint.hex: 1])
    }

    @Test func anUnreadableFileIsAnErrorNotAnEmptyFloor() throws {
        let scratch = try Scratch()
        try "# comment\nnot a line\n".write(toFile: scratch.floor.path, atomically: true, encoding: .utf8)
        let error = #expect(throws: DaemonError.self) { try scratch.floor.numbers() }
        #expect(error?.message.hasPrefix("\(scratch.floor.path):2 is not `<CA SHA-256> <CRL number>`") == true)
    }
}
