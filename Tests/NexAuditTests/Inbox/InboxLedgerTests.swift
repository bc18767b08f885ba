import Foundation
import Testing
@testable import NexAudit

/// ``InboxLedger`` folded over tables of records (docs/AUDIT.md §Inboxes): what is pending, the
/// cursor, the filter, and each entry's history.
@Suite struct InboxLedgerTests {
    static let busia = InboxKey(node: "bcp.ke.busia", name: "notice.>")
    static let malaba = InboxKey(node: "bcp.ke.malaba", name: "alerts")

    /// Builds a log in memory: each step appends events and remembers the sequence of its first.
    struct Script {
        var events: [AuditEvent] = []
        var time: Int64 = 1_795_910_339_000
        private var nextSequence: UInt64 = 1

        @discardableResult
        mutating func append(_ event: AuditEvent) -> UInt64 {
            var event = event
            time += 1
            event.timeMillis = time
            let sequence = nextSequence
            nextSequence += UInt64(event.splitIntoRecords().count)
            events.append(event)
            return sequence
        }

        /// An accepted publish and its route; returns the acceptance sequence.
        mutating func notice(_ id: String, queued: [InboxKey] = [], live: [(InboxKey, UInt64)] = [], plain: [String] = []) -> UInt64 {
            var publish = AuditEvent(.publish, timeMillis: 0, outcome: .accepted)
            publish.node = "gs.fr.lyon"
            publish.messageID = id
            publish.topic = "notice.red.ke"
            let acceptance = append(publish)
            var route = AuditEvent(.route, timeMillis: 0)
            route.messageID = id
            route.node = "gs.fr.lyon"
            route.topic = "notice.red.ke"
            route.recipients = live.map { .init(node: $0.0.node, connection: $0.1, subscriptions: [1], inboxes: [$0.0.name]) }
                + plain.map { .init(node: $0, connection: 99, subscriptions: [1]) }
            if !queued.isEmpty { route.queued = queued.sorted().map { .init(node: $0.node, inbox: $0.name) } }
            append(route)
            return acceptance
        }

        mutating func subscribe(_ key: InboxKey, filter: String, outcome: AuditEvent.Outcome = .accepted, connection: UInt64 = 1) {
            var event = AuditEvent(.subscribe, timeMillis: 0, outcome: outcome)
            event.connection = connection
            event.node = key.node
            event.filter = filter
            event.inbox = key.name
            append(event)
        }

        @discardableResult
        mutating func inbox(_ reason: String, _ key: InboxKey, connection: UInt64? = nil, from: UInt64? = nil, through: UInt64? = nil,
                            missed: [String]? = nil, bound: String? = nil) -> UInt64 {
            var event = AuditEvent(.inbox, timeMillis: 0)
            event.reason = reason
            event.detail = bound
            event.connection = connection
            event.node = key.node
            event.inbox = key.name
            event.fromSequence = from
            event.throughSequence = through
            event.missedMessageIDs = missed
            event.count = missed.map { UInt64($0.count) }
            return append(event)
        }

        func ledger(_ scope: InboxLedger.HistoryScope = .all) -> InboxLedger {
            var ledger = InboxLedger(keepingHistoryOf: scope)
            for record in AuditLineChain.records(events) { ledger.apply(record) }
            return ledger
        }
    }

    static func ids(_ entries: [InboxLedger.Entry]?) -> [String] { (entries ?? []).map(\.messageID) }

