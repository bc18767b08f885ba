import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexWire
import Testing

/// Durable inboxes over real mutual TLS (capability `inbox.1`, D52, D54): a border post that is
/// offline while notices are published gets every one, in order, when it attaches again.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DurableInboxTests {
    /// Receives `count` deliveries, receipting each; returns their message ids.
    private func receive(_ count: Int, on connection: NexConnection, subscription: UInt32) throws -> [MessageID] {
        var ids: [MessageID] = []
        for _ in 0..<count {
            let delivery = try connection.nextDelivery(timeout: .seconds(5))
            #expect(delivery.subscriptionIDs.contains(subscription))
            ids.append(try SignedEnvelope(parsing: delivery.envelope).envelope.messageID)
            try connection.sendReceipt(through: delivery.deliverySequence)
        }
        return ids
    }

    /// Connects as `post` with `inbox.1` and attaches its inbox as subscription `id`; a refusal fails the test.
    private func attach(_ post: NodeCredentials, to nexd: TestDaemon, id: UInt32, inbox: String = "") throws -> (NexConnection, InboxStatus) {
        let connection = try nexd.connectDurable(post)
        let outcome = try connection.subscribeDurable("notice.>", id: id, inbox: inbox)
        guard case .accepted(let status) = outcome else { throw InboxTestFailure("durable subscribe refused: \(outcome)") }
        return (connection, status)
    }

    /// Attaches `node`'s inbox, then goes offline: returns its credentials once nexd has recorded the disconnect.
    private func attachAndGoOffline(_ node: String, from nexd: TestDaemon, inbox: String = "") throws -> NodeCredentials {
        let post = try nexd.credentials(node)
        let (connection, _) = try attach(post, to: nexd, id: 1, inbox: inbox)
        connection.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == node }
        return post
    }

    /// Publishes `count` notices (revisions 1...count) as the General Secretariat; returns their ids.
    private func publishNotices(_ count: Int, on publisher: NexConnection, as gs: NodeCredentials) throws -> [MessageID] {
        try (1...count).map { revision in
            let notice = try signedNotice(from: gs, revision: revision)
            guard case .accepted = try publisher.publish(notice) else { throw InboxTestFailure("publish refused") }
            return notice.envelope.messageID
        }
    }

    @Test func welcomeOffersTheInboxCapabilityAndAPlainClientDoesNotGetIt() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (plain, _) = try nexd.connect(as: "bcp.ke.busia")
        #expect(plain.welcome.capabilities == [Capability.inbox, Capability.lifecycle])
        #expect(plain.capabilities.isEmpty)
        #expect(throws: ClientError.self) { try plain.subscribeDurable("notice.>", id: 1) }
        // A version-1 client that sends the frame anyway is answered as a server without it would.
        try plain.send(.subscribeDurable(SubscribeDurable(subscriptionID: 1, filter: "notice.>")))
        #expect(throws: ClientError.self) { _ = try plain.nextDelivery(timeout: .seconds(5)) }
        let error = try #require(try nexd.awaitRecord { $0.event == "protocol-error" })
        #expect(error.string("reason") == "unknown-frame-type")
    }

    @Test func anOfflineBorderPostGetsEveryNoticeInOrderWhenItComesBack() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        var post = try nexd.connectDurable(busia)
        guard case .accepted(let first) = try post.subscribeDurable("notice.>", id: 1) else {
            Issue.record("durable subscribe refused"); return
        }
        #expect(first == InboxStatus(inbox: "notice.>", waiting: 0, expired: 0, why: ""))
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        // Live: delivered and receipted while attached.
        let live = try signedNotice(from: gs)
        _ = try publisher.publish(live)
        #expect(try receive(1, on: post, subscription: 1) == [live.envelope.messageID])
        _ = try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "receipted" }
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }

        // Offline: three notices wait.
        var waiting: [MessageID] = []
        for revision in 1...3 {
            let notice = try signedNotice(from: gs, topic: "notice.yellow.rw", kind: "yellow", revision: revision)
            guard case .accepted = try publisher.publish(notice) else { Issue.record("publish refused"); return }
            waiting.append(notice.envelope.messageID)
        }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == waiting[0].description })
        let queued = try #require(route.members["queued"] as? [[String: Any]])
        #expect(queued.map { $0["node"] as? String } == ["bcp.ke.busia"])

        post = try nexd.connectDurable(busia)
        guard case .accepted(let status) = try post.subscribeDurable("notice.>", id: 5) else {
            Issue.record("durable subscribe refused"); return
        }
        #expect(status.waiting == 3)
        #expect(try receive(3, on: post, subscription: 5) == waiting)
        // New traffic follows the backlog.
        let after = try signedNotice(from: gs, revision: 9)
        _ = try publisher.publish(after)
        #expect(try receive(1, on: post, subscription: 5) == [after.envelope.messageID])
        post.close()
        publisher.close()
        nexd.stop()
        let records = try nexd.auditRecords()
        let redelivered = try #require(records.first { $0.event == "inbox" && $0.string("reason") == "redelivered" })
        #expect(redelivered.string("node") == "bcp.ke.busia")
        #expect(redelivered.members["count"] as? Int == 3)
        // Format 3 (queued, inbox records, recipient inboxes) verifies, by both verifiers' rules.
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(verification.foundNoProblem)
    }

    @Test func whatWaitsSurvivesARestartOfNexd() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd, inbox: "watchlist")
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let waiting = try publishNotices(4, on: publisher, as: gs)
        publisher.close()
        try nexd.restart()
        let (again, status) = try attach(busia, to: nexd, id: 2, inbox: "watchlist")
        #expect(status.waiting == 4)
        #expect(try receive(4, on: again, subscription: 2) == waiting)
        let lastSequence = try #require(try nexd.auditRecords().last { $0.event == "publish" && $0.string("msg") == waiting[3].description }?.sequence)
        #expect(try nexd.awaitRecord {
            $0.event == "inbox" && $0.string("reason") == "receipted" && $0.string("inbox") == "watchlist" && $0.integer("through") == Int64(lastSequence)
        } != nil)
        again.close()
        nexd.stop()
        #expect(try AuditVerifier.verify(directory: nexd.auditDirectory).foundNoProblem)
    }

    @Test func anInboxOverItsBoundDropsTheOldestRecordsThemAndTellsTheNode() throws {
        let nexd = try TestDaemon { $0.limits.inboxMessagesPerNode = 3 }
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let sent = try publishNotices(5, on: publisher, as: gs)
        let expired = try #require(try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "expired" && $0.integer("count") == 1
            && ($0.members["missed"] as? [String]) == [sent[1].description] })
        #expect(expired.string("detail")?.contains("limits.inboxMessagesPerNode") == true)
        let (again, status) = try attach(busia, to: nexd, id: 2)
        #expect(status.waiting == 3)
        #expect(status.expired == 2)
        #expect(status.why.contains("limits.inboxMessagesPerNode"))
        #expect(try receive(3, on: again, subscription: 2) == Array(sent.suffix(3)))
    }

    /// The drops are reported at the next attach even when nexd restarted in between (the count
    /// is rebuilt from the log's `expired` records), and an inbox defined before a lowered
    /// `limits.inboxesPerNode` keeps what it held.
    @Test func dropsAndInboxesSurviveARestartWithLowerLimits() throws {
        let nexd = try TestDaemon {
            $0.limits.inboxMessagesPerNode = 3
            $0.limits.inboxesPerNode = 2
        }
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        let (first, _) = try attach(busia, to: nexd, id: 1, inbox: "one")
        guard case .accepted = try first.subscribeDurable("notice.red.>", id: 2, inbox: "two") else {
            Issue.record("second inbox refused"); return
        }
        first.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let sent = try publishNotices(4, on: publisher, as: gs)
        _ = try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "expired" }
        publisher.close()
        try nexd.restart { $0.limits.inboxesPerNode = 1 }
        let (again, status) = try attach(busia, to: nexd, id: 3, inbox: "one")
        // 4 notices into two inboxes of one node bounded at 3: the 5 oldest copies went, oldest
        // first over both inboxes — 3 from "one" (notices 1–3), 2 from "two" (notices 1–2).
        #expect(status.expired == 3)
        #expect(status.waiting == 1)
        #expect(status.why.contains("limits.inboxMessagesPerNode"))
        let expiredRecord = try #require(try nexd.auditRecords().first { $0.event == "inbox" && $0.string("reason") == "expired" })
        #expect(expiredRecord.string("detail") == "limits.inboxMessagesPerNode")
        guard case .accepted(let second) = try again.subscribeDurable("notice.red.>", id: 4, inbox: "two") else {
            Issue.record("the inbox defined before the lower limit was lost"); return
        }
        #expect(second.expired == 2)
        #expect(second.waiting == 2)
        let delivered = try (0..<3).map { _ in try SignedEnvelope(parsing: again.nextDelivery(timeout: .seconds(5)).envelope).envelope.messageID }
        #expect(Set(delivered).isSubset(of: Set(sent)))
    }

    /// A backlog far larger than the delivery limits is sent in a window that receipts open (it
    /// used to go out at once and trip the slow-consumer limits, so the post never drained it).
    @Test func aBacklogLargerThanTheDeliveryWindowDrainsAsTheNodeReceipts() throws {
        let nexd = try TestDaemon {
            $0.limits.maxUnreceiptedDeliveries = 16
            $0.limits.outboundBufferBytes = 65_536
        }
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let sent = try publishNotices(120, on: publisher, as: gs)
        let (again, status) = try attach(busia, to: nexd, id: 2)
        #expect(status.waiting == 120)
        // Without receipts, nexd sends half the unreceipted limit and then waits.
        var first: [Deliver] = []
        for _ in 0..<8 { first.append(try again.nextDelivery(timeout: .seconds(5))) }
        #expect(throws: ClientError.self) { _ = try again.nextDelivery(timeout: .milliseconds(300)) }
        // New traffic while the backlog waits: on the durable subscription and on a plain one of
        // the same connection. Neither overtakes the backlog.
        guard case .accepted = try again.subscribe("notice.yellow.>", id: 3) else { Issue.record("plain subscribe refused"); return }
        let live = try signedNotice(from: gs, revision: 999)
        let plain = try signedNotice(from: gs, topic: "notice.yellow.fr", kind: "yellow", revision: 1000)
        _ = try publisher.publish(live)
        _ = try publisher.publish(plain)
        try again.sendReceipt(through: first.last!.deliverySequence)
        let rest = try receive(112, on: again, subscription: 2)
        let firstIDs = try first.map { try SignedEnvelope(parsing: $0.envelope).envelope.messageID }
        #expect(firstIDs + rest == sent)
        #expect(try receive(1, on: again, subscription: 2) == [live.envelope.messageID])
        #expect(try receive(1, on: again, subscription: 3) == [plain.envelope.messageID])
        again.close()
        nexd.stop()
        #expect(try !nexd.auditRecords().contains { $0.event == "disconnect" && $0.string("reason") == "slow-consumer" })
    }

    /// A subscription id reused after an unsubscribe never receives what was held for the old
    /// subscription, and a receipt then moves only the inbox the receipted deliveries came from.
    @Test func aReusedSubscriptionIDGetsNothingHeldForItsOldInbox() throws {
        let nexd = try TestDaemon { $0.limits.maxUnreceiptedDeliveries = 16 }
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd, inbox: "a")
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        _ = try publishNotices(20, on: publisher, as: gs)
        let (post, status) = try attach(busia, to: nexd, id: 1, inbox: "a")
        #expect(status.waiting == 20)
        var first: [Deliver] = []
        for _ in 0..<8 { first.append(try post.nextDelivery(timeout: .seconds(5))) }
        try post.send(.unsubscribe(subscriptionID: 1))
        _ = try post.awaitFrame(timeout: .seconds(5)) { frame -> Bool? in
            if case .unsuback(1) = frame { return true }
            return nil
        }
        guard case .accepted = try post.subscribeDurable("notice.yellow.>", id: 1, inbox: "b") else {
            Issue.record("durable subscribe to b refused"); return
        }
        let yellow = try signedNotice(from: gs, topic: "notice.yellow.fr", kind: "yellow", revision: 77)
        _ = try publisher.publish(yellow)
        try post.sendReceipt(through: first.last!.deliverySequence)
        let next = try post.nextDelivery(timeout: .seconds(5))
        #expect(try SignedEnvelope(parsing: next.envelope).envelope.messageID == yellow.envelope.messageID)
        try post.sendReceipt(through: next.deliverySequence)
        #expect(throws: ClientError.self) { _ = try post.nextDelivery(timeout: .milliseconds(300)) }
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        // Inbox a: the yellow notice waits there too (a's filter, notice.>, matches it, and a was
        // detached when it came).
        // The 8 receipted after sub 1 ended did not move a's cursor (the connection no longer held
        // a): all 20 wait again, with the yellow notice (at least once; the client drops duplicates).
        let (again, statusA) = try attach(busia, to: nexd, id: 2, inbox: "a")
        #expect(statusA.waiting == 21)
        again.close()
    }

    /// A connection that unsubscribed with entries still held, while another connection drained
    /// the inbox, attaches again: its receipts move the cursor (the old entries, gone from the
    /// inbox, no longer leave a gap in its bookkeeping that nothing would fill).
    @Test func aReattachOnTheSameConnectionMovesTheCursorAgain() throws {
        let nexd = try TestDaemon { $0.limits.maxUnreceiptedDeliveries = 16 }
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd, inbox: "x")
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        _ = try publishNotices(20, on: publisher, as: gs)
        let (first, _) = try attach(busia, to: nexd, id: 1, inbox: "x")
        var last: UInt64 = 0
        for _ in 0..<8 { last = try first.nextDelivery(timeout: .seconds(5)).deliverySequence }
        try first.sendReceipt(through: last)   // the cursor moves to the 8th; 12 stay held here
        _ = try nexd.awaitRecord { $0.event == "inbox" && $0.string("reason") == "receipted" }
        try first.send(.unsubscribe(subscriptionID: 1))
        _ = try first.awaitFrame(timeout: .seconds(5)) { frame -> Bool? in
            if case .unsuback(1) = frame { return true }
            return nil
        }
        // The receipt reopened the window before the unsubscribe was read: receipt what came
        // meanwhile (after the unsubscribe, that moves no cursor), so the connection owes nothing.
        while let late = try? first.nextDelivery(timeout: .milliseconds(300)) { last = late.deliverySequence }
        try first.sendReceipt(through: last)
        let (second, status) = try attach(busia, to: nexd, id: 1, inbox: "x")
        #expect(status.waiting == 12)
        _ = try receive(12, on: second, subscription: 1)
        // Wait for this close's own disconnect record (the offline attach left one already): the
        // re-attach below must not race the second connection's last receipt.
        let disconnects = { try nexd.auditRecords().filter { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }.count }
        let before = try disconnects()
        second.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while try disconnects() == before, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard case .accepted(let again) = try first.subscribeDurable("notice.>", id: 2, inbox: "x") else {
            Issue.record("re-attach refused"); return
        }
        #expect(again.waiting == 0)
        let fresh = try signedNotice(from: gs, revision: 500)
        _ = try publisher.publish(fresh)
        #expect(try receive(1, on: first, subscription: 2) == [fresh.envelope.messageID])
        let accepted = try #require(try nexd.auditRecords().last { $0.event == "publish" && $0.string("msg") == fresh.envelope.messageID.description })
        #expect(try nexd.awaitRecord {
            $0.event == "inbox" && $0.string("reason") == "receipted" && $0.integer("through") == Int64(accepted.sequence ?? 0)
        } != nil)
    }

    @Test func aSecondConnectionTakesTheInboxOverAndTheFirstIsTold() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        let (first, _) = try attach(busia, to: nexd, id: 1)
        let (second, _) = try attach(busia, to: nexd, id: 1)
        let withdrawn = try first.awaitFrame(timeout: .seconds(5)) { frame -> SubscribeNack? in
            if case .subnack(let nack) = frame { return nack }
            return nil
        }
        #expect(withdrawn.subscriptionID == 1)
        #expect(withdrawn.code == .duplicateSubscription)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        _ = try publisher.publish(notice)
        #expect(try receive(1, on: second, subscription: 1) == [notice.envelope.messageID])
        #expect(throws: ClientError.self) { _ = try first.nextDelivery(timeout: .milliseconds(300)) }
        #expect(try nexd.awaitRecord { $0.event == "unsubscribe" && $0.string("reason") == "inbox-moved" } != nil)
    }

    @Test func restrictionsAreJudgedForAnOfflineInboxAtRoutingTime() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try attachAndGoOffline("bcp.ke.busia", from: nexd)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        var envelope = try signedNotice(from: gs).envelope
        envelope.deniedCountries = ["ke"]
        let denied = try NoticeSigner.sign(envelope, with: gs.key)
        _ = try publisher.publish(denied)
        let allowed = try signedNotice(from: gs, revision: 2)
        _ = try publisher.publish(allowed)
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == denied.envelope.messageID.description })
        let withheld = try #require(route.members["withheld"] as? [[String: Any]])
        #expect(withheld.first?["inbox"] as? String == "notice.>")
        #expect(withheld.first?["reason"] as? String == "denied-country")
        let (again, status) = try attach(busia, to: nexd, id: 2)
        #expect(status.waiting == 1)
        #expect(try receive(1, on: again, subscription: 2) == [allowed.envelope.messageID])
    }
}

/// A step of a durable-inbox test that cannot go on (a refusal where an acceptance was expected).
struct InboxTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
