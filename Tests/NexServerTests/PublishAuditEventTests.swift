import NexAudit
import NexBroker
import NexCrypto
import NexWire
import Testing
@testable import NexServer

/// The publish path's audit records, built by their constructors.
@Suite struct PublishAuditEventTests {
    static func verified() throws -> VerifiedPublish {
        let (identity, key) = try SignatureVerificationTests.identity(.ecdsaP256SHA256)
        return try SignatureVerification(identity: identity).verify(try SignatureVerificationTests.unverified(signedWith: key)).get()
    }

    @Test func anAcceptanceKeepsTheEnvelopeAsReceived() throws {
        let verified = try Self.verified()
        let event = AuditEvent.publishAccepted(verified, connection: 4)
        #expect(event.kind == .publish && event.outcome == .accepted)
        #expect(event.timeMillis == verified.receivedAtMillis)
        #expect(event.connection == 4 && event.node == "ncb.fr.paris" && event.country == "fr" && event.peer == "127.0.0.1:1")
        #expect(event.certificateFingerprint == verified.identity.certificate.fingerprint.hex)
        #expect(event.messageID == verified.envelope.messageID.description)
        #expect(event.topic == "notice.red.fr" && event.noticeKind == "red")
        #expect(event.signedDigest == verified.digest.hex)
        #expect(event.issuedAtMillis == verified.envelope.issuedAtMillis)
        #expect(event.envelope == verified.wireBytes)
    }

    @Test func aDuplicateNamesTheOriginal() throws {
        let event = AuditEvent.publishDuplicate(try Self.verified(), connection: 4, originalSequence: 17)
        #expect(event.outcome == .duplicate && event.acceptedSequence == 17)
        #expect(event.detail == "byte-identical re-send answered with the original ACK")
        #expect(event.envelope == nil)
    }

    @Test func aRefusalIsBoundedAndNamesTheCode() throws {
        let verified = try Self.verified()
        let candidate = PublishCandidate(connectionID: 2, identity: verified.identity, receivedAtMillis: 5,
                                         outcome: .refused(PublishRefusal(.badSignature, "x", envelope: nil)))
        let event = AuditEvent.publishRefused(candidate, code: .badSignature, detail: String(repeating: "d", count: 5000))
        #expect(event.outcome == .refused && event.reason == "bad-signature" && event.timeMillis == 5)
        #expect(event.messageID == nil)
        #expect((event.detail?.utf8.count ?? 0) < 5000)
    }

    @Test func aCertificateOnFirstUseKeepsItsBytes() throws {
        let identity = try Self.verified().identity
        let event = AuditEvent.certificateFirstSeen(identity, atMillis: 9)
        #expect(event.kind == .certificate && event.timeMillis == 9 && event.node == identity.id)
        #expect(event.certificateDER == identity.certificate.derBytes)
        #expect(event.detail == identity.certificate.subjectDescription)
    }

    @Test func aRouteListsWithheldOnlyWhenRestrictedOrWithheld() throws {
        let verified = try Self.verified()
        let recipient = RoutingDecision.Recipient(connection: 3, node: "a.ke.one", subscriptionIDs: [1, 2])
        let plain = AuditEvent.route(RoutingDecision(recipients: [recipient], withheld: [], restrictions: .init()), of: verified, atMillis: 8)
        #expect(plain.kind == .route && plain.timeMillis == 8 && plain.node == "ncb.fr.paris" && plain.topic == "notice.red.fr")
        #expect(plain.recipients == [AuditEvent.Recipient(node: "a.ke.one", connection: 3, subscriptions: [1, 2])])
        #expect(plain.withheld == nil && plain.restrictions == nil)

        let restricted = AuditEvent.route(RoutingDecision(recipients: [], withheld: [], restrictions: .init(deniedCountries: ["tz"])),
                                          of: verified, atMillis: 8)
        #expect(restricted.withheld == [] && restricted.restrictions == "deny-countries=tz")

        let denied = RoutingDecision.Withheld(connection: 6, node: "b.ke.two", reason: .subscriberPermission)
        let withheld = AuditEvent.route(RoutingDecision(recipients: [], withheld: [denied], restrictions: .init()), of: verified, atMillis: 8)
        #expect(withheld.withheld == [AuditEvent.Withheld(node: "b.ke.two", connection: 6, reason: "subscriber-permission")])
        #expect(withheld.restrictions == nil)
    }
}
