import Foundation
import Testing
@testable import NexCrypto

/// What the server side of one loopback connection saw.
struct ServerReport: Sendable {
    var handshake: TLSResult
    var received: [UInt8] = []
    var hadBufferedInputAfterFirstByte = false
    var afterPeerClose: TLSIOResult?
    var peerCommonName: String?
    var protocolVersion: String?
}

/// A CA, a server certificate for 127.0.0.1 and the server context, fresh per test.
struct TLSFixture {
    let ca: TestCA
    let serverContext: TLSContext

    init() throws {
        ca = try TestCA()
        let server = try ca.issueLeaf("nexd.test", usage: [.serverAuth], dnsNames: ["nexd.test"], ipAddresses: ["127.0.0.1"])
        serverContext = try TLSContext.server(
            certificate: server.certificate, key: server.key, trustRoots: [ca.certificate])
    }

    /// Serves one connection: handshake, read "ping" (first one byte, then the rest), answer "pong",
    /// then read until the client closes.
    static func serve(_ context: TLSContext) -> @Sendable (Int32) -> ServerReport {
        { fd in
            guard let session = try? TLSSession(context: context, fileDescriptor: fd) else {
                return ServerReport(handshake: .failed(TLSError(reason: .other, message: "session setup")))
            }
            var report = ServerReport(handshake: session.handshake())
            guard report.handshake == .complete else { return report }
            report.peerCommonName = session.peerCertificate?.subjectCommonName
            report.protocolVersion = session.protocolVersion
            var buffer = [UInt8](repeating: 0, count: 1)
            guard case .bytes(1) = buffer.withUnsafeMutableBytes({ session.read(into: $0) }) else { return report }
            report.received = buffer
            report.hadBufferedInputAfterFirstByte = session.hasBufferedInput
            report.received += try! readExactly(3, from: session)
            _ = Array("pong".utf8).withUnsafeBytes { session.write($0) }
            buffer = [UInt8](repeating: 0, count: 16)
            report.afterPeerClose = buffer.withUnsafeMutableBytes { session.read(into: $0) }
            return report
        }
    }
}

/// Reads exactly `count` bytes or throws with the result that stopped it.
func readExactly(_ count: Int, from session: TLSSession) throws -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: count)
    while out.count < count {
        let result = buffer.withUnsafeMutableBytes { session.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<(count - out.count)])) }
        guard case .bytes(let n) = result else { throw Loopback.Failure(description: "read stopped: \(result)") }
        out += buffer[..<n]
    }
    return out
}

extension TLSResult {
    var failureReason: TLSError.Reason? {
        if case .failed(let error) = self { error.reason } else { nil }
    }
}

extension TLSIOResult {
    var failureReason: TLSError.Reason? {
        if case .failed(let error) = self { error.reason } else { nil }
    }
}

