import Foundation
import NexCrypto
import Synchronization
import Testing
@testable import NexPKI

/// The development PKI's revocation list and the operations behind `nex pki revoke|issue|list|crl`,
/// each on its own temporary directory.
@Suite struct DevelopmentPKIRevocationTests {
    /// A development PKI with two nodes in a fresh temporary directory, removed afterwards.
    final class Scratch {
        let pki: DevelopmentPKI

        init(nodes: [String] = ["bcp.rw.rusumo", "gs.fr.lyon"]) throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("nex-pki-\(UUID().uuidString)").path
            pki = DevelopmentPKI(directory: path)
            try pki.create(nodeIDs: nodes)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: pki.directory)
        }
    }

    private func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func createPublishesAnEmptyListSignedByTheCA() throws {
        let scratch = try Scratch()
        let list = try scratch.pki.loadRevocationList()
        #expect(list.revoked.isEmpty)
        #expect(list.crlNumber == 1)
        #expect(list.isSigned(by: try scratch.pki.loadCACertificate()))
        let nextUpdate = try #require(list.nextUpdate)
        #expect(abs(nextUpdate.timeIntervalSinceNow - 30 * 86_400) < 120)
        #expect(try mode(scratch.pki.crlPath) == 0o644)
        // Once the PKI exists, create() writes nothing more (a lost list: DevelopmentPKICreationTests).
        #expect(try scratch.pki.create(nodeIDs: ["bcp.rw.rusumo"]).writtenFiles.isEmpty)
    }

    @Test func revokeAddsToTheListAndBumpsItsNumber() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let rusumo = try pki.loadNodeCertificate("bcp.rw.rusumo")
        let first = try pki.revoke(nodeID: "bcp.rw.rusumo")
        #expect(first.serialNumberHex == rusumo.serialNumberHex)
        let lyon = try pki.revoke(nodeID: "gs.fr.lyon")
        let list = try pki.loadRevocationList()
        #expect(list.crlNumber == 3)
        #expect(list.revoked.map(\.serialNumberHex).sorted() == [first.serialNumberHex, lyon.serialNumberHex].sorted())
        #expect(try mode(pki.crlPath) == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pki.directory).allSatisfy { !$0.contains(".tmp-") })

        let again = #expect(throws: PKIError.self) { try pki.revoke(nodeID: "gs.fr.lyon") }
        #expect(again?.message.contains("already revoked") == true)
        #expect(try pki.loadRevocationList().crlNumber == 3)
    }

    @Test func unknownNodesAndMissingCAKeyAreExplained() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let unknown = #expect(throws: PKIError.self) { try pki.revoke(nodeID: "rb.ke.nairobi") }
        #expect(unknown?.message == "no certificate for rb.ke.nairobi in \(pki.nodesDirectory) (known: bcp.rw.rusumo, gs.fr.lyon)")
        #expect(throws: PKIError.self) { try pki.revoke(nodeID: "../ca") }
        try FileManager.default.removeItem(atPath: pki.caKeyPath)
        let keyless = #expect(throws: PKIError.self) { try pki.revoke(nodeID: "gs.fr.lyon") }
        #expect(keyless?.message.hasPrefix("no CA key at \(pki.caKeyPath)") == true)
        #expect(throws: PKIError.self) { try pki.refreshCRL() }
        #expect(throws: PKIError.self) { try pki.issue(nodeID: "gs.fr.lyon") }
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func reissueReplacesTheFilesAndTheOldCertificateStaysRevoked(algorithm: SignatureAlgorithm) throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let old = try pki.revoke(nodeID: "gs.fr.lyon")
        let oldKey = try String(contentsOfFile: pki.nodeKeyPath("gs.fr.lyon"), encoding: .utf8)
        let issuance = try pki.issue(nodeID: "gs.fr.lyon", algorithm: algorithm)
        #expect(issuance.predecessor == .alreadyRevoked(old.serialNumberHex))
        let new = issuance.certificate
        #expect(new.serialNumberHex != old.serialNumberHex)
        #expect(new.subjectCommonName == "gs.fr.lyon")
        #expect(new.extendedKeyUsage == .clientAuth)
        #expect(new.publicKey.algorithm == algorithm)
        #expect(try pki.loadNodeCertificate("gs.fr.lyon") == new)
        #expect(try String(contentsOfFile: pki.nodeKeyPath("gs.fr.lyon"), encoding: .utf8) != oldKey)
        #expect(try PrivateKey(pemFile: pki.nodeKeyPath("gs.fr.lyon")).publicKey == new.publicKey)
        #expect(try mode(pki.nodeKeyPath("gs.fr.lyon")) == 0o600)
        let list = try pki.loadRevocationList()
        #expect(list.isRevoked(serialNumberHex: old.serialNumberHex))
        #expect(!list.isRevoked(serialNumberHex: new.serialNumberHex))
        // A brand-new node is just issued.
        let nairobi = try pki.issue(nodeID: "rb.ke.nairobi")
        #expect(nairobi.certificate.subjectCommonName == "rb.ke.nairobi")
        #expect(nairobi.predecessor == .none)
        #expect(pki.nodeIDs() == ["bcp.rw.rusumo", "gs.fr.lyon", "rb.ke.nairobi"])
    }

    @Test func listShowsEveryCertificateWithItsStatus() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        try pki.revoke(nodeID: "gs.fr.lyon")
        let entries = try pki.list()
        #expect(entries.map(\.role) == ["ca", "nexd", "audit", "node", "node"])
        #expect(entries.map(\.commonName) == ["NoticeExchange Development CA", "nexd", "nexd-audit", "bcp.rw.rusumo", "gs.fr.lyon"])
        #expect(entries.map(\.usage) == ["CA", "serverAuth", "timeStamping", "clientAuth", "clientAuth"])
        #expect(entries.map(\.status) == [.valid, .valid, .valid, .valid, .revoked])
        #expect(entries[4].serialNumberHex == (try pki.loadNodeCertificate("gs.fr.lyon")).serialNumberHex)
    }

    @Test func refreshKeepsEntriesAndMovesTheDates() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let revoked = try pki.revoke(nodeID: "bcp.rw.rusumo")
        let refreshed = try pki.refreshCRL(validityDays: 7)
        #expect(refreshed.crlNumber == 3)
        #expect(refreshed.revoked.map(\.serialNumberHex) == [revoked.serialNumberHex])
        let nextUpdate = try #require(refreshed.nextUpdate)
        #expect(abs(nextUpdate.timeIntervalSince(refreshed.thisUpdate) - 7 * 86_400) < 1)
        #expect(try pki.loadRevocationList().derBytes == refreshed.derBytes)
        #expect(throws: PKIError.self) { try pki.refreshCRL(validityDays: 0) }
    }

    @Test func aListFromAnotherCAIsRefused() throws {
        let scratch = try Scratch()
        let other = try Scratch(nodes: [])
        try FileManager.default.removeItem(atPath: scratch.pki.crlPath)
        try FileManager.default.copyItem(atPath: other.pki.crlPath, toPath: scratch.pki.crlPath)
        #expect(throws: PKIError.self) { try scratch.pki.loadRevocationList() }
        #expect(throws: PKIError.self) { try scratch.pki.revoke(nodeID: "gs.fr.lyon") }
    }

    @Test func reissuingAValidCertificateRevokesItFirst() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let first = try pki.loadNodeCertificate("gs.fr.lyon")
        let second = try pki.issue(nodeID: "gs.fr.lyon")
        guard case .revoked(let entry) = second.predecessor else {
            Issue.record("the valid certificate was not revoked: \(second.predecessor)")
            return
        }
        #expect(entry.serialNumberHex == first.serialNumberHex)
        var list = try pki.loadRevocationList()
        #expect(list.isRevoked(serialNumberHex: first.serialNumberHex))
        #expect(!list.isRevoked(serialNumberHex: second.certificate.serialNumberHex))
        #expect(list.crlNumber == 2)

        // Again: the second certificate goes the same way; the first stays listed once.
        let third = try pki.issue(nodeID: "gs.fr.lyon")
        #expect(third.predecessor.revokedSerial == second.certificate.serialNumberHex)
        list = try pki.loadRevocationList()
        #expect(list.revoked.map(\.serialNumberHex).sorted() == [first.serialNumberHex, second.certificate.serialNumberHex].sorted())
        #expect(try pki.list().first { $0.commonName == "gs.fr.lyon" }?.status == .valid)
    }

    @Test func reissuingAnExpiredOrForeignCertificateRevokesNothing() throws {
        let scratch = try Scratch()
        let other = try Scratch(nodes: [])
        let pki = scratch.pki
        let authority = try pki.loadAuthority()
        let past = Date().addingTimeInterval(-10 * 86_400)...Date().addingTimeInterval(-86_400)
        let expired = try pki.issueLeaf("gs.fr.lyon", usage: .clientAuth, validity: past, algorithm: .ecdsaP256SHA256, authority: authority)
        try expired.certificate.pemEncoded().write(toFile: pki.nodeCertificatePath("gs.fr.lyon"), atomically: true, encoding: .utf8)
        #expect(try pki.issue(nodeID: "gs.fr.lyon").predecessor == .expired(expired.certificate.serialNumberHex))

        let foreign = try pki.issueLeaf("bcp.rw.rusumo", usage: .clientAuth, validity: Date()...Date().addingTimeInterval(86_400),
                                        algorithm: .ecdsaP256SHA256, authority: try other.pki.loadAuthority())
        try foreign.certificate.pemEncoded().write(toFile: pki.nodeCertificatePath("bcp.rw.rusumo"), atomically: true, encoding: .utf8)
        #expect(try pki.issue(nodeID: "bcp.rw.rusumo").predecessor == .otherAuthority(foreign.certificate.serialNumberHex))
        #expect(try pki.loadRevocationList().revoked.isEmpty)
    }

    @Test func revokeBySerialListsAnySerialButTheCAs() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let entry = try pki.revoke(serialNumberHex: "0x0A:BC")
        #expect(entry.serialNumberHex == "0abc")
        #expect(try pki.loadRevocationList().isRevoked(serialNumberHex: "0abc"))
        let again = #expect(throws: PKIError.self) { try pki.revoke(serialNumberHex: "ABC") }
        #expect(again?.message.contains("already revoked") == true)
        let ca = try pki.loadCACertificate().serialNumberHex
        let own = #expect(throws: PKIError.self) { try pki.revoke(serialNumberHex: ca) }
        #expect(own?.message.contains("the CA's own certificate") == true)
        #expect(throws: PKIError.self) { try pki.revoke(serialNumberHex: "gs.fr.lyon") }
        #expect(throws: PKIError.self) { try pki.revoke(serialNumberHex: "") }
        #expect(try pki.loadRevocationList().revoked.map(\.serialNumberHex) == ["0abc"])
    }

    /// Two threads each revoke then re-issue their own node many times, at once: every revoked
    /// serial must end up on the list (a read-modify-write without the lock loses some).
    @Test func concurrentRevocationsAllLand() throws {
        let scratch = try Scratch()
        let pki = scratch.pki
        let rounds = 25
        let revoked = Shared()
        let failures = Shared()
        let group = DispatchGroup()
        for node in ["bcp.rw.rusumo", "gs.fr.lyon"] {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    for _ in 0..<rounds {
                        let entry = try pki.revoke(nodeID: node)
                        revoked.append(entry.serialNumberHex)
                        try pki.issue(nodeID: node)
                    }
                } catch {
                    failures.append("\(node): \(error)")
                }
            }
        }
        group.wait()
        #expect(failures.values.isEmpty, "\(failures.values)")
        let list = try pki.loadRevocationList()
        let expected = revoked.values
        #expect(expected.count == 2 * rounds)
        #expect(Set(list.revoked.map(\.serialNumberHex)) == Set(expected))
        #expect(list.crlNumber == UInt64(2 * rounds + 1))
        #expect(try FileManager.default.contentsOfDirectory(atPath: pki.directory).allSatisfy { !$0.contains(".tmp-") })
    }
}

extension DevelopmentPKI.Issuance.Predecessor {
    /// The serial revoked by the issuance, if it revoked one.
    var revokedSerial: String? {
        if case .revoked(let entry) = self { entry.serialNumberHex } else { nil }
    }
}

/// Strings appended from several threads.
private final class Shared: Sendable {
    private let strings = Mutex<[String]>([])

    func append(_ string: String) { strings.withLock { $0.append(string) } }
    var values: [String] { strings.withLock { $0 } }
}
