import Foundation
import NexClient
import NexCrypto
import NexWire
import Testing

/// The deliberate matrix of bad client certificates (as mosquitto's test/ssl does): each one
/// refused, with the refusal audited under a stable reason, while a valid node is accepted.
///
/// This table is the one in docs/PROTOCOL.md §6.1 (refusals at connect): for each cause, what the
/// client sees (the TLS alert nexd sends, an `error` frame, or a bare close) and the audit reason.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CertificateMatrixTests {
    enum Case: String, CaseIterable {
        case noCertificate, otherCA, sameSubjectFakeCA, expired, notYetValid, serverAuthOnly, noExtendedKeyUsage
        case revoked, expiredRevocationList, notInRoster, tooManyConnectionsForNode, tooManyConnections, tls12
    }

    /// What the client sees, and the `reason` of the `connect` record with outcome `refused`.
    private static func expected(_ testCase: Case) -> (seen: ConnectOutcome, reason: String) {
        switch testCase {
        case .noCertificate: (.alert(116), "no-certificate")              // certificate_required
        case .otherCA, .sameSubjectFakeCA: (.alert(48), "unknown-ca")      // unknown_ca
        case .expired: (.alert(45), "certificate-expired")                 // certificate_expired
        case .notYetValid: (.alert(42), "certificate-not-yet-valid")       // bad_certificate
        case .serverAuthOnly: (.alert(43), "invalid-purpose")              // unsupported_certificate
        case .noExtendedKeyUsage: (.errorFrame(.permissionDenied), "invalid-purpose")
        case .revoked: (.alert(44), "certificate-revoked")                 // certificate_revoked
        case .expiredRevocationList: (.alert(45), "crl-expired")           // certificate_expired (OpenSSL's choice)
        case .notInRoster: (.errorFrame(.notInRoster), "not-in-roster")
        case .tooManyConnectionsForNode: (.errorFrame(.overloaded), "too-many-connections-for-node")
        case .tooManyConnections: (.closedWithoutAlert, "too-many-connections")
        case .tls12: (.alert(70), "protocol-version")                      // protocol_version
        }
    }

    @Test(arguments: Case.allCases)
    func aBadClientIsRefusedAndAudited(_ testCase: Case) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-matrix-\(UUID().uuidString)").path
        let pki = try TestPKI(directory: root + "/pki")
        // A list past its nextUpdate must be in force from the start: a reload refuses to install one.
        try pki.writeRevocationList(nextUpdate: testCase == .expiredRevocationList ? Date() - 60 : nil)
        let nexd = try TestDaemon(root: root, pki: pki) {
            if testCase == .tooManyConnectionsForNode { $0.limits.maxConnectionsPerNode = 1 }
            if testCase == .tooManyConnections { $0.limits.maxConnections = 1 }
        }
        defer { nexd.remove() }
        let now = Date()
        var context = try TLSContext.client(certificate: nil, key: nil, trustRoots: [pki.ca])
        var holder: NexConnection?
        func contextFor(_ node: NodeCredentials) throws -> TLSContext {
            try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        }
        switch testCase {
        case .noCertificate:
            break
        case .otherCA, .sameSubjectFakeCA:
            let fake = try pki.otherCA(subject: testCase == .otherCA ? "Other Root" : "Test CA")
            context = try contextFor(try pki.credentials("gs.fr.lyon", issuer: fake))
        case .expired, .notYetValid:
            let validity = testCase == .expired ? (now - 86_400 * 10)...(now - 86_400) : (now + 86_400)...(now + 86_400 * 10)
            context = try contextFor(try pki.credentials("gs.fr.lyon", validity: validity))
        case .serverAuthOnly, .noExtendedKeyUsage:
            context = try contextFor(try pki.credentials("gs.fr.lyon", usage: testCase == .serverAuthOnly ? .serverAuth : nil))
        case .revoked:
            let revoked = try pki.credentials("gs.fr.lyon")
            try pki.writeRevocationList(revoking: [revoked.certificate])
            guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("reload refused"); return }
            context = try contextFor(revoked)
        case .expiredRevocationList:
            context = try contextFor(try pki.credentials("gs.fr.lyon"))
        case .notInRoster:
            context = try contextFor(try pki.credentials("ncb.xx.nowhere"))
        case .tooManyConnectionsForNode, .tooManyConnections:
            holder = try nexd.connect(as: "gs.fr.lyon").0
            context = try contextFor(try pki.credentials("gs.fr.lyon"))
        case .tls12:
            let node = try pki.credentials("gs.fr.lyon")
            context = try TLSContext.legacyClient(maximumVersion: .tls12, certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        }
        let (seen, reason) = Self.expected(testCase)
        let observed = try ConnectOutcome.attempt(port: nexd.port, context: context)
        #expect(observed == seen, "\(testCase): the client saw \(observed)")
        let record = try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" }
        #expect(record?.string("reason") == reason, "\(testCase)")
        #expect(record?.string("peer")?.hasPrefix("127.0.0.1:") == true)
        holder?.close()

        // The daemon still serves a valid node (every node's handshake fails under an expired list;
        // a full daemon frees the held slot asynchronously).
        guard testCase != .expiredRevocationList, testCase != .tooManyConnections else { return }
        let (valid, _) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(valid.welcome.nodeID == "ncb.rw.kigali")
    }

    @Test func aNodeOutsideTheRosterIsToldWhyRightAfterTheHandshake() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let node = try nexd.pki.credentials("ncb.xx.nowhere")
        do {
            _ = try nexd.connect(node)
            Issue.record("a node outside the roster was accepted")
        } catch let error as ClientError {
            #expect(error.code == .refused(.notInRoster))
            #expect(error.message.contains("not on the roster"))
        }
    }
}