    @Test func queuedEntriesWaitUntilTheCursorPassesThem() {
        var script = Script()
        script.subscribe(Self.busia, filter: "notice.>")
        let a = script.notice("a", queued: [Self.busia])
        let b = script.notice("b", queued: [Self.busia, Self.malaba])
        _ = script.notice("other", plain: ["ncb.ug.kampala"])
        let c = script.notice("c", queued: [Self.busia])
        var ledger = script.ledger()
        #expect(Self.ids(ledger.pending(node: "bcp.ke.busia")[Self.busia]) == ["a", "b", "c"])
        #expect(ledger.pending(node: "bcp.ke.busia").keys.sorted() == [Self.busia])
        #expect(Self.ids(ledger.allPending[Self.malaba]) == ["b"])
        #expect(ledger.filter(of: Self.busia) == "notice.>")
        #expect(ledger.filter(of: Self.malaba) == nil)
        #expect(ledger.pending(node: "bcp.ke.busia")[Self.busia]?.map(\.acceptanceSequence) == [a, b, c])

        script.inbox("redelivered", Self.busia, connection: 4, from: a, through: c)
        script.inbox("receipted", Self.busia, connection: 4, through: b)
        ledger = script.ledger()
        #expect(Self.ids(ledger.pending(node: "bcp.ke.busia")[Self.busia]) == ["c"])
        #expect(ledger.cursor(of: Self.busia) == b)
        #expect(Self.ids(ledger.allPending[Self.malaba]) == ["b"], "another inbox keeps its own entries")
        script.inbox("receipted", Self.busia, connection: 4, through: c)
        #expect(script.ledger().pending(node: "bcp.ke.busia")[Self.busia]?.isEmpty == true, "a known inbox stays, empty")
    }

    @Test func expiredEntriesLeaveFromTheHeadOrTheMiddleAndAcrossContinuations() throws {
        var script = Script()
        for index in 0..<2600 { _ = script.notice("m\(index)", queued: [Self.busia]) }
        script.inbox("expired", Self.busia, missed: ["m5"], bound: "limits.inboxMaxAgeSeconds")
        script.inbox("expired", Self.busia, missed: (0..<2500).filter { $0 != 5 }.map { "m\($0)" } + ["m2599"],
                     bound: "limits.inboxMessagesPerNode")
        let ledger = script.ledger(.messages(["m5", "m2400", "m2598"]))
        #expect(Self.ids(ledger.allPending[Self.busia]) == (2500..<2599).map { "m\($0)" })
        #expect(ledger.history(of: "m5").first?.expiryBound == "limits.inboxMaxAgeSeconds")
        let late = try #require(ledger.history(of: "m2400").first)
        #expect(late.expiryBound == "limits.inboxMessagesPerNode", "an id in the third record (a continuation)")
        #expect(late.expiryRecord.map { $0 > 2 * 2600 + 2 } == true)
        #expect(ledger.history(of: "m2598").first?.expiredAtMillis == nil)
        #expect(ledger.history(of: "m1").isEmpty, "no history outside the scope")
    }

    @Test func historyShowsQueuedDeliveredAndReceipted() throws {
        var script = Script()
        let a = script.notice("a", queued: [Self.busia])
        let redelivery = script.inbox("redelivered", Self.busia, connection: 3, from: a, through: a)
        let b = script.notice("b", live: [(Self.busia, 3)])
        let again = script.inbox("redelivered", Self.busia, connection: 5, from: b, through: b)
        let receipt = script.inbox("receipted", Self.busia, connection: 5, through: b)
        let ledger = script.ledger()

        let first = try #require(ledger.history(of: "a").first)
        #expect(first.wasQueuedOffline)
        #expect(first.routeRecord == a + 1)
        #expect(first.deliveries.map(\.record) == [redelivery])
        #expect(first.deliveries.map(\.isRedelivery) == [true])
        #expect(first.deliveries.map(\.connection) == [3])
        #expect(first.receiptRecord == receipt)

        let second = try #require(ledger.history(of: "b").first)
        #expect(!second.wasQueuedOffline)
        #expect(second.deliveries.map(\.record) == [b + 1, again])
        #expect(second.deliveries.map(\.isRedelivery) == [false, true])
        #expect(second.receiptConnection == 5)
        #expect(ledger.allPending[Self.busia]?.isEmpty == true)
    }

