import Foundation
import NexClient
import NexCrypto
import Testing

/// The deliberate matrix of bad client certificates (as mosquitto's test/ssl does): each one
/// refused, with the refusal audited under a stable reason, while a valid node is accepted.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CertificateMatrixTests {
    enum Case: String, CaseIterable {
        case noCertificate, otherCA, sameSubjectFakeCA, expired, notYetValid, serverAuthOnly, noExtendedKeyUsage, notInRoster, tls12
    }

    private static func expectedReason(_ testCase: Case) -> String {
        switch testCase {
        case .noCertificate: "no-certificate"
        case .otherCA, .sameSubjectFakeCA: "unknown-ca"
        case .expired: "certificate-expired"
        case .notYetValid: "certificate-not-yet-valid"
        case .serverAuthOnly, .noExtendedKeyUsage: "invalid-purpose"
        case .notInRoster: "not-in-roster"
        case .tls12: "protocol-version"
        }
    }

    @Test(arguments: Case.allCases)
    func aBadClientIsRefusedAndAudited(_ testCase: Case) throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let pki = nexd.pki
        let now = Date()
        let context: TLSContext
        switch testCase {
        case .noCertificate:
            context = try TLSContext.client(certificate: nil, key: nil, trustRoots: [pki.ca])
        case .otherCA, .sameSubjectFakeCA:
            let fake = try pki.otherCA(subject: testCase == .otherCA ? "Other Root" : "Test CA")
            let node = try pki.credentials("gs.fr.lyon", issuer: fake)
            context = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        case .expired, .notYetValid:
            let validity = testCase == .expired ? (now - 86_400 * 10)...(now - 86_400) : (now + 86_400)...(now + 86_400 * 10)
            let node = try pki.credentials("gs.fr.lyon", validity: validity)
            context = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        case .serverAuthOnly, .noExtendedKeyUsage:
            let node = try pki.credentials("gs.fr.lyon", usage: testCase == .serverAuthOnly ? .serverAuth : nil)
            context = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        case .notInRoster:
            let node = try pki.credentials("ncb.xx.nowhere")
            context = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        case .tls12:
            let node = try pki.credentials("gs.fr.lyon")
            context = try TLSContext.legacyClient(maximumVersion: .tls12, certificate: node.certificate, key: node.key, trustRoots: [pki.ca])
        }
        #expect(throws: ClientError.self) {
            _ = try NexConnection(host: "127.0.0.1", port: nexd.port, context: context, timeout: .seconds(5))
        }
        let reason = Self.expectedReason(testCase)
        let record = try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" }
        #expect(record?.string("reason") == reason, "\(testCase)")
        #expect(record?.string("peer")?.hasPrefix("127.0.0.1:") == true)

        // The daemon still serves a valid node.
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
