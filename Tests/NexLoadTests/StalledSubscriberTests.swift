import Foundation
import NexConfig
import NexServer
import NexWire
import Testing
@testable import NexLoad

@Suite("Stalled subscribers: topology, accounting, validation and config")
struct StalledSubscriberTests {
    let runTag: UInt16 = 0x5A1

    func id(_ publisher: Int, _ sequence: Int) -> MessageID {
        MessageTag(publisher: publisher, isMeasured: true, sequence: sequence).messageID(runTag: runTag, millis: 1_700_000_000_000)
    }

    func configuration(publishers: Int, subscribers: Int, stalled: Int, layout: TopicLayout) -> LoadConfiguration {
        var configuration = LoadConfiguration()
        configuration.publishers = publishers
        configuration.subscribers = subscribers
        configuration.stalledSubscribers = stalled
        configuration.layout = layout
        return configuration
    }

    @Test("stalled subscribers follow like subscribers of the layout but add no expected deliveries")
    func topology() {
        let shared = LoadTopology(configuration: configuration(publishers: 1, subscribers: 10, stalled: 1, layout: .shared))
        #expect(shared.follows.count == 10)
        #expect(shared.stalledFollows == [[0]])
        #expect(shared.followers == [10])

        let pairs = LoadTopology(configuration: configuration(publishers: 3, subscribers: 3, stalled: 2, layout: .pairs))
        #expect(pairs.stalledFollows == [[0], [1]])
        #expect(pairs.followers == [1, 1, 1])

        let fanout = LoadTopology(configuration: configuration(publishers: 2, subscribers: 4, stalled: 3, layout: .fanout))
        #expect(fanout.stalledFollows == [[0], [1], [0]])
        #expect(fanout.followers == [2, 2])

        let none = LoadTopology(configuration: configuration(publishers: 2, subscribers: 2, stalled: 0, layout: .pairs))
        #expect(none.stalledFollows.isEmpty)
    }

    @Test("a stalled subscriber's missing and repeated deliveries never reach the others' expected, lost or duplicated")
    func accountingKeepsStalledApart() {
        var acknowledged = [SequenceSet()]
        for sequence in 0..<100 { acknowledged[0].insert(sequence) }
        var tallies = [DeliveryTally(runTag: runTag), DeliveryTally(runTag: runTag)]
        for subscriber in 0..<2 { for sequence in 0..<100 { tallies[subscriber].record(id(0, sequence)) } }
        // The stalled one read 10 notices (one of them twice) before it stopped.
        var stalled = DeliveryTally(runTag: runTag)
        for sequence in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9] { stalled.record(id(0, sequence)) }
        let topology = LoadTopology(configuration: configuration(publishers: 1, subscribers: 2, stalled: 1, layout: .shared))

        let accounting = RunAccounting(acknowledged: acknowledged, tallies: tallies, stalledTallies: [stalled], topology: topology)

