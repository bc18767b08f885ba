import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexNotices
import NexSync
import NexWire
import Testing

/// Follow-ups over real mutual TLS (D56, D57): updates and cancellations reach every holder of the
/// original — offline inboxes, across a restart, and connections whose subscription is gone
/// (capability `lifecycle.1`) — never a node the original was withheld from, never before the
/// original; every refusal is a NACK with its reason and an audit record.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LifecycleTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A follow-up document of `kind` for `original`, signed by `credentials` on `topic`.
    func followUp(_ kind: NoticeKind, of original: MessageID, from credentials: NodeCredentials, topic: String = "notice.red.rw",
                  reason: FollowUpReason = .arrest, version: Int? = nil, document: String? = nil) throws -> SignedEnvelope {
        var text = #"{"kind":"\#(kind.rawValue)","original":"\#(original)","reason":"\#(reason.rawValue)""#
        if reason == .other { text += #","reason_text":"test""# }
        if let version { text += #","version":\#(version)"# }
        if let document { text += #","document":\#(document)"# }
        text += "}"
        return try signedNotice(from: credentials, topic: topic, kind: kind.rawValue, payload: text)
    }

    /// The red template with a marker, as the General Secretariat publishes it (valid as `document` of an update).
    static let redDocument = NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"ncb.rw.kigali\"")

    func publishAccepted(_ envelope: SignedEnvelope, on connection: NexConnection) throws {
        let outcome = try connection.publish(envelope)
        guard case .accepted = outcome else { throw InboxTestFailure("\(envelope.envelope.kind) refused: \(outcome)") }
    }

    func refusal(_ envelope: SignedEnvelope, on connection: NexConnection) throws -> Nack {
        let outcome = try connection.publish(envelope)
        guard case .refused(let nack) = outcome else { throw InboxTestFailure("\(envelope.envelope.kind) accepted, expected a refusal") }
        return nack
    }

    /// Receives deliveries (receipting each) until `count`; returns (kind, message id, subscription ids).
    func receive(_ count: Int, on connection: NexConnection) throws -> [(kind: String, id: MessageID, subscriptions: [UInt32])] {
        try (0..<count).map { _ in
            let delivery = try connection.nextDelivery(timeout: .seconds(5))
            try connection.sendReceipt(through: delivery.deliverySequence)
            let envelope = try SignedEnvelope(parsing: delivery.envelope).envelope
            return (envelope.kind, envelope.messageID, delivery.subscriptionIDs)
        }
    }

    func connect(_ nexd: TestDaemon, _ node: String, capabilities: [String]) throws -> NexConnection {
        let credentials = try nexd.credentials(node)
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: [nexd.pki.ca])
        return try NexConnection(host: "127.0.0.1", port: nexd.port, context: context, timeout: .seconds(5), capabilities: capabilities)
    }

    func attachInbox(_ nexd: TestDaemon, _ node: String, id: UInt32) throws -> (NexConnection, InboxStatus) {
        let connection = try connect(nexd, node, capabilities: [Capability.inbox, Capability.lifecycle])
        guard case .accepted(let status) = try connection.subscribeDurable("notice.>", id: id) else { throw InboxTestFailure("durable subscribe refused") }
        return (connection, status)
    }

    /// Both verifiers call the log intact.
    func expectIntact(_ nexd: TestDaemon) throws {
        nexd.stop()
        #expect(try AuditVerifier.verify(directory: nexd.auditDirectory).foundNoProblem)
        guard let python = Self.python else { return }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/verify_audit.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--ca", nexd.pki.caPath, "--audit-cert", nexd.pki.auditCertificatePath, nexd.auditDirectory]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("INTACT"), "\(output)")
    }

    @Test func anOfflineBorderPostGetsTheUpdateThenTheCancellationAfterReconnectingAcrossARestart() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        var (post, _) = try attachInbox(nexd, "bcp.ke.busia", id: 1)
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument)
        try publishAccepted(original, on: gs)
        let id = original.envelope.messageID
        #expect(try receive(1, on: post).map(\.id) == [id])
        _ = try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "receipted" }
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }

        let update = try followUp(.update, of: id, from: gsCredentials, reason: .other, version: 2, document: Self.redDocument)
        try publishAccepted(update, on: gs)
        gs.close()
        try nexd.restart()
        // The registry was rebuilt from the log: the version is 2 now, and the original still known.
        let (again, againCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let stale = try refusal(try followUp(.update, of: id, from: againCredentials, reason: .other, version: 2, document: Self.redDocument), on: again)
        #expect(stale.code == .invalidNotice && stale.reason.contains("version must be 3"), "\(stale.reason)")
        let cancel = try followUp(.cancel, of: id, from: againCredentials)
        try publishAccepted(cancel, on: again)

        (post, _) = try attachInbox(nexd, "bcp.ke.busia", id: 2)
        let got = try receive(2, on: post)
        #expect(got.map(\.kind) == ["update", "cancel"])
        #expect(got.map(\.id) == [update.envelope.messageID, cancel.envelope.messageID])
        // Nothing follows a cancelled notice.
        let late = try refusal(try followUp(.update, of: id, from: againCredentials, reason: .other, version: 3, document: Self.redDocument), on: again)
        #expect(late.reason.contains("it was cancelled"), "\(late.reason)")
        post.close()
        again.close()
        try expectIntact(nexd)
    }

    @Test func anOfflinePostThatNeverSawTheOriginalGetsItBeforeItsFollowUps() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (first, _) = try attachInbox(nexd, "bcp.ke.busia", id: 1)
        first.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument)
        try publishAccepted(original, on: gs)
        let update = try followUp(.update, of: original.envelope.messageID, from: gsCredentials, reason: .other, version: 2, document: Self.redDocument)
        try publishAccepted(update, on: gs)
        let cancel = try followUp(.cancel, of: original.envelope.messageID, from: gsCredentials, reason: .death)
        try publishAccepted(cancel, on: gs)
        let (post, status) = try attachInbox(nexd, "bcp.ke.busia", id: 3)
        #expect(status.waiting == 3)
        #expect(try receive(3, on: post).map(\.kind) == ["red", "update", "cancel"])
    }

    @Test func anOnlineHolderWhoseSubscriptionIsGoneStillGetsTheCancelWithLifecycle() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let rusumo = try connect(nexd, "bcp.rw.rusumo", capabilities: [Capability.lifecycle])
        let kigali = try connect(nexd, "ncb.rw.kigali", capabilities: [])
        for connection in [rusumo, kigali] {
            guard case .accepted = try connection.subscribe("notice.>", id: 1) else { Issue.record("subscribe refused"); return }
        }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument)
        try publishAccepted(original, on: gs)
        #expect(try receive(1, on: rusumo).map(\.id) == [original.envelope.messageID])
        #expect(try receive(1, on: kigali).map(\.id) == [original.envelope.messageID])
        for connection in [rusumo, kigali] {
            try connection.send(.unsubscribe(subscriptionID: 1))
            _ = try connection.awaitFrame(timeout: .seconds(5)) { frame -> UInt32? in
                if case .unsuback(let id) = frame { return id }
                return nil
            }
        }

        let cancel = try followUp(.cancel, of: original.envelope.messageID, from: gsCredentials)
        try publishAccepted(cancel, on: gs)
        let got = try receive(1, on: rusumo)
        #expect(got.map(\.kind) == ["cancel"])
        #expect(got.first?.subscriptions == [])   // "a follow-up to something you hold"
        #expect(throws: ClientError.self) { _ = try kigali.nextDelivery(timeout: .milliseconds(300)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == cancel.envelope.messageID.description })
        let recipients = try #require(route.members["recipients"] as? [[String: Any]])
        #expect(recipients.map { $0["node"] as? String } == ["bcp.rw.rusumo"])
        #expect((recipients.first?["subs"] as? [Int]) == [])
        let withheld = try #require(route.members["withheld"] as? [[String: Any]])
        #expect(withheld.map { $0["node"] as? String } == ["ncb.rw.kigali"])
        #expect(withheld.first?["reason"] as? String == "no-capability")
        rusumo.close()
        kigali.close()
        gs.close()
        try expectIntact(nexd)
    }

    @Test func aNodeWithheldFromTheOriginalNeverGetsItsFollowUp() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let kampala = try connect(nexd, "ncb.ug.kampala", capabilities: [Capability.lifecycle])
        guard case .accepted = try kampala.subscribe("notice.>", id: 1) else { Issue.record("subscribe refused"); return }
        let (post, _) = try attachInbox(nexd, "bcp.ke.busia", id: 1)
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        var envelope = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument).envelope
        envelope.deniedCountries = ["ug"]
        let original = try NoticeSigner.sign(envelope, with: gsCredentials.key)
        try publishAccepted(original, on: gs)
        #expect(try receive(1, on: post).map(\.id) == [original.envelope.messageID])
        // The follow-up itself is unrestricted: the original's restrictions still keep Uganda out.
        let cancel = try followUp(.cancel, of: original.envelope.messageID, from: gsCredentials)
        try publishAccepted(cancel, on: gs)
        #expect(try receive(1, on: post).map(\.kind) == ["cancel"])
        #expect(throws: ClientError.self) { _ = try kampala.nextDelivery(timeout: .milliseconds(300)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == cancel.envelope.messageID.description })
        let withheld = try #require(route.members["withheld"] as? [[String: Any]])
        #expect(withheld.map { $0["node"] as? String } == ["ncb.ug.kampala"])
        #expect(withheld.first?["reason"] as? String == "denied-country")
    }

    @Test func everyRefusalIsANackWithItsReasonAndAnAuditRecord() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument)
        try publishAccepted(notice, on: gs)
        let id = notice.envelope.messageID
        let request = try signedNotice(from: kigaliCredentials, topic: "request.red.rw", payload: Self.redDocument)
        try publishAccepted(request, on: kigali)
        var diffusion = try signedNotice(from: kigaliCredentials, topic: "diffusion.rw", kind: "diffusion").envelope
        diffusion.allowedCountries = ["ke"]
        let signedDiffusion = try NoticeSigner.sign(diffusion, with: kigaliCredentials.key)
        try publishAccepted(signedDiffusion, on: kigali)
        let hit = try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit", matching: id)
        try publishAccepted(hit, on: busia)

        let cases: [(String, SignedEnvelope, NexConnection, String)] = [
            ("unknown original", try followUp(.cancel, of: .random(), from: gsCredentials), gs, "unknown original"),
            ("a follow-up of a hit", try followUp(.cancel, of: hit.envelope.messageID, from: gsCredentials), gs, "unknown original"),
            ("a follow-up on the hit topic", try followUp(.cancel, of: hit.envelope.messageID, from: busiaCredentials, topic: "hit.rw.ke"), busia,
             "hits are not followed up"),
            ("the wrong topic", try followUp(.cancel, of: id, from: gsCredentials, topic: "notice.red.ke"), gs, "the original's topic notice.red.rw"),
            ("an NCB cancels a notice", try followUp(.cancel, of: id, from: kigaliCredentials, topic: "notice.red.rw"), kigali,
             "the General Secretariat updates and cancels"),
            ("another NCB withdraws the request", try followUp(.withdraw, of: request.envelope.messageID, from: kampalaCredentials,
                                                               topic: "request.red.rw", reason: .requestWithdrawn), kampala,
             "only the requesting NCB ncb.rw.kigali"),
            ("another NCB cancels the diffusion", try followUp(.cancel, of: signedDiffusion.envelope.messageID, from: kampalaCredentials,
                                                               topic: "diffusion.rw"), kampala, "only the originating NCB ncb.rw.kigali"),
            ("the wrong version", try followUp(.update, of: id, from: gsCredentials, reason: .other, version: 3, document: Self.redDocument), gs,
             "version must be 2"),
            ("another kind", try followUp(.update, of: id, from: gsCredentials, reason: .other, version: 2,
                                          document: NoticeTemplate.document(for: .blue).replacingOccurrences(of: "ncb.zz.example", with: "ncb.rw.kigali")),
             gs, "document.kind must be red"),
            ("an update naming another country's NCB", try followUp(.update, of: id, from: gsCredentials, reason: .other, version: 2,
                                                                   document: Self.redDocument.replacingOccurrences(of: "ncb.rw.kigali", with: "ncb.ke.nairobi")),
             gs, "document.requested_by"),
        ]
        for (name, envelope, connection, expected) in cases {
            let nack = try refusal(envelope, on: connection)
            #expect(nack.code == .invalidNotice, "\(name)")
            #expect(nack.reason.contains(expected), "\(name): \(nack.reason)")
            let record = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("msg") == envelope.envelope.messageID.description })
            #expect(record.string("outcome") == "refused" && record.string("reason") == "invalid-notice", "\(name)")
        }
        // Accepted ones, then what may no longer follow them.
        let cancel = try followUp(.cancel, of: id, from: gsCredentials)
        try publishAccepted(cancel, on: gs)
        #expect(try refusal(try followUp(.cancel, of: cancel.envelope.messageID, from: gsCredentials), on: gs).reason.contains("is a follow-up itself"))
        #expect(try refusal(try followUp(.cancel, of: id, from: gsCredentials), on: gs).reason.contains("it was cancelled"))
        try publishAccepted(try followUp(.withdraw, of: request.envelope.messageID, from: kigaliCredentials, topic: "request.red.rw",
                                         reason: .requestWithdrawn), on: kigali)
        #expect(try refusal(try followUp(.withdraw, of: request.envelope.messageID, from: kigaliCredentials, topic: "request.red.rw",
                                         reason: .requestWithdrawn), on: kigali).reason.contains("it was withdrawn"))
        try publishAccepted(try followUp(.cancel, of: signedDiffusion.envelope.messageID, from: kigaliCredentials, topic: "diffusion.rw"), on: kigali)
        // The daemon keeps serving: an ordinary notice is still accepted.
        try publishAccepted(try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument), on: gs)
        for connection in [gs, kigali, kampala, busia] { connection.close() }
        try expectIntact(nexd)
    }
}

