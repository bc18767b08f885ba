import Foundation
import Logging
import NexClient
import NexConfig
import NexCrypto
import NexServer
import Testing

/// What nexd accepts as `tls.ca` and `tls.crl`: only self-signed CA certificates become trust
/// anchors, and only a revocation list that can go stale is used. Each is refused at start and at
/// reload, naming the file and the key, and a refused reload leaves the running settings in force.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct TrustAnchorTests {
    /// Writes `certificates` as one PEM file next to the test PKI and returns its path.
    static func writeCAFile(_ certificates: [Certificate], in nexd: TestDaemon, name: String) throws -> String {
        let path = nexd.pki.directory + "/" + name
        try certificates.map { $0.pemEncoded() }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The reason `configuration` is refused at reload and at start (in a fresh audit directory).
    static func refusals(of configuration: DaemonConfiguration, by nexd: TestDaemon) throws -> (reload: String, start: String) {
        guard case .refused(let reload) = nexd.daemon.reload(to: configuration) else {
            Issue.record("the reload was applied")
            return ("", "")
        }
        var fresh = configuration
        fresh.audit.directory = nexd.root + "/audit-start"
        do {
            _ = try NexDaemon(configuration: fresh, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            Issue.record("nexd started")
            return (reload, "")
        } catch {
            return (reload, error.message)
        }
    }

    @Test func anIntermediateInTheCAFileIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (intermediate, _) = try nexd.pki.intermediateCA()
        var configuration = nexd.configuration
        configuration.tls.ca = try Self.writeCAFile([nexd.pki.ca, intermediate], in: nexd, name: "ca-and-intermediate.pem")
        let (reload, start) = try Self.refusals(of: configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("tls.ca"), "\(reason)")
            #expect(reason.contains("ca-and-intermediate.pem"), "\(reason)")
            #expect(reason.contains("not self-signed"), "\(reason)")
        }
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
    }

    @Test func aLeafInTheCAFileIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let leaf = try nexd.credentials("gs.fr.lyon").certificate
        var configuration = nexd.configuration
        configuration.tls.ca = try Self.writeCAFile([nexd.pki.ca, leaf], in: nexd, name: "ca-and-leaf.pem")
        let (reload, start) = try Self.refusals(of: configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("tls.ca"), "\(reason)")
            #expect(reason.contains("ca-and-leaf.pem"), "\(reason)")
            #expect(reason.contains("not a CA certificate"), "\(reason)")
        }
    }

    /// Two roots, each with its list (tls.crl names one per CA; CARotationTests goes further).
    @Test func twoRootCAsAreAccepted() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (other, otherKey) = try nexd.pki.otherCA()
        let otherList = nexd.pki.directory + "/other.crl.pem"
        try CertificateRevocationList.issue(issuer: other, issuerKey: otherKey, revoked: [], thisUpdate: Date() - 60,
                                            nextUpdate: Date() + 3600, crlNumber: 1)
            .pemEncoded().write(toFile: otherList, atomically: true, encoding: .utf8)
        var configuration = nexd.configuration
        configuration.tls.ca = try Self.writeCAFile([nexd.pki.ca, other], in: nexd, name: "two-roots.pem")
        configuration.tls.crl = [otherList, nexd.pki.revocationListPath]
        guard case .applied = nexd.daemon.reload(to: configuration) else { Issue.record("refused"); return }
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
        let otherNode = try nexd.pki.credentials("bcp.ke.busia", issuer: (other, otherKey))
        #expect(try nexd.connect(otherNode).subscribe("notice.>", id: 1) == .accepted)
    }

    @Test func aRevocationListWithoutNextUpdateIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        try nexd.pki.writeRevocationList(revoking: [busia.certificate], withoutNextUpdate: true)
        let (reload, start) = try Self.refusals(of: nexd.configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("tls.crl"), "\(reason)")
            #expect(reason.contains("next-update"), "\(reason)")
        }
        // The running list (with a next update) stays in force.
        #expect(try nexd.connect(busia).subscribe("notice.>", id: 1) == .accepted)
    }

    /// RFC 5280 §5.2.3: without a CRL number neither a reload nor the crl-floor can order lists.
    @Test func aRevocationListWithoutANumberIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        try nexd.pki.writeRevocationListWithoutNumber()
        let (reload, start) = try Self.refusals(of: nexd.configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("tls.crl"), "\(reason)")
            #expect(reason.contains("no CRL number"), "\(reason)")
        }
    }

    /// A crl-floor that records revoked serials of a CA of tls.ca: nexd does not start without
    /// tls.crl (which would let those certificates connect again).
    @Test func startingWithoutTheListWhileTheFloorRecordsRevocationsIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        try nexd.pki.writeRevocationList(revoking: [busia.certificate])
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("reload refused"); return }
        nexd.stop()
        var unset = nexd.configuration
        unset.tls.crl = []
        do {
            _ = try NexDaemon(configuration: unset, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            Issue.record("nexd started without tls.crl while crl-floor records a revocation")
        } catch {
            #expect(error.message.contains("tls.crl is not set"), "\(error.message)")
            #expect(error.message.contains("crl-floor"), "\(error.message)")
        }
        // A floor with no revoked serial (the list revoked nothing) does not stop a start without it.
        let fresh = try TestDaemon()
        defer { fresh.remove() }
        fresh.stop()
        var freshUnset = fresh.configuration
        freshUnset.tls.crl = []
        try NexDaemon(configuration: freshUnset, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })).stop()
    }
}