        #expect(accounting.others == LossAccounting(acknowledged: acknowledged, tallies: tallies, follows: [[0], [0]]))
        #expect(accounting.others.expected == 200)
        #expect(accounting.others.delivered == 200)
        #expect(accounting.others.lost == 0)
        #expect(accounting.others.duplicated == 0)
        #expect(accounting.others.unexpected == 0)
        #expect(accounting.stalled.count == 1)
        #expect(accounting.stalled[0].expected == 100)
        #expect(accounting.stalled[0].delivered == 10)
        #expect(accounting.stalled[0].lost == 90)
        #expect(accounting.stalled[0].duplicated == 1)
    }

    @Test("the others' own losses are still reported beside a stalled subscriber")
    func othersLossesStillCounted() {
        var acknowledged = [SequenceSet()]
        for sequence in 0..<10 { acknowledged[0].insert(sequence) }
        var tally = DeliveryTally(runTag: runTag)
        for sequence in 0..<8 { tally.record(id(0, sequence)) }
        let topology = LoadTopology(configuration: configuration(publishers: 1, subscribers: 1, stalled: 1, layout: .pairs))
        let accounting = RunAccounting(acknowledged: acknowledged, tallies: [tally], stalledTallies: [DeliveryTally(runTag: runTag)],
                                       topology: topology)
        #expect(accounting.others.expected == 10)
        #expect(accounting.others.lost == 2)
        #expect(accounting.stalled[0].lost == 10)
    }

    @Test("--stalled-subscribers is validated", arguments: [
        (0, 1, nil),
        (1, 10, nil),
        (LoadConfiguration.stalledSubscriberLimit, 1, nil),
        (-1, 1, "--stalled-subscribers must not be negative"),
        (LoadConfiguration.stalledSubscriberLimit + 1, 1, "--stalled-subscribers must be at most"),
        (1, 0, "--stalled-subscribers needs at least one measured subscriber"),
    ] as [(Int, Int, String?)])
    func validation(stalled: Int, subscribers: Int, problem: String?) {
        let layout: TopicLayout = subscribers == 1 ? .pairs : .shared
        let found = configuration(publishers: 1, subscribers: subscribers, stalled: stalled, layout: layout).problem
        if let problem {
            #expect(found?.hasPrefix(problem) == true, "\(found ?? "no problem")")
        } else {
            #expect(found == nil)
        }
    }

    @Test("stalled subscribers have their own NCB identities on the benchmark roster")
    func roster() {
        let entries = BenchmarkRoster.entries(publishers: 1, subscribers: 2, stalled: 2, idle: 0)
        // Then the NCBs the load notices name as requesting (D55): one per topic country (aa, and zz of the shared layout).
        #expect(entries.map(\.id) == ["gs.fr.load-p0", "ncb.rw.load-s0", "ncb.rw.load-s1", "ncb.rw.load-stalled0", "ncb.rw.load-stalled1",
                                       "ncb.aa.request", "ncb.zz.request"])
        #expect(entries.filter { $0.id.contains("stalled") }.allSatisfy { $0.role == .ncb })
        #expect(Set(entries.map(\.id)).count == entries.count)
    }

    @Test("the benchmark config keeps nexd's default outbound buffer and policy unless overridden, and lists the stalled nodes")
    func outboundBufferDefault() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-stalled-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let plain = try BenchmarkDaemonConfig.create(directory: directory + "/plain", publishers: 1, subscribers: 1, stalled: 1, idle: 0,
                                                     limits: BenchmarkDaemonConfig.Limits())
        let text = try String(contentsOfFile: plain.configPath, encoding: .utf8)
        #expect(!text.contains("outboundBufferBytes"))
        #expect(!text.contains("slowConsumerPolicy"))
        let parsed = try DaemonConfiguration.load(path: plain.configPath)
        #expect(parsed.limits.outboundBufferBytes == DaemonConfiguration(roster: Roster([])).limits.outboundBufferBytes)
        #expect(parsed.roster.entry(for: BenchmarkRoster.stalledID(0))?.role == .ncb)

        var limits = BenchmarkDaemonConfig.Limits()
        limits.outboundBufferBytes = 65_536
        let small = try BenchmarkDaemonConfig.create(directory: directory + "/small", publishers: 1, subscribers: 1, idle: 0, limits: limits)
        #expect(try DaemonConfiguration.load(path: small.configPath).limits.outboundBufferBytes == 65_536)

        // The policy key is written only when asked for (nexd versions without it refuse it by name).
        limits.slowConsumerPolicy = "drop"
        let drop = try BenchmarkDaemonConfig.create(directory: directory + "/drop", publishers: 1, subscribers: 1, idle: 0, limits: limits)
        let dropText = try String(contentsOfFile: drop.configPath, encoding: .utf8)
        #expect(dropText.contains("\n  outboundBufferBytes: 65536\n  slowConsumerPolicy: drop\n"))
    }

    @Test("the report shows the stalled subscribers apart and round-trips them in JSON")
    func report() throws {
        var report = LoadReport(shape: LoadReport.Shape(
            publishers: 1, subscribers: 10, layout: "shared", kind: "red", payloadBytes: 1000, pacing: "closed-loop", window: 64,
            ratePerPublisher: nil, countPerPublisher: 100, warmUpPerPublisher: 10, verifiesSignatures: false))
        report.stalledSubscribers = [LoadReport.StalledSubscriber(
            node: "ncb.rw.load-stalled0", fate: "closed", closeReason: "nexd closed the connection", expected: 100, received: 40,
            deliveriesBeforeStall: 0, deliveries: 50)]
        let text = report.table
        for needle in ["10 subscriber(s) + 1 stalled", "stalled subscribers   1 (not in the figures above): 1 closed by nexd, 0 still connected",
                       "ncb.rw.load-stalled0: closed (nexd closed the connection); received 40 of 100"] {
            #expect(text.contains(needle), "missing \(needle) in\n\(text)")
        }
        let decoded = try JSONDecoder().decode(LoadReport.self, from: Data(try report.jsonText().utf8))
        #expect(decoded == report)
        #expect(!LoadReport(shape: report.shape).table.contains("stalled"))
    }
}
