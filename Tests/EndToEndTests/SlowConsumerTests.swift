import Foundation
import NexAudit
import NexClient
import NexConfig
import NexServer
import NexWire
import Testing

/// A subscriber that stops reading is handled by `limits.slowConsumerPolicy` — disconnected or
/// dropped, audited with the ids it missed — while the publisher and a well-behaved subscriber
/// carry on at full speed. Over real TLS; the stalled subscriber's socket buffer is tiny and the
/// outbound buffer small; the notices (~50 KB each, 6 MB in all) outgrow what the kernel buffers
/// (up to 4 MiB of send buffer on Linux), so it trips well before the end.
@Suite(.serialized, .timeLimit(.minutes(3)))   // seconds normally; minutes under ThreadSanitizer
struct SlowConsumerTests {
    static let notices = 120

    @Test func aStalledSubscriberIsDisconnectedWithTheIdsItMissed() throws {
        let run = try StalledSubscriberRun(policy: .disconnect)
        defer { run.nexd.remove() }
        let record = try #require(try run.nexd.awaitRecord {
            $0.event == "disconnect" && $0.string("reason") == "slow-consumer"
        })
        #expect(record.string("node") == "bcp.rw.rusumo")
        let missed = record.strings("missed")
        #expect(!missed.isEmpty)
        // From the first delivery on (sent, never receipted) through those queued but unsent.
        #expect(missed == Array(run.published.prefix(missed.count)))
        #expect(record.integer("count").map(Int.init) == missed.count)
        #expect(record.string("detail")?.contains("deliveries missed") == true)
    }

    /// More than ``AuditEvent/missedMessageIDsLimit`` missed: the disconnect record lists the first
    /// 1000 and the `continuation` records right after it the rest, every id exactly once.
    @Test func aDisconnectRecordOfMoreThan1000MissedIDsContinuesUntilEveryIDIsListed() throws {
        let run = try StalledSubscriberRun(policy: .disconnect, notices: 1300, padding: 0) { limits in
            // Only the unreceipted limit trips: small notices, an outbound buffer they never fill.
            limits.maxUnreceiptedDeliveries = 1200
            limits.outboundBufferBytes = 64 << 20
        }
        defer { run.nexd.remove() }
        _ = try #require(try run.nexd.awaitRecord {
            $0.event == "disconnect" && $0.string("reason") == "slow-consumer"
        })
        let records = try run.nexd.auditRecords()
        let start = try #require(records.firstIndex { $0.event == "disconnect" && $0.string("reason") == "slow-consumer" })
        let main = records[start]
        let total = try #require(main.integer("count").map(Int.init))
        let parts = try #require(main.integer("parts").map(Int.init))
        #expect(total >= 1200)
        #expect(parts == (total + 999) / 1000)
        let continuations = Array(records[(start + 1)..<(start + parts)])
        #expect(continuations.map(\.event) == Array(repeating: "continuation", count: parts - 1))
        #expect(continuations.map { $0.integer("part") } == (2...parts).map { Int64($0) })
        #expect(continuations.allSatisfy { $0.integer("conn") == main.integer("conn") && $0.string("node") == "bcp.rw.rusumo" })
        let first = try #require(main.sequence)
        #expect(continuations.map(\.sequence) == (1..<parts).map { first + UInt64($0) }, "consecutive, right after the disconnect")
        let missed = main.strings("missed") + continuations.flatMap { $0.strings("missed") }
        #expect(main.strings("missed").count == 1000)
        #expect(missed.count == total)
        #expect(Set(missed).count == total, "every id exactly once")
        // From the first delivery on, in delivery order.
        #expect(missed == Array(run.published.prefix(total)))
    }

    @Test func aStalledSubscriberHasDeliveriesDroppedAndListedPerInterval() throws {
        let run = try StalledSubscriberRun(policy: .drop)
        defer { run.nexd.remove() }
        // The drop record is written at the end of the interval (1 s here).
        let record = try #require(try run.nexd.awaitRecord {
            $0.event == "route" && $0.string("reason") == "slow-consumer-dropped"
        })
        #expect(record.string("outcome") == "refused")
        #expect(record.string("node") == "bcp.rw.rusumo")
        #expect(!record.strings("missed").isEmpty)
        // Dropped, not disconnected: no slow-consumer disconnect for the stalled node.
        #expect(try run.nexd.auditRecords().first { $0.event == "disconnect" && $0.string("reason") == "slow-consumer" } == nil)
        #expect(run.stalledIsStillConnected())
        // The interval records (the last written at stop) list published ids in publish order,
        // each once. Not every notice after the first drop: whenever the kernel took more of nexd's
        // output the buffer went under the limit and a few deliveries were queued again.
        run.nexd.stop()
        let records = try run.nexd.auditRecords()
        let drops = records.filter { $0.string("reason") == "slow-consumer-dropped" }
        // A drop record of more than 1000 ids continues in the records right after it.
        let dropped = records.indices.filter { records[$0].string("reason") == "slow-consumer-dropped" }.flatMap { index in
            let parts = Int(records[index].integer("parts") ?? 1)
            return records[index..<(index + parts)].flatMap { $0.strings("missed") }
        }
        let positions = dropped.compactMap { run.published.firstIndex(of: $0) }
        #expect(positions.count == dropped.count && positions == positions.sorted() && Set(positions).count == positions.count)
        #expect(drops.reduce(0) { $0 + Int($1.integer("count") ?? 0) } == dropped.count)
    }
}