    @Test func onlyAcceptedDurableSubscribesSetTheFilter() {
        var script = Script()
        script.subscribe(Self.busia, filter: "notice.>")
        script.subscribe(Self.busia, filter: "notice.red.>", outcome: .refused)
        var plain = AuditEvent(.subscribe, timeMillis: 0, outcome: .accepted)
        plain.node = Self.malaba.node
        plain.filter = "alerts.>"
        script.append(plain)
        let ledger = script.ledger(.none)
        #expect(ledger.filter(of: Self.busia) == "notice.>")
        #expect(ledger.allPending.keys.sorted() == [Self.busia], "a subscription without an inbox makes none")
        #expect(ledger.history(of: "anything").isEmpty)
    }

    @Test(arguments: [
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"inbox","reason":"receipted","#, true),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","msg":"a","recipients":[],"queued":[{"node":"n","inbox":"i"}]"#, true),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","msg":"a","recipients":[{"node":"n","conn":1,"subs":[1],"inboxes":["i"]}]"#, true),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","msg":"a","recipients":[{"node":"n","conn":1,"subs":[1]}]"#, false),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","msg":"a","topic":"x\",\"queued\":[","recipients":[]"#, false),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"subscribe","outcome":"accepted","filter":"f","inbox":"i""#, true),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"subscribe","outcome":"accepted","filter":"f""#, false),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"continuation","node":"n","inbox":"i","missed":[]"#, true),
        (#"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"publish","outcome":"accepted","topic":"inbox""#, false),
    ])
    func linesAreSkippedWithoutAParseUnlessTheyMayConcernInboxes(line: String, concerns: Bool) {
        #expect(InboxLedger.mayConcernInboxes(Array(line.utf8)[...]) == concerns)
    }

    @Test func feedingLinesEqualsFeedingRecords() {
        var script = Script()
        script.subscribe(Self.busia, filter: "notice.>")
        let a = script.notice("a", queued: [Self.busia])
        _ = script.notice("b", live: [(Self.malaba, 2)], plain: ["x"])
        script.inbox("receipted", Self.busia, through: a)
        script.inbox("expired", Self.malaba, missed: ["b"], bound: "limits.inboxBytesPerNode")
        var fromLines = InboxLedger(keepingHistoryOf: .all)
        for line in AuditLineChain.lines(script.events) { fromLines.apply(line: line[...]) }
        let fromRecords = script.ledger()
        #expect(fromLines.allPending.mapValues { Self.ids($0) } == fromRecords.allPending.mapValues { Self.ids($0) })
        #expect(fromLines.history(of: "a") == fromRecords.history(of: "a"))
        #expect(fromLines.history(of: "b") == fromRecords.history(of: "b"))
        #expect(fromLines.cursor(of: Self.busia) == a)
    }

    @Test func theFixtureLogOnDiskLeavesNothingWaiting() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fixture = try InboxLogFixture(directory: directory, pki: ContractPKI())
        let ledger = try InboxLedger.read(directory: directory, keepingHistoryOf: .all)
        let key = InboxKey(node: InboxLogFixture.node, name: InboxLogFixture.inbox)
        #expect(ledger.pending(node: InboxLogFixture.node) == [key: []])
        #expect(ledger.filter(of: key) == "notice.>")
        #expect(ledger.cursor(of: key) == fixture.acceptances[1])
        let first = try #require(ledger.history(of: fixture.messages[0]).first)
        #expect(first.wasQueuedOffline && first.deliveries.map(\.record) == [fixture.redelivered])
        #expect(first.receiptRecord == fixture.receipted)
        let third = try #require(ledger.history(of: fixture.messages[2]).first)
        #expect(third.deliveries.map(\.isRedelivery) == [false])
        #expect(third.expiryRecord == fixture.expired && third.expiryBound == "limits.inboxMaxAgeSeconds")
        #expect(ledger.history(of: fixture.messages[0]).count == 1, "the withheld inbox of ncb.tz.dodoma holds nothing")
    }
}
