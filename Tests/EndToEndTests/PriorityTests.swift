import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexNotices
import NexSync
import NexWire
import Testing

/// Priorities and handling codes over real mutual TLS (D58): on a busy connection an urgent notice
/// overtakes routine ones still held for it, a follow-up never overtakes its held original, an
/// inbox's cursor moves only over what was receipted without a gap, and an enforced handling code
/// is refused with its reason.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PriorityTests {
    /// A red notice on notice.red.fr from the General Secretariat with these markings.
    static func notice(from gs: NodeCredentials, priority: String, handling: [String] = [], revision: Int,
                       allowedCountries: [String] = [], padding: Int = 0) throws -> SignedEnvelope {
        var document = NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"ncb.fr.paris\"")
        let codes = handling.map { "\"\($0)\"" }.joined(separator: ", ")
        let brace = try #require(document.firstIndex(of: "{"))
        let pad = padding > 0 ? "\"padding\": \"\(String(repeating: "x", count: padding))\", " : ""
        document.insert(contentsOf: "\"priority\": \"\(priority)\", \"handling\": [\(codes)], \"revision\": \(revision), " + pad,
                        at: document.index(after: brace))
        let envelope = Envelope(
            messageID: .random(), sender: gs.nodeID, topic: "notice.red.fr", kind: "red", issuedAtMillis: WallClock.nowMillis(),
            allowedCountries: allowedCountries, signatureAlgorithm: gs.key.algorithm.rawValue, payload: Array(document.utf8))
        return try NoticeSigner.sign(envelope, with: gs.key)
    }

    /// With `limits.maxUnreceiptedDeliveries` 16 the inbox window is 8 deliveries.
    static func busyDaemon() throws -> TestDaemon {
        try TestDaemon { $0.limits.maxUnreceiptedDeliveries = 16 }
    }

    /// The ACK and the deliveries of a notice leave nexd's audit completion for different
    /// connection queues: give the post's queue time to hold the delivery before the receipt that
    /// reopens its window arrives (a receipt read first would let a routine entry out first).
    static func letTheDeliveryReachThePost() {
        Thread.sleep(forTimeInterval: 0.3)
    }

    /// The same, with a signal instead of a wait: nexd posts a notice's deliveries to the other
    /// recipient connections before its ACK (ConnectionRegistry.answerAndDeliver), so once the
    /// test has the ACK, the post's queue has the delivery ahead of anything the test sends it
    /// next; the pong says the post's queue got that far.
    static func letTheDeliveryReachThePost(_ post: NexConnection) throws {
        let nonce = UInt64.random(in: 1...UInt64.max)
        try post.send(.ping(nonce: nonce))
        _ = try post.awaitFrame(timeout: .seconds(5)) { frame -> Bool? in
            if case .pong(nonce) = frame { return true }
            return nil
        }
    }

    func publishAccepted(_ envelope: SignedEnvelope, on connection: NexConnection) throws {
        let outcome = try connection.publish(envelope)
        guard case .accepted = outcome else { throw InboxTestFailure("publish refused: \(outcome)") }
    }

    /// Reads `count` deliveries without receipting; returns (message id, delivery sequence, audit sequence).
    func read(_ count: Int, on connection: NexConnection) throws -> [(id: MessageID, delivery: UInt64, audit: UInt64)] {
        try (0..<count).map { _ in
            let delivery = try connection.nextDelivery(timeout: .seconds(5))
            return (try SignedEnvelope(parsing: delivery.envelope).envelope.messageID, delivery.deliverySequence, delivery.auditSequence)
        }
    }

    /// Attaches bcp.ke.busia's inbox (`notice.>`) as subscription `id`.
    func attach(_ nexd: TestDaemon, id: UInt32) throws -> (NexConnection, InboxStatus) {
        let connection = try nexd.connectDurable(try nexd.credentials("bcp.ke.busia"))
        guard case .accepted(let status) = try connection.subscribeDurable("notice.>", id: id) else { throw InboxTestFailure("durable subscribe refused") }
        return (connection, status)
    }

    /// The `through` of every `inbox receipted` record so far.
    func cursors(_ nexd: TestDaemon) throws -> [Int] {
        try nexd.auditRecords().filter { $0.event == "inbox" && $0.string("reason") == "receipted" }.compactMap { $0.members["through"] as? Int }
    }

    @Test func anUrgentNoticeOvertakesAHeldRoutineBacklogAndTheCursorWaitsForTheGap() throws {
        let nexd = try Self.busyDaemon()
        defer { nexd.remove() }
        var (post, _) = try attach(nexd, id: 1)
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let routine = try (1...20).map { try Self.notice(from: gs, priority: "routine", revision: $0) }
        for notice in routine { try publishAccepted(notice, on: publisher) }

        let status: InboxStatus
        (post, status) = try attach(nexd, id: 2)
        #expect(status.waiting == 20)
        // The first window (8) is on its way; 12 routine entries are held on the connection.
        let firstWindow = try read(8, on: post)
        #expect(firstWindow.map(\.id) == routine.prefix(8).map(\.envelope.messageID))
        let urgent = try Self.notice(from: gs, priority: "urgent", revision: 99)
        try publishAccepted(urgent, on: publisher)
        try Self.letTheDeliveryReachThePost(post)
        try post.sendReceipt(through: firstWindow.last!.delivery)
        // The window reopens: the urgent notice comes before the 12 routine ones routed before it.
        let next = try read(1, on: post)
        #expect(next.map(\.id) == [urgent.envelope.messageID])
        try post.sendReceipt(through: next[0].delivery)
        _ = try nexd.awaitRecord { $0.event == "receipt" && $0.members["delivery"] as? Int == Int(next[0].delivery) }
        // Receipted above a gap: the cursor stays after the first window, so the inbox keeps the
        // 12 routine entries and the urgent one; a new attach sends them again, urgent first.
        #expect(try cursors(nexd) == [Int(firstWindow.last!.audit)])
        post.close()
        _ = try nexd.awaitRecord { _ in
            (try? nexd.auditRecords().filter { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }.count) == 2
        }
        let again: InboxStatus
        (post, again) = try attach(nexd, id: 3)
        #expect(again.waiting == 13)
        var received: [MessageID] = []
        while received.count < 13 {
            let batch = try read(min(8, 13 - received.count), on: post)
            received += batch.map(\.id)
            try post.sendReceipt(through: batch.last!.delivery)
        }
        #expect(received == [urgent.envelope.messageID] + routine.suffix(12).map(\.envelope.messageID))
        // Everything receipted: the cursor reaches the urgent notice, the newest entry.
        _ = try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "receipted" && $0.members["through"] as? Int == Int(next[0].audit) }
        post.close()
        publisher.close()
        nexd.stop()
        #expect(try AuditVerifier.verify(directory: nexd.auditDirectory).foundNoProblem)
    }

    @Test func aFollowUpNeverOvertakesItsHeldOriginalButAnUrgentNoticeDoes() throws {
        let nexd = try Self.busyDaemon()
        defer { nexd.remove() }
        var (post, _) = try attach(nexd, id: 1)
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let fillers = try (1...10).map { try Self.notice(from: gs, priority: "routine", revision: $0) }
        for notice in fillers { try publishAccepted(notice, on: publisher) }
        let original = try Self.notice(from: gs, priority: "routine", revision: 50)
        try publishAccepted(original, on: publisher)

        (post, _) = try attach(nexd, id: 2)
        let firstWindow = try read(8, on: post)
        // The original is held (routine lane, behind two fillers): its urgent cancellation waits
        // behind it; an unrelated urgent notice does not wait.
        let cancel = try signedNotice(
            from: gs, topic: "notice.red.fr", kind: "cancel",
            payload: #"{"kind":"cancel","original":"\#(original.envelope.messageID)","reason":"arrest","priority":"urgent"}"#)
        try publishAccepted(cancel, on: publisher)
        let urgent = try Self.notice(from: gs, priority: "urgent", revision: 99)
        try publishAccepted(urgent, on: publisher)
        try Self.letTheDeliveryReachThePost(post)
        try post.sendReceipt(through: firstWindow.last!.delivery)
        let rest = try read(5, on: post)
        #expect(rest.map(\.id) == [urgent.envelope.messageID, fillers[8].envelope.messageID, fillers[9].envelope.messageID,
                                   original.envelope.messageID, cancel.envelope.messageID])
        post.close()
        publisher.close()
    }

    @Test func anUrgentNoticeOvertakesRoutineOnesHeldForABusyPlainSubscriber() throws {
        let nexd = try TestDaemon { configuration in
            // Room for the whole backlog (no slow-consumer close); no fsync: only the order matters.
            configuration.limits.outboundBufferBytes = 64 << 20
            configuration.audit.fsync = false
            configuration.limits.idleTimeout = .zero
        }
        defer { nexd.remove() }
        // A plain (version-1) subscriber with a tiny socket buffer that reads nothing for now: the
        // kernel's buffers fill, then ~64 KiB of nexd's output, and the rest waits in the lanes.
        let subscriber = try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"), receiveBufferBytes: 4096)
        defer { subscriber.close() }
        try subscriber.send(.subscribe(Subscribe(subscriptionID: 1, filter: "notice.>")))
        guard case .suback = try subscriber.nextFrame(timeout: .seconds(5)) else { Issue.record("no suback"); return }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let routine = try (1...200).map { try Self.notice(from: gs, priority: "routine", revision: $0, padding: 40_000) }
        for notice in routine { try publishAccepted(notice, on: publisher) }
        let urgent = try Self.notice(from: gs, priority: "urgent", revision: 999)
        try publishAccepted(urgent, on: publisher)
        Self.letTheDeliveryReachThePost()
        var order: [MessageID] = []
        while order.count < 201, let frame = try subscriber.nextFrame(timeout: .seconds(10)) {
            guard case .deliver(let delivery) = frame else { continue }
            order.append(try SignedEnvelope(parsing: delivery.envelope).envelope.messageID)
        }
        #expect(order.count == 201)
        let position = try #require(order.firstIndex(of: urgent.envelope.messageID))
        // It passed the routine notices still held for the subscriber, which keep their own order.
        #expect(position < 200, "the urgent notice came last: nothing was held, or it did not overtake")
        #expect(order.filter { $0 != urgent.envelope.messageID } == routine.map(\.envelope.messageID))
        publisher.close()
    }

    @Test func noFurtherDisseminationNeedsNamedRecipientsAndReachesOnlyThem() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (rusumo, _) = try nexd.connect(as: "bcp.rw.rusumo")
        let (busia, _) = try nexd.connect(as: "bcp.ke.busia")
        for subscriber in [rusumo, busia] {
            guard case .accepted = try subscriber.subscribe("notice.>", id: 1) else { Issue.record("subscribe refused"); return }
        }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let unnamed = try Self.notice(from: gs, priority: "normal", handling: ["no-further-dissemination"], revision: 1)
        guard case .refused(let nack) = try publisher.publish(unnamed) else { Issue.record("accepted without named recipients"); return }
        #expect(nack.code == .invalidNotice)
        #expect(nack.reason.contains("field \"handling\": \"no-further-dissemination\" needs named recipients"))
        let refused = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("msg") == unnamed.envelope.messageID.description })
        #expect(refused.string("outcome") == "refused")
        #expect(refused.string("detail")?.contains("no-further-dissemination") == true)

        let named = try Self.notice(from: gs, priority: "urgent", handling: ["no-further-dissemination", "law-enforcement-only"],
                                    revision: 2, allowedCountries: ["rw"])
        try publishAccepted(named, on: publisher)
        let delivery = try rusumo.nextDelivery(timeout: .seconds(5))
        #expect(try SignedEnvelope(parsing: delivery.envelope).envelope.messageID == named.envelope.messageID)
        #expect(throws: ClientError.self) { _ = try busia.nextDelivery(timeout: .milliseconds(500)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == named.envelope.messageID.description })
        let withheld = try #require(route.members["withheld"] as? [[String: Any]])
        #expect(withheld.map { $0["node"] as? String } == ["bcp.ke.busia"])
        for connection in [rusumo, busia, publisher] { connection.close() }
    }
}
