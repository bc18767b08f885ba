import Foundation
import NexClient
import NexNotices
import NexWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Peers that hold resources without doing their part are cut off, audited, and do not disturb others.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ResourceLimitTests {
    @Test func aSilentTCPPeerIsDroppedAfterTheHandshakeTimeout() throws {
        let nexd = try TestDaemon { $0.limits.handshakeTimeout = .seconds(1) }
        defer { nexd.remove() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = nexd.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        #expect(recv(fd, &byte, 1, 0) == 0, "nexd should close the idle connection")
        let record = try nexd.awaitRecord { $0.event == "connect" && $0.string("reason") == "handshake-timeout" }
        #expect(record != nil)
    }

    @Test func aRefusalFloodIsSummarisedNotRecordedOneByOne() throws {
        let nexd = try TestDaemon { $0.limits.refusalsRecordedPerSource = 3 }
        defer { nexd.remove() }
        for _ in 0..<10 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = nexd.port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
        }
        // Wait until nexd has seen all ten (three recorded, seven counted), then stop it: the
        // summary is written at the end of the interval or at shutdown.
        let deadline = ContinuousClock.now + .seconds(5)
        while try nexd.auditRecords().filter({ $0.string("reason") == "closed-during-handshake" }).count < 3,
              ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)
        nexd.stop()
        let refusals = try nexd.auditRecords().filter { $0.string("reason") == "closed-during-handshake" }
        let individual = refusals.filter { $0.integer("count") == nil }
        let summaries = refusals.filter { $0.integer("count") != nil }
        #expect(individual.count == 3)
        #expect(summaries.count == 1)
        #expect(summaries.first?.integer("count") == 7)
        #expect(summaries.first?.string("peer") == "127.0.0.1")
    }

    @Test func aNodeOverItsPublishRateGetsOverloadedAndTheRefusalsAreSummarised() throws {
        let nexd = try TestDaemon { configuration in
            configuration.limits.publishRatePerNode = 1
            configuration.limits.publishBurstPerNode = 5
            configuration.limits.refusalsRecordedPerSource = 1
        }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<8).map { _ in try signedNotice(from: gs) }
        try publisher.sendRaw(notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) })
        var answers: [String] = []
        for _ in notices {
            let answer = try publisher.awaitFrame(timeout: .seconds(10)) { frame -> String? in
                switch frame {
                case .ack: "ack"
                case .nack(let nack): nack.code.name
                default: nil
                }
            }
            answers.append(answer)
        }
        #expect(answers == Array(repeating: "ack", count: 5) + Array(repeating: "overloaded", count: 3))
        nexd.stop()
        let overloaded = try nexd.auditRecords().filter { $0.string("reason") == "overloaded" }
        #expect(overloaded.filter { $0.integer("count") == nil }.count == 1)
        #expect(overloaded.first { $0.integer("count") != nil }?.integer("count") == 2)
    }

    @Test func oneNodeCannotHoldMoreThanItsConnectionLimit() throws {
        let nexd = try TestDaemon { $0.limits.maxConnectionsPerNode = 2 }
        defer { nexd.remove() }
        let credentials = try nexd.credentials("bcp.rw.rusumo")
        let first = try nexd.connect(credentials)
        let second = try nexd.connect(credentials)
        defer { second.close() }
        do {
            _ = try nexd.connect(credentials)
            Issue.record("a third connection of one node was accepted")
        } catch let error as ClientError {
            #expect(error.code == .refused(.overloaded))
        }
        #expect(try nexd.awaitRecord { $0.string("reason") == "too-many-connections-for-node" } != nil)
        // Another node is unaffected, and a slot frees when a connection closes.
        let (other, _) = try nexd.connect(as: "bcp.ke.busia")
        defer { other.close() }
        first.close()
        let deadline = ContinuousClock.now + .seconds(5)
        var readmitted = false
        while !readmitted, ContinuousClock.now < deadline {
            readmitted = (try? nexd.connect(credentials)) != nil
            if !readmitted { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(readmitted)
    }

    @Test func aNodeCannotExceedItsSubscriptionLimitAcrossConnections() throws {
        let nexd = try TestDaemon {
            $0.limits.maxSubscriptionsPerNode = 3
            // The subscribe rate's burst is maxSubscriptionsPerNode (3 here): off, so the
            // re-subscribes below test the cap alone (the rate: SubscribeChurnTests).
            $0.limits.subscribesPerSecondPerNode = 0
        }
        defer { nexd.remove() }
        let credentials = try nexd.credentials("bcp.rw.rusumo")
        let first = try nexd.connect(credentials)
        let second = try nexd.connect(credentials)
        defer { second.close() }
        #expect(try first.subscribe("notice.>", id: 1) == .accepted)
        #expect(try first.subscribe("alert.>", id: 2) == .accepted)
        #expect(try second.subscribe("hit.>", id: 1) == .accepted)
        guard case .refused(let nack) = try second.subscribe("diffusion.>", id: 2) else {
            Issue.record("a fourth subscription of one node was accepted")
            return
        }
        #expect(nack.code == .tooManySubscriptions)
        #expect(nack.reason.contains("limits.maxSubscriptionsPerNode"))
        let record = try nexd.awaitRecord { $0.event == "subscribe" && $0.string("reason") == "too-many-subscriptions" }
        #expect(record?.string("outcome") == "refused")
        #expect(record?.string("node") == "bcp.rw.rusumo")
        // Another node has its own allowance; an unsubscribe or a closed connection frees slots.
        let (other, _) = try nexd.connect(as: "bcp.ke.busia")
        defer { other.close() }
        #expect(try other.subscribe("notice.>", id: 1) == .accepted)
        try first.send(.unsubscribe(subscriptionID: 2))
        _ = try first.awaitFrame(timeout: .seconds(5)) { frame -> Bool? in
            if case .unsuback = frame { return true }
            return nil
        }
        #expect(try second.subscribe("diffusion.>", id: 2) == .accepted)
        #expect(try second.subscribe("hit.rw", id: 3) != .accepted)
        first.close()
        let deadline = ContinuousClock.now + .seconds(5)
        var readmitted = false
        while !readmitted, ContinuousClock.now < deadline {
            readmitted = try second.subscribe("hit.rw", id: 3) == .accepted
            if !readmitted { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(readmitted, "the closed connection's subscriptions no longer count")
    }

    @Test func aSubscriberThatNeverSendsReceiptsIsDisconnectedAndAudited() throws {
        let nexd = try TestDaemon { $0.limits.maxUnreceiptedDeliveries = 16 }
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try subscriber.subscribe("notice.>", id: 1)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        for _ in 0..<20 { _ = try publisher.publish(try signedNotice(from: gs)) }
        var delivered = 0
        do {
            while true {
                _ = try subscriber.nextDelivery(timeout: .seconds(5))
                delivered += 1
            }
        } catch {
            #expect(error.code == .closed)
        }
        #expect(delivered == 16)
        let record = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.rw.rusumo" }
        #expect(record?.string("detail")?.hasPrefix("slow-consumer") == true)
        // The publisher is unaffected.
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("refused"); return }
    }

    /// With the smallest byte limit on unanswered publishes (64 KiB) and publishes of ~20 KiB,
    /// reading pauses and resumes over a pipelined burst; every publish is answered once, in
    /// order, and another node is served meanwhile.
    @Test func aBurstOfLargePublishesOverTheByteLimitIsAnsweredInFull() throws {
        let nexd = try TestDaemon { $0.limits.maxInFlightPublishBytesPerConnection = 65_536 }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<120).map { _ in try signedNotice(from: gs, padding: 20_000) }
        try publisher.sendRaw(notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) })
        let kigali = try nexd.credentials("ncb.rw.kigali")
        guard case .accepted = try nexd.connect(kigali).publish(try signedNotice(from: kigali, topic: "request.red.rw")) else {
            Issue.record("another node was refused during the burst"); return
        }
        var acked: [MessageID] = []
        while acked.count < notices.count {
            switch try publisher.nextFrame(timeout: .seconds(10)) {
            case .ack(let ack): acked.append(ack.messageID)
            case .nack(let nack): Issue.record("refused: \(nack.reason)"); return
            default: break
            }
        }
        #expect(acked == notices.map(\.envelope.messageID))
    }

    /// With a tiny limit on unanswered publishes, reading pauses and resumes many times over a
    /// pipelined burst; every publish is still answered once, and every one delivered.
    @Test func aPipelinedBurstOverTheUnansweredLimitIsAnsweredInFull() throws {
        let nexd = try TestDaemon { $0.limits.maxInFlightPublishesPerConnection = 2 }
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        try Self.expectBurstAnsweredAndDelivered(300, on: nexd, to: subscriber)
    }

    /// Pipelines `count` notices from the General Secretariat without reading, then expects every
    /// one answered with an ACK, in order, and delivered to `subscriber`, in order.
    static func expectBurstAnsweredAndDelivered(_ count: Int, on nexd: TestDaemon, to subscriber: NexConnection) throws {
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<count).map { _ in try signedNotice(from: gs) }
        for notice in notices { try publisher.send(.publish(envelope: notice.wireBytes)) }
        var acked: [MessageID] = []
        while acked.count < notices.count {
            switch try publisher.nextFrame(timeout: .seconds(10)) {
            case .ack(let ack): acked.append(ack.messageID)
            case .nack(let nack): Issue.record("refused: \(nack.reason)"); return
            default: break
            }
        }
        #expect(acked == notices.map(\.envelope.messageID))
        for notice in notices {
            #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        }
    }

    /// While urgent notices flow (D68), a pipelined routine burst is read under the lower bound:
    /// every publish is still answered once, in order, and delivered; the urgent one too.
    @Test func aBurstWhileUrgentNoticesFlowIsAnsweredInFull() throws {
        let nexd = try TestDaemon { $0.limits.inFlightPublishesWhileUrgent = 2 }
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        let (urgentPublisher, urgentCredentials) = try nexd.connect(as: "gs.fr.lyon")
        var document = NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"ncb.fr.paris\"")
        document.insert(contentsOf: #""priority": "urgent", "#, at: document.index(after: document.firstIndex(of: "{")!))
        let urgent = try signedNotice(from: urgentCredentials, payload: document)
        let outcome = try urgentPublisher.publish(urgent)
        guard case .accepted = outcome else { Issue.record("the urgent notice was refused: \(outcome)"); return }
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == urgent.wireBytes)
        try Self.expectBurstAnsweredAndDelivered(200, on: nexd, to: subscriber)
    }
}