@Suite struct TLSTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func validClientExchangesBytesBothWays(algorithm: SignatureAlgorithm) throws {
        let fixture = try TLSFixture()
        let client = try fixture.ca.issueLeaf("bcp.rw.rusumo", usage: [.clientAuth], algorithm: algorithm)
        let context = try TLSContext.client(
            certificate: client.certificate, key: client.key, trustRoots: [fixture.ca.certificate],
            serverName: "127.0.0.1")
        var reply: [UInt8] = []
        var serverCommonName: String?
        let report = try Loopback.run(serve: TLSFixture.serve(fixture.serverContext)) { fd in
            let session = try TLSSession(context: context, fileDescriptor: fd)
            #expect(session.handshake() == .complete)
            #expect(session.protocolVersion == "TLSv1.3")
            serverCommonName = session.peerCertificate?.subjectCommonName
            #expect(Array("ping".utf8).withUnsafeBytes { session.write($0) } == .bytes(4))
            reply = try readExactly(4, from: session)
            #expect(session.shutdown() == .complete)
        }
        #expect(report.handshake == .complete)
        #expect(report.protocolVersion == "TLSv1.3")
        #expect(report.peerCommonName == "bcp.rw.rusumo")
        #expect(report.received == Array("ping".utf8))
        #expect(report.hadBufferedInputAfterFirstByte)
        #expect(report.afterPeerClose == .closed)
        #expect(reply == Array("pong".utf8))
        #expect(serverCommonName == "nexd.test")
    }

    /// Clients the server must refuse, with the reason it must report.
    enum RefusedClient: String, CaseIterable, Sendable {
        case noCertificate, otherCA, expired, notYetValid, serverAuthOnly, tls12

        var expectedServerReason: TLSError.Reason {
            switch self {
            case .noCertificate: .noPeerCertificate
            case .otherCA: .unknownIssuer
            case .expired: .certificateExpired
            case .notYetValid: .certificateNotYetValid
            case .serverAuthOnly: .invalidPurpose
            case .tls12: .protocolVersion
            }
        }

        func context(_ fixture: TLSFixture) throws -> TLSContext {
            let roots = [fixture.ca.certificate]
            let now = Date()
            let leaf: (key: PrivateKey, certificate: Certificate)
            switch self {
            case .noCertificate:
                return try TLSContext.client(certificate: nil, key: nil, trustRoots: roots)
            case .otherCA:
                leaf = try TestCA(name: "Other Root").issueLeaf("intruder")
            case .expired:
                leaf = try fixture.ca.issueLeaf("late", validity: now.addingTimeInterval(-7200)...now.addingTimeInterval(-3600))
            case .notYetValid:
                leaf = try fixture.ca.issueLeaf("early", validity: now.addingTimeInterval(3600)...now.addingTimeInterval(7200))
            case .serverAuthOnly:
                leaf = try fixture.ca.issueLeaf("wrong-purpose", usage: [.serverAuth])
            case .tls12:
                leaf = try fixture.ca.issueLeaf("old-client")
                return try TLSContext.legacyClient(
                    maximumVersion: .tls12, certificate: leaf.certificate, key: leaf.key, trustRoots: roots)
            }
            return try TLSContext.client(certificate: leaf.certificate, key: leaf.key, trustRoots: roots)
        }
    }

    @Test(arguments: RefusedClient.allCases)
    func refusedClient(_ kind: RefusedClient) throws {
        let fixture = try TLSFixture()
        let context = try kind.context(fixture)
        var clientOutcome: TLSError.Reason?
        var clientMessage = ""
        let report = try Loopback.run(serve: TLSFixture.serve(fixture.serverContext)) { fd in
            let session = try TLSSession(context: context, fileDescriptor: fd)
            let handshake = session.handshake()
            if case .failed(let error) = handshake {
                (clientOutcome, clientMessage) = (error.reason, error.message)
                return
            }
            // TLS 1.3: the client's handshake completes; the server's verdict arrives on first read.
            #expect(handshake == .complete)
            var buffer = [UInt8](repeating: 0, count: 16)
            let read = buffer.withUnsafeMutableBytes { session.read(into: $0) }
            if case .failed(let error) = read { (clientOutcome, clientMessage) = (error.reason, error.message) }
        }
        #expect(report.handshake.failureReason == kind.expectedServerReason, "server saw \(report.handshake)")
        #expect(clientOutcome == .peerAlert, "client saw \(clientMessage)")
        #expect(clientMessage.contains("alert"))
    }

    @Test func clientRefusesUntrustedServer() throws {
        let fixture = try TLSFixture()
        let otherCA = try TestCA(name: "Client-side Root")
        let client = try otherCA.issueLeaf("client")
        let context = try TLSContext.client(certificate: client.certificate, key: client.key, trustRoots: [otherCA.certificate])
        var clientResult: TLSResult?
        _ = try Loopback.run(serve: TLSFixture.serve(fixture.serverContext)) { fd in
            clientResult = try TLSSession(context: context, fileDescriptor: fd).handshake()
        }
        #expect(clientResult?.failureReason == .unknownIssuer)
    }

    @Test func clientChecksServerName() throws {
        let fixture = try TLSFixture()
        let client = try fixture.ca.issueLeaf("client")
        let context = try TLSContext.client(
            certificate: client.certificate, key: client.key, trustRoots: [fixture.ca.certificate],
            serverName: "other.test")
        var clientResult: TLSResult?
        _ = try Loopback.run(serve: TLSFixture.serve(fixture.serverContext)) { fd in
            clientResult = try TLSSession(context: context, fileDescriptor: fd).handshake()
        }
        #expect(clientResult?.failureReason == .badCertificate)
    }

    @Test func serverSendsIntermediateChain() throws {
        let root = try TestCA(name: "Chain Root")
        let intermediateKey = try PrivateKey.generate(.ed25519)
        let now = Date()
        let intermediate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "Chain Intermediate",
                               validity: now.addingTimeInterval(-60)...now.addingTimeInterval(3600),
                               isCertificateAuthority: true),
            for: intermediateKey.publicKey, issuer: root.certificate, issuerKey: root.key)
        let issuing = TestCA(key: intermediateKey, certificate: intermediate)
        let server = try issuing.issueLeaf("nexd.chain", usage: [.serverAuth], dnsNames: ["nexd.chain"])
        let client = try root.issueLeaf("client.chain")
        let serverContext = try TLSContext.server(
            certificate: server.certificate, chain: [intermediate], key: server.key, trustRoots: [root.certificate])
        // The client trusts only the root: the handshake succeeds only if the server sends the intermediate.
        let clientContext = try TLSContext.client(
            certificate: client.certificate, key: client.key, trustRoots: [root.certificate], serverName: "nexd.chain")
        var clientResult: TLSResult?
        let report = try Loopback.run(serve: { fd -> TLSResult in
            guard let session = try? TLSSession(context: serverContext, fileDescriptor: fd) else { return .closed }
            return session.handshake()
        }) { fd in
            clientResult = try TLSSession(context: clientContext, fileDescriptor: fd).handshake()
        }
        #expect(clientResult == .complete)
        #expect(report == .complete)
    }

    /// Chains are one level: a client certificate issued by an intermediate is refused even when
    /// the client sends the intermediate and the root issued it; with or without revocation lists.
    @Test(arguments: [false, true])
    func clientChainsThroughAnIntermediateAreRefused(checkingRevocation: Bool) throws {
        let root = try TestCA(name: "Chain Root")
        let intermediateKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        let intermediate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "Chain Intermediate",
                               validity: now.addingTimeInterval(-60)...now.addingTimeInterval(3600),
                               isCertificateAuthority: true),
            for: intermediateKey.publicKey, issuer: root.certificate, issuerKey: root.key)
        let issuing = TestCA(key: intermediateKey, certificate: intermediate)
        let server = try root.issueLeaf("nexd.chain", usage: [.serverAuth], dnsNames: ["nexd.chain"])
        let lists = checkingRevocation ? [try root.revocationList(), try issuing.revocationList()] : []
        let serverContext = try TLSContext.server(
            certificate: server.certificate, key: server.key, trustRoots: [root.certificate], revocationLists: lists)
        for (leaf, chain) in [(try issuing.issueLeaf("client.chain"), [intermediate]), (try root.issueLeaf("client.direct"), [])] {
            let clientContext = try TLSContext.client(
                certificate: leaf.certificate, sendingChain: chain, key: leaf.key, trustRoots: [root.certificate])
            let report = try Loopback.run(serve: { fd -> TLSResult in
                guard let session = try? TLSSession(context: serverContext, fileDescriptor: fd) else { return .closed }
                return session.handshake()
            }) { fd in
                _ = try TLSSession(context: clientContext, fileDescriptor: fd).handshake()
            }
            if chain.isEmpty {
                #expect(report == .complete)
            } else {
                #expect(report.failureReason == .unknownIssuer, "\(report)")
            }
        }
    }

    @Test func mismatchedKeyAndCertificateAreRejected() throws {
        let fixture = try TLSFixture()
        let leaf = try fixture.ca.issueLeaf("client")
        let otherKey = try PrivateKey.generate(.ecdsaP256SHA256)
        #expect(throws: CryptoError.self) {
            try TLSContext.client(certificate: leaf.certificate, key: otherKey, trustRoots: [fixture.ca.certificate])
        }
        #expect(throws: CryptoError.self) {
            try TLSContext.client(certificate: leaf.certificate, key: nil, trustRoots: [fixture.ca.certificate])
        }
        #expect(throws: CryptoError.self) {
            try TLSContext.server(certificate: leaf.certificate, key: leaf.key, trustRoots: [])
        }
    }
}