/// One publisher, one well-behaved subscriber (reading on another thread, receipting) and one that
/// subscribes and then never reads again.
private struct StalledSubscriberRun {
    let nexd: TestDaemon
    let published: [String]
    private let stalled: RawTLSClient

    init(policy: DaemonConfiguration.SlowConsumerPolicy, notices count: Int = SlowConsumerTests.notices, padding: Int = 50_000,
         limits configure: (inout DaemonConfiguration.Limits) -> Void = { _ in }) throws {
        let nexd = try TestDaemon { configuration in
            configuration.limits.slowConsumerPolicy = policy
            configuration.limits.outboundBufferBytes = 64 * 1024
            configuration.limits.refusalInterval = .seconds(1)
            configuration.audit.fsync = false
            // The stalled node sends nothing: under a sanitizer this run may outlast the idle timeout.
            configuration.limits.idleTimeout = .zero
            configure(&configuration.limits)
        }
        self.nexd = nexd
        stalled = try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"), receiveBufferBytes: 4096)
        try stalled.send(.subscribe(Subscribe(subscriptionID: 1, filter: "notice.>")))
        guard case .suback = try stalled.nextFrame(timeout: .seconds(5)) else { throw ClientError(.protocolError, "no suback") }

        let good = LockedBox<[String]>([])
        let subscribed = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { finished.signal() }
            guard let (subscriber, _) = try? nexd.connect(as: "bcp.ke.busia"),
                  case .accepted? = try? subscriber.subscribe("notice.>", id: 1) else {
                subscribed.signal()
                return
            }
            subscribed.signal()
            while good.value.count < count, let delivery = try? subscriber.nextDelivery(timeout: .seconds(20)) {
                if let id = try? SignedEnvelope(parsing: delivery.envelope).envelope.messageID.description { good.update { $0.append(id) } }
                try? subscriber.sendReceipt(through: delivery.deliverySequence)
            }
        }
        subscribed.wait()

        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        var published: [String] = []
        var acks = 0
        for _ in 0..<count {
            let notice = try signedNotice(from: gs, padding: padding)
            if case .accepted = try publisher.publish(notice) { acks += 1 }
            published.append(notice.envelope.messageID.description)
        }
        self.published = published
        #expect(acks == count, "the publisher got every ACK")
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(good.value == published, "the well-behaved subscriber received every notice, in order")
    }

    /// Whether the stalled subscriber's connection is still up: it reads what nexd queued, then
    /// waits a second for more (a timeout means open; end of stream means nexd closed it).
    func stalledIsStillConnected() -> Bool {
        do {
            while try stalled.nextFrame(timeout: .seconds(1)) != nil {}
            return false
        } catch {
            return true
        }
    }
}

/// A value shared between a test and the thread it starts.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