/// Diffusions: the originating NCB updates its own, and the update reaches only the countries the
/// diffusion was allowed for, even though the update names none.
extension LifecycleTests {
    @Test func aDiffusionUpdateKeepsTheDiffusionsCountries() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let kampala = try connect(nexd, "ncb.ug.kampala", capabilities: [Capability.lifecycle])
        let busia = try connect(nexd, "bcp.ke.busia", capabilities: [Capability.lifecycle])
        let gs = try connect(nexd, "gs.fr.lyon", capabilities: [Capability.lifecycle])
        for connection in [kampala, busia, gs] {
            guard case .accepted = try connection.subscribe("diffusion.>", id: 1) else { Issue.record("subscribe refused"); return }
        }
        let (kigali, credentials) = try nexd.connect(as: "ncb.rw.kigali")
        var envelope = try signedNotice(from: credentials, topic: "diffusion.rw", kind: "diffusion").envelope
        envelope.allowedCountries = ["ug"]
        let diffusion = try NoticeSigner.sign(envelope, with: credentials.key)
        try publishAccepted(diffusion, on: kigali)
        #expect(try receive(1, on: kampala).map(\.id) == [diffusion.envelope.messageID])
        let document = NoticeTemplate.document(for: .diffusion).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"ncb.rw.kigali\"")
        let update = try followUp(.update, of: diffusion.envelope.messageID, from: credentials, topic: "diffusion.rw", reason: .other,
                                  version: 2, document: document)
        #expect(update.envelope.allowedCountries.isEmpty)
        try publishAccepted(update, on: kigali)
        #expect(try receive(1, on: kampala).map(\.kind) == ["update"])
        // The General Secretariat reviews diffusions for compliance (D55): their follow-ups too.
        #expect(try receive(2, on: gs).map(\.kind) == ["diffusion", "update"])
        #expect(throws: ClientError.self) { _ = try busia.nextDelivery(timeout: .milliseconds(300)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == update.envelope.messageID.description })
        let withheld = try #require(route.members["withheld"] as? [[String: Any]])
        #expect(withheld.map { $0["node"] as? String } == ["bcp.ke.busia"])
        #expect(withheld.first?["reason"] as? String == "not-in-allowed")
        let recipients = try #require(route.members["recipients"] as? [[String: Any]])
        #expect(recipients.first { $0["node"] as? String == "gs.fr.lyon" }?["exception"] as? String == "compliance")
    }
}
