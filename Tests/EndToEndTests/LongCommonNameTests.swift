import Foundation
import NexCrypto
import Testing

/// A certificate's CN is limited to 64 characters by RFC 5280's ub-common-name, but OpenSSL enforces
/// that only when it builds a name, not when it parses or verifies one: a certificate a CA in
/// `tls.ca` issued with a 600-character CN passes the handshake, is refused as `not-in-roster`,
/// and the `connect` refusal records its CN (`node`) cut like any peer string. (A certificate whose
/// chain fails verification never has its CN recorded: OpenSSL keeps no peer certificate then.)
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LongCommonNameTests {
    // Made with Python's `cryptography` (`NameAttribute(..., _validate=False)`; neither
    // CertificateIssuer nor the openssl tool builds such a name). P-256, valid 2026–2125.
    /// A self-signed CA.
    static let caPEM = """
-----BEGIN CERTIFICATE-----
MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9Mb25nIENO
IFRlc3QgQ0EwIBcNMjYwMTAxMDAwMDAwWhgPMjEyNTEyMDgwMDAwMDBaMBoxGDAW
BgNVBAMMD0xvbmcgQ04gVGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BA1rovF+es0POYpITkhmgB0Jr0pz8fFjkoW9lco6v6oVWSbntwIND5E2Op9QTv8e
NJqyKU2D6xUhSDVwiLS5hvOjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/
BAQDAgEGMB0GA1UdDgQWBBTcig/x4HagTBiz5iiiXtyms+7YDDAKBggqhkjOPQQD
AgNIADBFAiBCqVGF3XJQHxGMlL6grFDY88h0tTD86eSnHxWAm0b/XQIhANMqJXui
2zXiaPOvpj6PeC5Yvb7Iao5VJi0D8dwD4uAx
-----END CERTIFICATE-----
"""
    /// Issued by it: CN = 600 × "n", digitalSignature, clientAuth.
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIDyjCCA2+gAwIBAgIBBzAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9Mb25nIENO
IFRlc3QgQ0EwIBcNMjYwMTAxMDAwMDAwWhgPMjEyNTEyMDgwMDAwMDBaMIICaTGC
AmUwggJhBgNVBAMMggJYbm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5u
bm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5ubm5uMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAExM5iRggM5T9habgewQVdPPWIx7znzldrXgNyqEg7
p9MN6ObwUkUTizpniGo3pOg4zgIteZqcghlT02SWiC6BRqNTMFEwCQYDVR0TBAIw
ADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHwYDVR0jBBgw
FoAU3IoP8eB2oEwYs+Yool7cprPu2AwwCgYIKoZIzj0EAwIDSQAwRgIhAPOVMN75
96YM03fxvDpjCWpdkP6tzst+7ZilSYCI+MFjAiEA6XY/O0ehTWoA9KWhqed1LoKV
RoGRa0LmV1pyQ2a0XY8=
-----END CERTIFICATE-----
"""
    static let keyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgz4lBcRlyLZK+dZMS
Uw3WSMvgyKiQOddmUEkGl1Qc0cGhRANCAATEzmJGCAzlP2FpuB7BBV089YjHvOfO
V2teA3KoSDun0w3o5vBSRROLOmeIajek6DjOAi15mpyCGVPTZJaILoFG
-----END PRIVATE KEY-----
"""

    @Test func theRefusalRecordsTheCommonNameCut() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-longcn-\(UUID().uuidString)").path
        let pki = try TestPKI(directory: root + "/pki")
        let caPath = root + "/long-cn-ca.pem"
        try Self.caPEM.write(toFile: caPath, atomically: true, encoding: .utf8)
        // Only the fixture CA is trusted for nodes, and a revocation list would have to be its own.
        let nexd = try TestDaemon(root: root, pki: pki) {
            $0.tls.ca = caPath
            $0.tls.crl = []
        }
        defer { nexd.remove() }
        let certificate = try Certificate(pem: Array(Self.certificatePEM.utf8))
        #expect(certificate.subjectCommonName?.count == 600)
        let context = try TLSContext.client(certificate: certificate, key: try PrivateKey(pem: Array(Self.keyPEM.utf8)),
                                            trustRoots: [pki.ca])
        #expect(try ConnectOutcome.attempt(port: nexd.port, context: context) == .errorFrame(.notInRoster))
        let record = try #require(try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" })
        #expect(record.string("reason") == "not-in-roster")
        let node = try #require(record.string("node"), "the refusal names no node")
        #expect(node.utf8.count < 300, "\(node.utf8.count) bytes recorded")
        #expect(node.hasSuffix("…(+344 bytes)"))
    }
}
