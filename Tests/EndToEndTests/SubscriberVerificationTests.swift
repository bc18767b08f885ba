import Foundation
import NexClient
import NexCrypto
import NexServer
import Testing

/// The subscriber's own check over a real nexd: a notice nexd accepts from a node of a CA the
/// subscriber does not trust is delivered, but not "verified" for that subscriber.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct SubscriberVerificationTests {
    @Test func aPublisherOfAnotherCATrustedByNexdIsNotVerifiedByTheSubscriber() throws {
        // Without tls.crl (with it, each CA would need its own list: CARotationTests).
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-subver-\(UUID().uuidString)").path
        let pki = try TestPKI(directory: root + "/pki")
        let other = try pki.otherCA()
        let bundle = pki.directory + "/two-roots.pem"
        try (pki.ca.pemEncoded() + other.0.pemEncoded()).write(toFile: bundle, atomically: true, encoding: .utf8)
        let nexd = try TestDaemon(root: root, pki: pki) { configuration in
            configuration.tls.ca = bundle
            configuration.tls.crl = []
        }
        defer { nexd.remove() }

        // The subscriber trusts only the test CA (TestPKI credentials carry trustRoots [ca]).
        let (subscriber, subscriberCredentials) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        for issuer in [nil, other] {
            let publisherCredentials = try nexd.pki.credentials("gs.fr.lyon", issuer: issuer)
            let publisher = try nexd.connect(publisherCredentials)
            guard case .accepted = try publisher.publish(try signedNotice(from: publisherCredentials)) else {
                Issue.record("nexd refused the publish")
                return
            }
            let delivery = try subscriber.nextDelivery(timeout: .seconds(5))
            let certificate = try subscriber.fetchCertificate(fingerprint: delivery.certificateFingerprint)
            let outcome = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: subscriberCredentials.trustRoots)
            if issuer == nil {
                #expect(outcome.isVerified, "\(outcome)")
            } else {
                guard case .notVerified(let failure) = outcome else { Issue.record("verified"); return }
                #expect(failure.code == .untrustedCertificate)
                #expect(failure.reason.contains("Other Root"))
            }
        }
    }
}
