import NexClient
import NexServer
import NexSync
import NexWire
import Testing

/// Nothing nexd tells a node depends on who else is connected (D33): the ACK of a restricted
/// notice is the same whether the node it denies is connected and subscribed or not, and a
/// `certificateRequest` answers only for the requester itself and the originators of notices
/// delivered to it on that connection.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PresenceProbeTests {
    /// A diffusion from Kigali for Rwanda and Uganda that denies Kampala by name.
    static func diffusion(from credentials: NodeCredentials, allowedCountries: [String] = ["rw", "ug"],
                          deniedNodes: [String] = ["ncb.ug.kampala"]) throws -> SignedEnvelope {
        let envelope = Envelope(
            messageID: .random(), sender: "ncb.rw.kigali", topic: "diffusion.rw", kind: "diffusion",
            issuedAtMillis: WallClock.nowMillis(), allowedCountries: allowedCountries, deniedNodes: deniedNodes,
            payload: Array(#"{"kind":"diffusion","purpose":"locate","summary":"FICTIONAL test","from_ncb":"ncb.rw.kigali"}"#.utf8))
        return try NoticeSigner.sign(envelope, with: credentials.key)
    }

    /// What of an ACK a publisher could compare between two publishes (the sequence always moves).
    static func observable(_ ack: Ack) -> [String] {
        ["flags=\(ack.flags.rawValue)"] + ack.extensions.map { "tag \($0.tag)=\($0.value)" }
    }

    @Test func theAckOfARestrictedNoticeIsTheSameWhetherTheDeniedNodeIsConnectedOrNot() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let kampalaCredentials = try nexd.credentials("ncb.ug.kampala")

        // Kampala not connected.
        guard case .accepted(let absent) = try kigali.publish(Self.diffusion(from: credentials)) else { Issue.record("refused"); return }

        // Kampala connected but not subscribed.
        let kampala = try nexd.connect(kampalaCredentials)
        guard case .accepted(let idle) = try kigali.publish(Self.diffusion(from: credentials)) else { Issue.record("refused"); return }

        // Kampala connected and subscribed to the topic: it is withheld (the routing record says so).
        #expect(try kampala.subscribe("diffusion.>", id: 1) == .accepted)
        let withheldNotice = try Self.diffusion(from: credentials)
        guard case .accepted(let present) = try kigali.publish(withheldNotice) else { Issue.record("refused"); return }
        #expect(throws: ClientError.self, "Kampala received a diffusion that denies it") {
            try kampala.nextDelivery(timeout: .milliseconds(300))
        }
        let id = withheldNotice.envelope.messageID.description
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == id })
        let withheld = (route.members["withheld"] as? [[String: Any]])?.compactMap { $0["node"] as? String }
        #expect(withheld == ["ncb.ug.kampala"])

        #expect(Self.observable(absent) == Self.observable(idle))
        #expect(Self.observable(absent) == Self.observable(present))
        #expect(present.extensions.isEmpty)  // tag 1 (the withheld count) is retired, and no other is sent
    }

    @Test func aNodeCannotFetchTheCertificateOfANodeWhoseNoticeItNeverReceived() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try kampala.subscribe("diffusion.>", id: 1) == .accepted)
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        // nexd now holds Kigali's certificate (its certificate record), but Kampala was denied the notice.
        guard case .accepted = try kigali.publish(Self.diffusion(from: kigaliCredentials)) else { Issue.record("refused"); return }
        _ = try #require(try nexd.awaitRecord { $0.event == "route" })
        let kigaliFingerprint = kigaliCredentials.certificate.fingerprint.bytes

        #expect(try kampala.fetchCertificate(fingerprint: kigaliFingerprint) == nil)
        let (busia, _) = try nexd.connect(as: "bcp.ke.busia")  // never subscribed at all
        #expect(try busia.fetchCertificate(fingerprint: kigaliFingerprint) == nil)
        // The answer to an unknown fingerprint is the same empty one.
        #expect(try busia.fetchCertificate(fingerprint: [UInt8](repeating: 0xA5, count: 32)) == nil)
        // Its own certificate a node may always fetch, published or not.
        let own = try kampala.fetchCertificate(fingerprint: kampalaCredentials.certificate.fingerprint.bytes)
        #expect(own?.derBytes == kampalaCredentials.certificate.derBytes)
        // The publisher may fetch its own too.
        #expect(try kigali.fetchCertificate(fingerprint: kigaliFingerprint)?.derBytes == kigaliCredentials.certificate.derBytes)
    }

    @Test func aSubscriberCanFetchTheOriginatorOfANoticeDeliveredOnItsConnection() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try kampala.subscribe("diffusion.>", id: 1) == .accepted)
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        let notice = try Self.diffusion(from: kigaliCredentials, allowedCountries: ["ug"], deniedNodes: [])
        guard case .accepted = try kigali.publish(notice) else { Issue.record("refused"); return }
        let delivery = try kampala.nextDelivery(timeout: .seconds(5))
        #expect(delivery.certificateFingerprint == kigaliCredentials.certificate.fingerprint.bytes)

        let originator = try kampala.fetchCertificate(fingerprint: delivery.certificateFingerprint)
        #expect(originator?.derBytes == kigaliCredentials.certificate.derBytes)
        #expect(DeliveryVerifier.verify(delivery, certificate: originator, trustRoots: kampalaCredentials.trustRoots).isVerified)

        // Per connection: the same node on a new connection has had nothing delivered yet.
        let again = try nexd.connect(kampalaCredentials)
        #expect(try again.fetchCertificate(fingerprint: delivery.certificateFingerprint) == nil)
    }
}
