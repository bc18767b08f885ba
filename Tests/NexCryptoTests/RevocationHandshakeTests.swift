import Foundation
import Testing
@testable import NexCrypto

/// A server context that checks revocation refuses revoked clients, and every client when its
/// list is missing, expired or not signed by the CA.
@Suite struct RevocationHandshakeTests {
    /// The server's verdict and the client's, for one connection.
    struct Outcome {
        var server: TLSResult
        var client: TLSError.Reason?
    }

    /// Connects `client` (a leaf of `fixture.ca`) to a server checking `lists`.
    func connect(
        _ client: (key: PrivateKey, certificate: Certificate), ca: TestCA, lists: [CertificateRevocationList]
    ) throws -> Outcome {
        let server = try ca.issueLeaf("nexd.test", usage: [.serverAuth], ipAddresses: ["127.0.0.1"])
        let serverContext = try TLSContext.server(
            certificate: server.certificate, key: server.key, trustRoots: [ca.certificate], revocationLists: lists)
        let clientContext = try TLSContext.client(
            certificate: client.certificate, key: client.key, trustRoots: [ca.certificate], serverName: "127.0.0.1")
        var clientReason: TLSError.Reason?
        let serverResult = try Loopback.run(serve: { fd -> TLSResult in
            guard let session = try? TLSSession(context: serverContext, fileDescriptor: fd) else {
                return .failed(TLSError(reason: .other, message: "session setup"))
            }
            let result = session.handshake()
            if result == .complete { _ = session.shutdown() }
            return result
        }) { fd in
            let session = try TLSSession(context: clientContext, fileDescriptor: fd)
            if case .failed(let error) = session.handshake() {
                clientReason = error.reason
                return
            }
            // TLS 1.3: the server's verdict on the client arrives with the first read (an alert, or
            // close_notify once accepted). Writing first could race the server's close.
            var buffer = [UInt8](repeating: 0, count: 4)
            if case .failed(let error) = buffer.withUnsafeMutableBytes({ session.read(into: $0) }) {
                clientReason = error.reason
            }
        }
        return Outcome(server: serverResult, client: clientReason)
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func emptyListAcceptsAValidClient(algorithm: SignatureAlgorithm) throws {
        let ca = try TestCA(algorithm: algorithm)
        let client = try ca.issueLeaf("bcp.rw.rusumo")
        let outcome = try connect(client, ca: ca, lists: [try ca.revocationList()])
        #expect(outcome.server == .complete)
        #expect(outcome.client == nil)
    }

    @Test func revokedClientIsRefused() throws {
        let ca = try TestCA()
        let revoked = try ca.issueLeaf("revoked.node")
        let other = try ca.issueLeaf("other.node")
        let list = try ca.revocationList(revoking: [revoked.certificate])
        let refused = try connect(revoked, ca: ca, lists: [list])
        #expect(refused.server.failureReason == .certificateRevoked, "server saw \(refused.server)")
        #expect(refused.client == .peerAlert)
        #expect(try connect(other, ca: ca, lists: [list]).server == .complete)
    }

    /// Lists that make the server refuse even a valid client, with the reason it must report.
    enum BadList: String, CaseIterable, Sendable {
        case expired, notYetValid, signedByAnotherKey, otherCAsListOnly

        var expectedReason: TLSError.Reason {
            switch self {
            case .expired: .crlExpired
            case .notYetValid: .crlNotYetValid
            case .signedByAnotherKey: .crlInvalid
            case .otherCAsListOnly: .crlUnavailable
            }
        }

        func list(for ca: TestCA) throws -> CertificateRevocationList {
            let now = Date()
            switch self {
            case .expired:
                return try ca.revocationList(thisUpdate: now.addingTimeInterval(-2 * 86_400), validFor: 86_400)
            case .notYetValid:
                return try ca.revocationList(thisUpdate: now.addingTimeInterval(3600))
            case .signedByAnotherKey:
                // Same issuer name as the CA, different key: a forged list.
                return try TestCA(name: "NoticeExchange Test Root").revocationList()
            case .otherCAsListOnly:
                return try TestCA(name: "Other Root").revocationList()
            }
        }
    }

    @Test(arguments: BadList.allCases)
    func unusableListRefusesEveryClient(_ kind: BadList) throws {
        let ca = try TestCA()
        let client = try ca.issueLeaf("bcp.rw.rusumo")
        let outcome = try connect(client, ca: ca, lists: [try kind.list(for: ca)])
        #expect(outcome.server.failureReason == kind.expectedReason, "server saw \(outcome.server)")
        #expect(outcome.client == .peerAlert)
    }

    @Test func withoutListsRevocationIsNotChecked() throws {
        let ca = try TestCA()
        let client = try ca.issueLeaf("bcp.rw.rusumo")
        #expect(try connect(client, ca: ca, lists: []).server == .complete)
    }
}
