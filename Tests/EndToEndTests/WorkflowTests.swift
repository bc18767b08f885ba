import Foundation
import NexAudit
import NexBroker
import NexClient
import NexConfig
import NexNotices
import NexServer
import NexSync
import NexWire
import Testing

/// The police workflow over real mTLS with the shipped permission rules (Config/nexd.yaml).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct WorkflowTests {
    static func daemon() throws -> TestDaemon {
        let policy = try TestDaemon.workflowPolicy()
        return try TestDaemon { configuration in
            configuration.permissions = policy
            configuration.roster = Roster(TestDaemon.roster + [
                RosterEntry(id: "ncb.ke.nairobi", role: .ncb, country: "ke"),
                RosterEntry(id: "ncb.tz.dar-es-salaam", role: .ncb, country: "tz"),
            ])
        }
    }

    @Test func aRestrictedDiffusionReachesOnlyTheNamedCountries() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        var subscribers: [String: NexConnection] = [:]
        for node in ["ncb.ug.kampala", "ncb.ke.nairobi", "ncb.tz.dar-es-salaam"] {
            let (connection, _) = try nexd.connect(as: node)
            #expect(try connection.subscribe("diffusion.>", id: 1) == .accepted)
            subscribers[node] = connection
        }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let envelope = Envelope(
            messageID: .random(), sender: "ncb.rw.kigali", topic: "diffusion.rw", kind: "diffusion",
            issuedAtMillis: WallClock.nowMillis(), allowedCountries: ["ug", "ke"], deniedCountries: ["ke"],
            payload: Array(#"{"kind":"diffusion","purpose":"locate","summary":"FICTIONAL test","from_ncb":"ncb.rw.kigali"}"#.utf8))
        let diffusion = try NoticeSigner.sign(envelope, with: credentials.key)
        guard case .accepted(let ack) = try kigali.publish(diffusion) else { Issue.record("refused"); return }
        #expect(ack.extensions.isEmpty)     // who was withheld, or how many, is for the audit log only (D33)

        #expect(try subscribers["ncb.ug.kampala"]!.nextDelivery(timeout: .seconds(5)).envelope == diffusion.wireBytes)
        for node in ["ncb.ke.nairobi", "ncb.tz.dar-es-salaam"] {
            #expect(throws: ClientError.self, "\(node) received a diffusion withheld from it") {
                try subscribers[node]!.nextDelivery(timeout: .milliseconds(300))
            }
        }
        let id = diffusion.envelope.messageID.description
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == id })
        let recipients = (route.members["recipients"] as? [[String: Any]])?.compactMap { $0["node"] as? String }
        #expect(recipients == ["ncb.ug.kampala"])
        let withheld = (route.members["withheld"] as? [[String: Any]])?.map { "\($0["node"] as? String ?? ""):\($0["reason"] as? String ?? "")" }
        #expect(Set(withheld ?? []) == ["ncb.ke.nairobi:denied-country", "ncb.tz.dar-es-salaam:not-in-allowed"])
        #expect(route.string("restrictions") == "allow-countries=ke,ug deny-countries=ke")
    }

    @Test func deniedPublishesAndSubscribesAreRefusedAndAudited() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (border, borderCredentials) = try nexd.connect(as: "bcp.rw.rusumo")
        // Border points only read notices: no hit subscriptions, no notice publishing.
        guard case .refused(let subnack) = try border.subscribe("hit.rw", id: 1) else { Issue.record("bcp subscribed to hits"); return }
        #expect(subnack.code == .permissionDenied)
        let notice = try signedNotice(from: borderCredentials, topic: "notice.red.rw")
        guard case .refused(let nack) = try border.publish(notice) else { Issue.record("bcp published a notice"); return }
        #expect(nack.code == .permissionDenied)
        // An NCB may not read requests (only the General Secretariat reviews them).
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        guard case .refused(let denied) = try kigali.subscribe("request.>", id: 1) else { Issue.record("ncb read requests"); return }
        #expect(denied.code == .permissionDenied)
        // … and may request only for its own country.
        let foreign = try signedNotice(from: kigaliCredentials, topic: "request.red.ug")
        guard case .refused(let foreignNack) = try kigali.publish(foreign) else { Issue.record("cross-country request"); return }
        #expect(foreignNack.code == .permissionDenied)

        let records = try nexd.auditRecords()
        #expect(records.contains { $0.event == "subscribe" && $0.string("filter") == "hit.rw" && $0.string("reason") == "permission-denied" })
        #expect(records.contains { $0.event == "publish" && $0.string("msg") == notice.envelope.messageID.description && $0.string("reason") == "permission-denied" })
        #expect(records.contains { $0.event == "subscribe" && $0.string("filter") == "request.>" && $0.string("reason") == "permission-denied" })
    }

    @Test func theRequestNoticeHitRoundTripFollowsTheRoles() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try gs.subscribe("request.>", id: 1) == .accepted)
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(try kigali.subscribe("hit.rw.*", id: 1) == .accepted)
        let (rusumo, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try rusumo.subscribe("notice.>", id: 1) == .accepted)
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        #expect(try busia.subscribe("notice.>", id: 1) == .accepted)

        let request = try signedNotice(from: kigaliCredentials, topic: "request.red.rw")
        guard case .accepted = try kigali.publish(request) else { Issue.record("request refused"); return }
        #expect(try gs.nextDelivery(timeout: .seconds(5)).originNode == "ncb.rw.kigali")

        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw")
        guard case .accepted = try gs.publish(notice) else { Issue.record("notice refused"); return }
        #expect(try rusumo.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        #expect(try busia.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)

        let hit = try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit", matching: notice.envelope.messageID)
        guard case .accepted = try busia.publish(hit) else { Issue.record("hit refused"); return }
        let delivered = try kigali.nextDelivery(timeout: .seconds(5))
        #expect(delivered.originNode == "bcp.ke.busia")
        #expect(delivered.envelope == hit.wireBytes)
    }

    @Test(arguments: [
        ("notice.red.rw", "yellow"), ("notice.red", "red"), ("hit.rw", "red"), ("diffusion.rw", "hit"), ("alert.cyber.eastafrica", "hit"),
        ("alert.cyber.eastafrica", "red"), ("alert.red.rw", "red"), ("hit.xyz", "hit"), ("hit.rw.x", "hit"), ("hit.rw", "hit"), ("chat.rw", "red"),
        ("notice.red.rwa", "red"), ("decision.rw", "red"), ("notice.decision.rw", "decision"), ("decision.rw.x", "decision"),
        ("request.un-special.rw", "un-special"),
    ])
    func aKindThatDoesNotFitItsTopicIsRefused(topic: String, kind: String) throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, credentials) = try nexd.connect(as: "gs.fr.lyon")
        guard case .refused(let nack) = try publisher.publish(try signedNotice(from: credentials, topic: topic, kind: kind)) else {
            Issue.record("accepted \(kind) on \(topic)")
            return
        }
        #expect(nack.code == .invalidNotice)
    }

    @Test func anAlertMayCarryOrangeAndPurpleNotices() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, credentials) = try nexd.connect(as: "gs.fr.lyon")
        for kind in ["orange", "purple"] {
            guard case .accepted = try publisher.publish(try signedNotice(from: credentials, topic: "alert.cbrne.eastafrica", kind: kind)) else {
                Issue.record("\(kind) alert refused")
                continue
            }
        }
    }

    @Test(arguments: [
        (["TZ"], [String](), [String](), "denied countries"), (["tza"], [], [], "denied countries"), ([""], [], [], "denied countries"),
        ([], ["UG"], [], "allowed countries"), ([], [], ["NCB.TZ.dar"], "denied nodes"),
    ])
    func malformedRestrictionsAreRefusedNotIgnored(denied: [String], allowed: [String], deniedNodes: [String], list: String) throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, credentials) = try nexd.connect(as: "gs.fr.lyon")
        let envelope = Envelope(
            messageID: .random(), sender: "gs.fr.lyon", topic: "notice.red.rw", kind: "red", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: allowed, deniedCountries: denied, deniedNodes: deniedNodes,
            payload: Array(NoticeTemplate.document(for: .red).utf8))
        guard case .refused(let nack) = try publisher.publish(try NoticeSigner.sign(envelope, with: credentials.key)) else {
            Issue.record("accepted malformed restrictions")
            return
        }
        #expect(nack.code == .invalidNotice)
        #expect(nack.reason.hasPrefix(list))
    }

    @Test func identitiesInsideTheDocumentMustBeTheSender() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let forged = #"{"kind":"diffusion","purpose":"locate","summary":"FICTIONAL","from_ncb":"ncb.ug.kampala"}"#
        let envelope = Envelope(
            messageID: .random(), sender: "ncb.rw.kigali", topic: "diffusion.rw", kind: "diffusion", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: ["ug"], payload: Array(forged.utf8))
        guard case .refused(let nack) = try kigali.publish(try NoticeSigner.sign(envelope, with: credentials.key)) else {
            Issue.record("accepted a diffusion claiming another NCB")
            return
        }
        #expect(nack.code == .invalidNotice)
        #expect(nack.reason.contains("from_ncb"))
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        let hit = NoticeTemplate.document(for: .hit).replacingOccurrences(of: "bcp.zz.example", with: "bcp.rw.rusumo")
        guard case .refused(let hitNack) = try busia.publish(try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit", payload: hit)) else {
            Issue.record("accepted a hit claiming another checkpoint")
            return
        }
        #expect(hitNack.reason.contains("checkpoint"))
    }

    @Test func aPartialDenyWithholdsOnlyThoseNoticesAndTheRoutingRecordSaysSo() throws {
        var policy = TestDaemon.unrestricted
        policy.roles["bcp"] = ActionPermissions(publish: .init(allow: ["hit.*.%country"]), subscribe: .init(allow: ["notice.>"], deny: ["notice.black.>"]))
        let nexd = try TestDaemon { $0.permissions = policy }
        defer { nexd.remove() }
        let (border, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try border.subscribe("notice.>", id: 1) == .accepted)
        let (gs, credentials) = try nexd.connect(as: "gs.fr.lyon")
        let black = try signedNotice(from: credentials, topic: "notice.black.rw", kind: "black")
        let red = try signedNotice(from: credentials, topic: "notice.red.rw")
        guard case .accepted(let blackAck) = try gs.publish(black), case .accepted = try gs.publish(red) else {
            Issue.record("refused")
            return
        }
        #expect(blackAck.extensions.isEmpty)  // the publisher learns nothing of others' permissions
        #expect(try border.nextDelivery(timeout: .seconds(5)).envelope == red.wireBytes)
        let id = black.envelope.messageID.description
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == id })
        let withheld = route.members["withheld"] as? [[String: Any]]
        #expect(withheld?.first?["reason"] as? String == "subscriber-permission")
        #expect(withheld?.first?["node"] as? String == "bcp.rw.rusumo")
    }

    @Test func theOriginatorAlwaysSeesItsOwnRestrictedNotice() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(try kigali.subscribe("diffusion.>", id: 1) == .accepted)
        let (tz, _) = try nexd.connect(as: "ncb.tz.dar-es-salaam")
        #expect(try tz.subscribe("diffusion.>", id: 1) == .accepted)
        let envelope = Envelope(
            messageID: .random(), sender: "ncb.rw.kigali", topic: "diffusion.rw", kind: "diffusion", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: ["ug"], payload: Array(#"{"kind":"diffusion","purpose":"locate","summary":"FICTIONAL","from_ncb":"ncb.rw.kigali"}"#.utf8))
        let diffusion = try NoticeSigner.sign(envelope, with: credentials.key)
        guard case .accepted(let ack) = try kigali.publish(diffusion) else { Issue.record("refused"); return }
        #expect(ack.extensions.isEmpty)  // Tanzania's withholding is in the routing record only
        #expect(try kigali.nextDelivery(timeout: .seconds(5)).envelope == diffusion.wireBytes)
    }

    @Test func aDiffusionMustNameItsCountries() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let unnamed = try signedNotice(from: credentials, topic: "diffusion.rw", kind: "diffusion", payload: #"{"kind":"diffusion"}"#)
        guard case .refused(let nack) = try publisher.publish(unnamed) else { Issue.record("accepted"); return }
        #expect(nack.code == .invalidNotice)
        #expect(nack.reason.contains("allowed countries"))
    }
}
