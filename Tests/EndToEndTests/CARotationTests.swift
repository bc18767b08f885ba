import Foundation
import Logging
import Synchronization
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// Replacing the CA without an outage (docs/OPERATIONS.md): `tls.ca` holds the old and the new CA,
/// `tls.crl` one list per CA, each ordered against its own CA's lists only; revocations of one CA
/// say nothing about the other's serials; removing the old CA ends its nodes' sessions.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CARotationTests {
    /// A second CA with the same subject as the test CA (a new key, as a CA renewal by rotation has),
    /// and a writer of its numbered revocation lists.
    final class NewCA: @unchecked Sendable {
        let certificate: Certificate
        let key: PrivateKey
        let listPath: String
        private(set) var number: UInt64 = 0

        init(nexd: TestDaemon) throws {
            (certificate, key) = try nexd.pki.otherCA(subject: "Test CA")
            listPath = nexd.pki.directory + "/new-ca.crl.pem"
        }

        /// Writes the next list (or list `number`), revoking `serials`.
        func writeList(revoking serials: [String] = [], number: UInt64? = nil) throws {
            self.number = number ?? self.number + 1
            let list = try CertificateRevocationList.issue(
                issuer: certificate, issuerKey: key,
                revoked: serials.map { RevokedCertificate(serialNumberHex: $0, revocationDate: Date() - 60) },
                thisUpdate: Date() - 60, nextUpdate: Date() + 86_400, crlNumber: self.number)
            try list.pemEncoded().write(toFile: listPath, atomically: true, encoding: .utf8)
        }
    }

    @Test func theCAIsReplacedWhileNodesOfBothCarryOn() throws {
        let nexd = try TestDaemon { $0.metrics.enabled = true; $0.metrics.port = 0 }
        defer { nexd.remove() }
        // The old CA's list is at number 3 when the rotation starts.
        try nexd.pki.writeRevocationList()
        try nexd.pki.writeRevocationList()
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        let (oldSubscriber, oldRusumo) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try oldSubscriber.subscribe("notice.>", id: 1) == .accepted)
        let (oldPublisher, oldPublisherCredentials) = try nexd.connect(as: "gs.fr.lyon")

        // Both CAs trusted, one list each; the new CA's first list is number 1, below the old CA's 3.
        let new = try NewCA(nexd: nexd)
        try new.writeList()
        var both = nexd.configuration
        both.tls.ca = try TrustAnchorTests.writeCAFile([nexd.pki.ca, new.certificate], in: nexd, name: "old-and-new.pem")
        both.tls.crl = [nexd.pki.revocationListPath, new.listPath]
        guard case .applied(let summary) = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        #expect(summary.contains("revocation lists #3 of Test CA (key \(nexd.pki.ca.publicKey.fingerprint.hex.prefix(8))) with 0 revoked, next update"), "\(summary)")
        #expect(summary.contains("; #1 of Test CA (key \(new.certificate.publicKey.fingerprint.hex.prefix(8))) with 0 revoked, next update"), "\(summary)")
        // Two CAs named alike: each one's gauges carry the start of its key's fingerprint.
        let scrape = try MetricsEndpointTests.http(try #require(nexd.daemon.metricsPort), "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").body
        for ca in [nexd.pki.ca, new.certificate] {
            let label = "Test CA (key \(ca.publicKey.fingerprint.hex.prefix(8)))"
            #expect((MetricsEndpointTests.sample(scrape, "nexd_crl_next_update_seconds{ca=\"\(label)\"}") ?? 0) > 3_600, "\(scrape)")
            #expect((MetricsEndpointTests.sample(scrape, "nexd_certificate_expiry_seconds{certificate=\"ca:\(label)\"}") ?? 0) > 3_600)
        }

        let busia = try nexd.pki.credentials("bcp.ke.busia", issuer: (new.certificate, new.key))
        let newSubscriber = try nexd.connect(busia)
        #expect(try newSubscriber.subscribe("notice.>", id: 1) == .accepted)
        let notice = try signedNotice(from: oldPublisherCredentials)
        guard case .accepted = try oldPublisher.publish(notice) else { Issue.record("refused"); return }
        #expect(try newSubscriber.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        #expect(try oldSubscriber.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        // Who is still on the old CA (sampled once a second): rusumo and lyon; busia on the new one.
        let labels = [nexd.pki.ca, new.certificate].map { "nexd_sessions_by_ca{ca=\"Test CA (key \($0.publicKey.fingerprint.hex.prefix(8)))\"}" }
        var counts: [Double?] = []
        for _ in 0..<40 {
            let text = try MetricsEndpointTests.http(try #require(nexd.daemon.metricsPort), "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").body
            counts = labels.map { MetricsEndpointTests.sample(text, $0) }
            if counts == [2, 1] { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(counts == [2, 1])

        // The new CA revokes its node: only that session ends.
        try new.writeList(revoking: [busia.certificate.serialNumberHex])
        guard case .applied = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        #expect(ReloadTests.awaitRefusal(newSubscriber) == .permissionDenied)
        let revoked = try #require(try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" })
        #expect(revoked.string("reason") == "certificate-revoked")
        #expect(throws: ClientError.self) { _ = try nexd.connect(busia).subscribe("notice.>", id: 2) }

        // A serial the new CA revokes that an old-CA certificate also has: serials are per CA.
        let rusumo = try nexd.credentials("bcp.rw.rusumo")
        try new.writeList(revoking: [busia.certificate.serialNumberHex, rusumo.certificate.serialNumberHex])
        guard case .applied = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        #expect(try nexd.connect(rusumo).subscribe("notice.>", id: 1) == .accepted)
        #expect(try oldSubscriber.subscribe("notice.ke.>", id: 2) == .accepted, "the old CA's session carries on")

        // The old CA revokes its node's certificate while both are trusted: that session ends.
        try nexd.pki.writeRevocationList(revoking: [oldRusumo.certificate])
        guard case .applied = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        #expect(ReloadTests.awaitRefusal(oldSubscriber) == .permissionDenied)
        #expect(try nexd.awaitRecord {
            $0.event == "disconnect" && $0.string("node") == "bcp.rw.rusumo" && $0.string("reason") == "certificate-revoked"
        } != nil)
        #expect(throws: ClientError.self) { _ = try nexd.connect(oldRusumo).subscribe("notice.>", id: 1) }
        #expect(try nexd.connect(rusumo).subscribe("notice.>", id: 1) == .accepted, "another old-CA certificate of the node")

        // An older list of the new CA is refused, naming that CA; the running lists stay.
        try new.writeList(revoking: [], number: 1)
        guard case .refused(let older) = nexd.daemon.reload(to: both) else { Issue.record("applied"); return }
        #expect(older.contains("is number 1, older than"), "\(older)")
        try new.writeList(revoking: [busia.certificate.serialNumberHex, rusumo.certificate.serialNumberHex], number: 4)

        // The rotation ends: only the new CA. The old CA's sessions end at the reload.
        var newOnly = nexd.configuration
        newOnly.tls.ca = try TrustAnchorTests.writeCAFile([new.certificate], in: nexd, name: "new.pem")
        newOnly.tls.crl = [new.listPath]
        guard case .applied = nexd.daemon.reload(to: newOnly) else { Issue.record("refused"); return }
        #expect(ReloadTests.awaitRefusal(oldPublisher) == .permissionDenied)
        let ended = try #require(try nexd.awaitRecord {
            $0.event == "disconnect" && $0.string("node") == "gs.fr.lyon" && $0.string("reason") == "ca-removed"
        })
        #expect(ended.string("detail")?.contains("no longer in tls.ca") == true)
        #expect(throws: ClientError.self) { _ = try nexd.connect(rusumo).subscribe("notice.>", id: 1) }
        let newRusumo = try nexd.pki.credentials("bcp.rw.rusumo", issuer: (new.certificate, new.key))
        #expect(try nexd.connect(newRusumo).subscribe("notice.>", id: 1) == .accepted)

        // A restart keeps each CA's floor: the new CA's number 1 is refused, naming the crl-floor.
        nexd.stop()
        try new.writeList(revoking: [], number: 1)
        do {
            _ = try NexDaemon(configuration: newOnly, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            Issue.record("nexd started on an older list of the new CA")
        } catch {
            #expect(error.message.contains("crl-floor"), "\(error.message)")
        }
    }

    /// An audit certificate from a CA nexd no longer trusts (a CA rotation that forgot the audit key)
    /// is warned about at start: nodes that trust only tls.ca's CAs could not verify nexd's expires.
    @Test func anAuditCertificateOfAnUntrustedCAIsWarnedAbout() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        nexd.stop()
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "nexd") { _ in JSONLogHandler(label: "nexd", write: { line in lines.withLock { $0.append(line) } }) }
        try NexDaemon(configuration: nexd.configuration, logger: logger).stop()
        #expect(!lines.withLock { $0 }.contains { $0.contains("the audit certificate is not issued by a CA of tls.ca") })

        let new = try NewCA(nexd: nexd)
        let auditKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let audit = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit", notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400,
                               extendedKeyUsage: .timeStamping),
            for: auditKey.publicKey, issuer: new.certificate, issuerKey: new.key)
        var configuration = nexd.configuration
        configuration.audit.directory = nexd.root + "/audit-other"
        configuration.audit.certificate = nexd.pki.directory + "/audit-other.pem"
        configuration.audit.key = nexd.pki.directory + "/audit-other.key"
        try audit.pemEncoded().write(toFile: configuration.audit.certificate!, atomically: true, encoding: .utf8)
        try auditKey.pemEncoded().write(toFile: configuration.audit.key!, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.audit.key!)
        try NexDaemon(configuration: configuration, logger: logger).stop()
        #expect(lines.withLock { $0 }.contains { $0.contains("the audit certificate is not issued by a CA of tls.ca") })
    }

    /// With two CAs, one CA's list that expired while in force (its nodes are refused already) does
    /// not block a reload that brings the other CA's revocation.
    @Test func anExpiredListInForceDoesNotBlockTheOtherCAsRevocations() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let new = try NewCA(nexd: nexd)
        try new.writeList()
        try nexd.pki.writeRevocationList(nextUpdate: Date() + 1.5)
        var both = nexd.configuration
        both.tls.ca = try TrustAnchorTests.writeCAFile([nexd.pki.ca, new.certificate], in: nexd, name: "old-and-new.pem")
        both.tls.crl = [nexd.pki.revocationListPath, new.listPath]
        guard case .applied = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        let busia = try nexd.pki.credentials("bcp.ke.busia", issuer: (new.certificate, new.key))
        let session = try nexd.connect(busia)
        #expect(try session.subscribe("notice.>", id: 1) == .accepted)
        Thread.sleep(forTimeInterval: 2)
        try new.writeList(revoking: [busia.certificate.serialNumberHex])
        guard case .applied = nexd.daemon.reload(to: both) else { Issue.record("refused"); return }
        #expect(ReloadTests.awaitRefusal(session) == .permissionDenied)
        // A newly written list that is already expired is still refused.
        try nexd.pki.writeRevocationList(nextUpdate: Date() - 60)
        guard case .refused(let reason) = nexd.daemon.reload(to: both) else { Issue.record("applied"); return }
        #expect(reason.contains("expired"), "\(reason)")
    }

    /// Two roots of one name: OpenSSL tells them apart by key identifiers only, so a root without a
    /// subject key identifier beside a namesake is refused (a root made with `openssl req`).
    @Test func namesakeRootsNeedKeyIdentifiers() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let work = nexd.pki.directory + "/no-skid"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // A numbered list without an authority key identifier (`openssl ca -gencrl` without crl_extensions).
        try "".write(toFile: work + "/index.txt", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: work + "/crlnumber", atomically: true, encoding: .utf8)
        try "[ca]\ndefault_ca = d\n[d]\ndatabase = \(work)/index.txt\ncrlnumber = \(work)/crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n"
            .write(toFile: work + "/ca.cnf", atomically: true, encoding: .utf8)
        for arguments in [
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", work + "/key.pem"],
            ["req", "-x509", "-new", "-key", work + "/key.pem", "-subj", "/CN=Test CA", "-days", "2", "-config", "/dev/null",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=none", "-addext", "authorityKeyIdentifier=none", "-out", work + "/ca.pem"],
            ["ca", "-gencrl", "-config", work + "/ca.cnf", "-keyfile", work + "/key.pem", "-cert", work + "/ca.pem", "-out", work + "/ca.crl.pem"],
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "openssl \(arguments.first ?? "")")
        }
        let root = try #require(try Certificate.certificates(pemFile: work + "/ca.pem").first)
        #expect(root.subjectKeyIdentifier == nil && nexd.pki.ca.subjectKeyIdentifier != nil)
        let list = try CertificateRevocationList(pemFile: work + "/ca.crl.pem")
        #expect(list.crlNumber == 1 && list.authorityKeyIdentifier == nil && list.isSigned(by: root))
        #expect(try CertificateRevocationList(pemFile: nexd.pki.revocationListPath).authorityKeyIdentifier == nexd.pki.ca.subjectKeyIdentifier)
        var configuration = nexd.configuration
        configuration.tls.ca = try TrustAnchorTests.writeCAFile([nexd.pki.ca, root], in: nexd, name: "namesakes.pem")
        configuration.tls.crl = [nexd.pki.revocationListPath, work + "/ca.crl.pem"]
        let (reload, start) = try TrustAnchorTests.refusals(of: configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("are named CN=Test CA") && reason.contains("no subject key identifier"), "\(reason)")
        }
    }

    /// OpenSSL refuses the nodes of a trusted CA without a list (`unable to get certificate CRL`):
    /// nexd refuses such a config instead, and two lists of one CA (which one is in force?).
    @Test func everyCANeedsExactlyOneList() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let new = try NewCA(nexd: nexd)
        try new.writeList()
        var configuration = nexd.configuration
        configuration.tls.ca = try TrustAnchorTests.writeCAFile([nexd.pki.ca, new.certificate], in: nexd, name: "old-and-new.pem")
        let (reload, start) = try TrustAnchorTests.refusals(of: configuration, by: nexd)
        for reason in [reload, start] {
            #expect(reason.contains("has no revocation list in tls.crl"), "\(reason)")
        }
        configuration.tls.crl = [nexd.pki.revocationListPath, new.listPath, nexd.pki.revocationListPath]
        let (twiceReload, twiceStart) = try TrustAnchorTests.refusals(of: configuration, by: nexd)
        for reason in [twiceReload, twiceStart] {
            #expect(reason.contains("are both of the CA"), "\(reason)")
        }
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
    }
}
