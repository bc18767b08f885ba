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

/// The workflow rules of D55 and D59 over real mTLS, with the shipped permissions: each refusal is
/// a NACK with its reason and a refused publish record, and nexd keeps serving.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct WorkflowRuleRefusalTests {
    static let roster = TestDaemon.roster + [
        RosterEntry(id: "ncb.ke.nairobi", role: .ncb, country: "ke"),
        RosterEntry(id: "cyber.rw.kigali", role: .cyber, country: "rw"),
        // A second Kenyan post: answers to Busia's hit must not reach it (D63).
        RosterEntry(id: "bcp.ke.malaba", role: .bcp, country: "ke"),
    ]

    static func daemon(permissions: PermissionPolicy? = nil) throws -> TestDaemon {
        let policy = try permissions ?? TestDaemon.workflowPolicy()
        return try TestDaemon { configuration in
            configuration.permissions = policy
            configuration.roster = Roster(roster)
        }
    }

    /// Publishes and expects a refusal with `code` whose reason contains `reason`; the audit log
    /// records the refusal with the same reason.
    static func expectRefused(_ notice: SignedEnvelope, on connection: NexConnection, by nexd: TestDaemon,
                              code: WireErrorCode, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard case .refused(let nack) = try connection.publish(notice) else {
            Issue.record("accepted \(notice.envelope.kind) on \(notice.envelope.topic)", sourceLocation: sourceLocation)
            return
        }
        #expect(nack.code == code, "\(nack.reason)", sourceLocation: sourceLocation)
        #expect(nack.reason.contains(reason), "\(nack.reason)", sourceLocation: sourceLocation)
        let id = notice.envelope.messageID.description
        let record = try nexd.awaitRecord { $0.event == "publish" && $0.string("msg") == id }
        #expect(record?.string("outcome") == "refused", sourceLocation: sourceLocation)
        #expect(record?.string("reason") == code.name, sourceLocation: sourceLocation)
        #expect(record?.string("detail")?.contains(reason) == true, sourceLocation: sourceLocation)
    }

    static func red(requestedBy: String) -> String {
        NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"\(requestedBy)\"")
    }

    @Test func aRequestNamingAnotherNCBIsRefused() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let forged = try signedNotice(from: credentials, topic: "request.red.rw", payload: Self.red(requestedBy: "ncb.ug.kampala"))
        try Self.expectRefused(forged, on: kigali, by: nexd, code: .invalidNotice,
                               reason: #"field "requested_by": a request names its sender: expected "ncb.rw.kigali""#)
        // The same connection goes on: its own request is accepted.
        guard case .accepted = try kigali.publish(try signedNotice(from: credentials, topic: "request.red.rw")) else {
            Issue.record("the NCB's own request was refused"); return
        }
    }

    @Test func aNoticeMustNameARosterNCBOfItsCountry() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, credentials) = try nexd.connect(as: "gs.fr.lyon")
        let otherCountry = try signedNotice(from: credentials, topic: "notice.red.ke", payload: Self.red(requestedBy: "ncb.rw.kigali"))
        try Self.expectRefused(otherCountry, on: gs, by: nexd, code: .invalidNotice,
                               reason: #""ncb.rw.kigali" is the NCB of rw, not of ke"#)
        let offRoster = try signedNotice(from: credentials, topic: "notice.red.ke", payload: Self.red(requestedBy: "ncb.ke.mombasa"))
        try Self.expectRefused(offRoster, on: gs, by: nexd, code: .invalidNotice, reason: #""ncb.ke.mombasa" is not on the roster"#)
        guard case .accepted = try gs.publish(try signedNotice(from: credentials, topic: "notice.red.ke", payload: Self.red(requestedBy: "ncb.ke.nairobi"))) else {
            Issue.record("a notice naming Kenya's NCB was refused"); return
        }
    }

    /// The shipped permissions no longer let an NCB publish alerts; and even a config that would,
    /// cannot: nexd's review rule refuses it (only the GS, and a cybercrime centre on alert.cyber.>).
    @Test func anNCBAlertIsRefusedWhateverThePermissionsSay() throws {
        let shipped = try Self.daemon()
        let (kigali, credentials) = try shipped.connect(as: "ncb.rw.kigali")
        let alert = try signedNotice(from: credentials, topic: "alert.cbrne.eastafrica", kind: "orange")
        try Self.expectRefused(alert, on: kigali, by: shipped, code: .permissionDenied, reason: "ncb.rw.kigali (ncb): ")
        shipped.remove()

        let permissive = try Self.daemon(permissions: TestDaemon.unrestricted)
        defer { permissive.remove() }
        let (ncb, ncbCredentials) = try permissive.connect(as: "ncb.rw.kigali")
        try Self.expectRefused(try signedNotice(from: ncbCredentials, topic: "alert.cbrne.eastafrica", kind: "orange"), on: ncb, by: permissive,
                               code: .permissionDenied, reason: "only the General Secretariat publishes alert.> (the notice review rule, D55)")
        let (cyber, cyberCredentials) = try permissive.connect(as: "cyber.rw.kigali")
        try Self.expectRefused(try signedNotice(from: cyberCredentials, topic: "alert.terrorism.eastafrica", kind: "purple"), on: cyber,
                               by: permissive, code: .permissionDenied, reason: "a cybercrime centre alert.cyber.>")
        guard case .accepted = try cyber.publish(try signedNotice(from: cyberCredentials, topic: "alert.cyber.eastafrica", kind: "purple")) else {
            Issue.record("the cybercrime centre's cyber alert was refused"); return
        }
        let (gs, gsCredentials) = try permissive.connect(as: "gs.fr.lyon")
        guard case .accepted = try gs.publish(try signedNotice(from: gsCredentials, topic: "alert.cbrne.eastafrica", kind: "orange")) else {
            Issue.record("the General Secretariat's alert was refused"); return
        }
    }

    /// The roster checks use the roster in force: a reload that adds Tanzania's NCB lets an open
    /// connection name it (as requesting NCB, and as a diffusion's country) at once.
    @Test func theRulesJudgeByTheRosterInForceAfterAReload() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let tanzania = try signedNotice(from: gsCredentials, topic: "notice.red.tz", payload: Self.red(requestedBy: "ncb.tz.dar-es-salaam"))
        try Self.expectRefused(tanzania, on: gs, by: nexd, code: .invalidNotice, reason: #""ncb.tz.dar-es-salaam" is not on the roster"#)
        try Self.expectRefused(try Self.diffusion(from: credentials, allowedCountries: ["tz"]), on: kigali, by: nexd,
                               code: .invalidNotice, reason: #"allowed countries: "tz" has no node on the roster"#)

        var configuration = nexd.configuration
        configuration.roster = Roster(Self.roster + [RosterEntry(id: "ncb.tz.dar-es-salaam", role: .ncb, country: "tz")])
        guard case .applied = nexd.daemon.reload(to: configuration) else { Issue.record("reload refused"); return }
        guard case .accepted = try gs.publish(try signedNotice(from: gsCredentials, topic: "notice.red.tz",
                                                               payload: Self.red(requestedBy: "ncb.tz.dar-es-salaam"))) else {
            Issue.record("a notice naming Tanzania's NCB was refused after the reload"); return
        }
        guard case .accepted = try kigali.publish(try Self.diffusion(from: credentials, allowedCountries: ["tz"])) else {
            Issue.record("a diffusion to Tanzania was refused after the reload"); return
        }
    }

    static func diffusion(from credentials: NodeCredentials, allowedCountries: [String] = [], allowedNodes: [String] = [],
                          deniedCountries: [String] = [], deniedNodes: [String] = []) throws -> SignedEnvelope {
        let envelope = Envelope(
            messageID: .random(), sender: credentials.nodeID, topic: "diffusion.rw", kind: "diffusion", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: allowedCountries, deniedCountries: deniedCountries, allowedNodes: allowedNodes, deniedNodes: deniedNodes,
            payload: Array(#"{"kind":"diffusion","purpose":"locate","summary":"FICTIONAL","from_ncb":"ncb.rw.kigali"}"#.utf8))
        return try NoticeSigner.sign(envelope, with: credentials.key)
    }

    @Test func aDiffusionToACountryOrNodeOffTheRosterIsRefused() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        try Self.expectRefused(try Self.diffusion(from: credentials, allowedCountries: ["ug", "zz"]), on: kigali, by: nexd,
                               code: .invalidNotice, reason: #"allowed countries: "zz" has no node on the roster"#)
        try Self.expectRefused(try Self.diffusion(from: credentials, allowedNodes: ["ncb.zz.nowhere"]), on: kigali, by: nexd,
                               code: .invalidNotice, reason: #"allowed nodes: "ncb.zz.nowhere" is not on the roster"#)
        try Self.expectRefused(try Self.diffusion(from: credentials, allowedCountries: ["ug"], deniedCountries: ["tz"]), on: kigali, by: nexd,
                               code: .invalidNotice, reason: #"denied countries: "tz" has no node on the roster"#)
        guard case .accepted = try kigali.publish(try Self.diffusion(from: credentials, allowedCountries: ["ug"])) else {
            Issue.record("a diffusion to Uganda was refused"); return
        }
    }

    /// D55: every diffusion is copied to the General Secretariat for compliance review, even when
    /// the originator's restrictions leave it out or deny it; the routing record marks the copy.
    @Test(arguments: [("allowed elsewhere", [String](), [String]()), ("denied by country", ["fr"], []),
                      ("denied by node", [], ["gs.fr.lyon"])])
    func theGeneralSecretariatReceivesEveryDiffusionForCompliance(_ name: String, deniedCountries: [String], deniedNodes: [String]) throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, _) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try gs.subscribe("diffusion.>", id: 1) == .accepted)
        let (kampala, _) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try kampala.subscribe("diffusion.>", id: 1) == .accepted)
        let (nairobi, _) = try nexd.connect(as: "ncb.ke.nairobi")
        #expect(try nairobi.subscribe("diffusion.>", id: 1) == .accepted)
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let diffusion = try Self.diffusion(from: credentials, allowedCountries: ["ug"], deniedCountries: deniedCountries, deniedNodes: deniedNodes)
        guard case .accepted = try kigali.publish(diffusion) else { Issue.record("refused"); return }
        #expect(try gs.nextDelivery(timeout: .seconds(5)).envelope == diffusion.wireBytes)
        #expect(try kampala.nextDelivery(timeout: .seconds(5)).envelope == diffusion.wireBytes)
        #expect(throws: ClientError.self, "Kenya received a diffusion withheld from it") { try nairobi.nextDelivery(timeout: .milliseconds(300)) }

        let id = diffusion.envelope.messageID.description
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == id })
        let recipients = try #require(route.members["recipients"] as? [[String: Any]])
        #expect(recipients.first { $0["node"] as? String == "gs.fr.lyon" }?["exception"] as? String == "compliance")
        #expect(recipients.first { $0["node"] as? String == "ncb.ug.kampala" }?["exception"] == nil)
        let withheld = (route.members["withheld"] as? [[String: Any]])?.compactMap { $0["node"] as? String }
        #expect(withheld == ["ncb.ke.nairobi"])
        let line = try String(contentsOfFile: nexd.auditDirectory + "/segment-000000000001.jsonl", encoding: .utf8)
        #expect(line.contains(#"{"node":"gs.fr.lyon","conn":"#) && line.contains(#""exception":"compliance"}"#))
    }

    /// An offline General Secretariat's durable inbox keeps the compliance copy, marked in `queued`,
    /// and delivers it when the GS attaches again.
    @Test func anOfflineGeneralSecretariatInboxKeepsTheComplianceCopy() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let gsCredentials = try nexd.credentials("gs.fr.lyon")
        let first = try nexd.connectDurable(gsCredentials)
        guard case .accepted = try first.subscribeDurable("diffusion.>", id: 1, inbox: "review") else {
            Issue.record("durable subscribe refused"); return
        }
        first.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "gs.fr.lyon" }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let diffusion = try Self.diffusion(from: credentials, allowedCountries: ["ug"])
        guard case .accepted = try kigali.publish(diffusion) else { Issue.record("refused"); return }
        let id = diffusion.envelope.messageID.description
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == id })
        let queued = try #require(route.members["queued"] as? [[String: Any]])
        #expect(queued.count == 1)
        #expect(queued.first?["node"] as? String == "gs.fr.lyon")
        #expect(queued.first?["exception"] as? String == "compliance")

        let back = try nexd.connectDurable(gsCredentials)
        guard case .accepted(let status) = try back.subscribeDurable("diffusion.>", id: 1, inbox: "review") else {
            Issue.record("durable subscribe refused"); return
        }
        #expect(status.waiting == 1)
        #expect(try back.nextDelivery(timeout: .seconds(5)).envelope == diffusion.wireBytes)
    }

    /// Other kinds get no compliance copy: a restricted notice stays withheld from the GS.
    @Test func onlyDiffusionsAreCopiedForCompliance() throws {
        let nexd = try Self.daemon(permissions: TestDaemon.unrestricted)
        defer { nexd.remove() }
        let (gs, _) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try gs.subscribe("notice.>", id: 1) == .accepted)
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        let envelope = Envelope(
            messageID: .random(), sender: "ncb.rw.kigali", topic: "notice.red.rw", kind: "red", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: ["ug"], payload: Array(Self.red(requestedBy: "ncb.rw.kigali").utf8))
        guard case .accepted = try kigali.publish(try NoticeSigner.sign(envelope, with: credentials.key)) else { Issue.record("refused"); return }
        #expect(throws: ClientError.self) { try gs.nextDelivery(timeout: .milliseconds(300)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == envelope.messageID.description })
        #expect((route.members["withheld"] as? [[String: Any]])?.first?["reason"] as? String == "not-in-allowed")
    }

    static func hit(observedAt millis: Int64, matching notice: MessageID = .zero) -> String {
        NoticeTemplate.document(for: .hit)
            .replacingOccurrences(of: "\"2026-01-01T00:00:00Z\"", with: "\"\(Timestamp.format(millis: millis))\"")
            .replacingOccurrences(of: "\"bcp.zz.example\"", with: "\"bcp.ke.busia\"")
            .replacingOccurrences(of: "\"\(MessageID.zero)\"", with: "\"\(notice)\"")
    }

    @Test func aHitObservedInTheFutureOrTooLongAgoIsRefused() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw")
        guard case .accepted = try gs.publish(notice) else { Issue.record("the notice was refused"); return }
        let matched = notice.envelope.messageID
        let (busia, credentials) = try nexd.connect(as: "bcp.ke.busia")
        let now = WallClock.nowMillis()
        try Self.expectRefused(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(observedAt: now + 600_000, matching: matched)),
                               on: busia, by: nexd, code: .invalidNotice, reason: "is later than the notice's issued-at plus the 120 s clock skew")
        try Self.expectRefused(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(observedAt: now - 2 * 86_400_000, matching: matched)),
                               on: busia, by: nexd, code: .invalidNotice, reason: "is more than 86400 s old (limits.hitMaxAgeSeconds)")
        // A post back after two hours offline passes the age rule; this one is refused only because
        // the notice it names was accepted after the observation (D60).
        try Self.expectRefused(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(observedAt: now - 2 * 3_600_000, matching: matched)),
                               on: busia, by: nexd, code: .invalidNotice, reason: "is earlier than the acceptance of \(matched)")
        guard case .accepted = try busia.publish(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit",
                                                                  payload: Self.hit(observedAt: WallClock.nowMillis(), matching: matched))) else {
            Issue.record("a hit observed now was refused"); return
        }
    }

    @Test func hitMaxAgeSecondsIsTheConfiguredAge() throws {
        let policy = try TestDaemon.workflowPolicy()
        let nexd = try TestDaemon { configuration in
            configuration.permissions = policy
            configuration.roster = Roster(Self.roster)
            configuration.limits.hitMaxAge = .seconds(600)
        }
        defer { nexd.remove() }
        let (busia, credentials) = try nexd.connect(as: "bcp.ke.busia")
        try Self.expectRefused(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(observedAt: WallClock.nowMillis() - 3_600_000)),
                               on: busia, by: nexd, code: .invalidNotice, reason: "is more than 600 s old (limits.hitMaxAgeSeconds)")
    }

    /// D59: the General Secretariat's decision on a request reaches the requesting country's NCB,
    /// and only the GS publishes decisions.
    @Test func aDecisionReachesTheRequestingNCB() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(try kigali.subscribe("decision.rw", id: 1) == .accepted)
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        guard case .refused(let foreign) = try kampala.subscribe("decision.rw", id: 1) else { Issue.record("Uganda reads Rwanda's decisions"); return }
        #expect(foreign.code == .permissionDenied)
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")

        let request = try signedNotice(from: kigaliCredentials, topic: "request.red.rw")
        guard case .accepted = try kigali.publish(request) else { Issue.record("request refused"); return }
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.red(requestedBy: "ncb.rw.kigali")
            .replacingOccurrences(of: "\"fictional\": true,", with: "\"fictional\": true, \"request\": \"\(request.envelope.messageID)\","))
        guard case .accepted = try gs.publish(notice) else { Issue.record("notice refused"); return }
        let document = """
            {"kind":"decision","fictional":true,"request":"\(request.envelope.messageID)","outcome":"accepted",\
            "notice_message_id":"\(notice.envelope.messageID)","requested_by":"ncb.rw.kigali"}
            """
        let decision = try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision", payload: document)
        guard case .accepted = try gs.publish(decision) else { Issue.record("decision refused"); return }
        #expect(try kigali.nextDelivery(timeout: .seconds(5)).envelope == decision.wireBytes)

        let refusedWithoutReason = document.replacingOccurrences(of: #""outcome":"accepted""#, with: #""outcome":"refused""#)
        try Self.expectRefused(try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision", payload: refusedWithoutReason),
                               on: gs, by: nexd, code: .invalidNotice, reason: #"field "reason": required member is missing"#)
        let (ncb, _) = (kampala, kampalaCredentials)
        let byAnNCB = try signedNotice(from: kampalaCredentials, topic: "decision.ug", kind: "decision",
                                       payload: document.replacingOccurrences(of: "ncb.rw.kigali", with: "ncb.ug.kampala"))
        try Self.expectRefused(byAnNCB, on: ncb, by: nexd, code: .permissionDenied, reason: "ncb.ug.kampala (ncb): ")
    }
}
