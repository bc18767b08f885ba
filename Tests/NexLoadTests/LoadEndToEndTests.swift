import Foundation
import Logging
import NexConfig
import NexServer
import Testing
@testable import NexLoad

@Suite("nex load engine end to end")
struct LoadEndToEndTests {
    /// Runs `load` against an in-process nexd made by ``BenchmarkDaemonConfig`` for its publishers
    /// and subscribers (stopped and removed after).
    static func run(_ load: LoadConfiguration) throws -> LoadReport {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try BenchmarkDaemonConfig.create(directory: directory, publishers: load.publishers, subscribers: load.subscribers,
                                                     idle: 0, limits: BenchmarkDaemonConfig.Limits())
        let configuration = try DaemonConfiguration.load(path: setup.configPath)
        let daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try daemon.start()
        defer { daemon.stop() }
        let identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(publishers: load.publishers, subscribers: load.subscribers)
        return try LoadRunner(configuration: load, port: port, identities: identities).run()
    }

    @Test("1 publisher → 2 subscribers, 200 notices through an in-process nexd: none lost, none duplicated")
    func smallRun() throws {
        var load = LoadConfiguration()
        load.publishers = 1
        load.subscribers = 2
        load.layout = .shared
        load.countPerPublisher = 200
        load.warmUpPerPublisher = 20
        load.payloadBytes = 700
        load.pacing = .closedLoop(window: 16)
        let report = try Self.run(load)

        #expect(report.sent == 200)
        #expect(report.acked == 200)
        #expect(report.nackedTotal == 0)
        #expect(report.expected == 400)
        #expect(report.delivered == 400)
        #expect(report.lost == 0)
        #expect(report.duplicated == 0)
        #expect(report.unexpected == 0)
        #expect(report.publishToAck.count == 200)
        #expect(report.publishToDeliver.count == 400)
        // The rate counts the 400 measured deliveries over their span, not the 40 warm-up ones.
        #expect(abs(report.deliveriesPerSecond * report.receiveSpanSeconds - 398) < 0.5,
                "\(report.deliveriesPerSecond) deliveries/s over \(report.receiveSpanSeconds) s")
        #expect(report.notes.isEmpty, "\(report.notes)")
    }

    /// D73: batch-signed notices, closed and open loop, with a last short batch (230 = 3 × 64 + 38)
    /// and subscribers re-verifying every seal; and the configuration's refusals.
    @Test("batch-signed notices (--batch 64): none lost, every seal verified by the subscribers", arguments: [false, true])
    func batchSigned(openLoop: Bool) throws {
        var load = LoadConfiguration()
        load.countPerPublisher = 230
        load.warmUpPerPublisher = 64
        load.batch = 64
        load.verifiesSignatures = true
        load.pacing = openLoop ? .openLoop(ratePerPublisher: 2000) : .closedLoop(window: 128)
        #expect(load.problem == nil)
        let report = try Self.run(load)
        #expect(report.acked == 230 && report.nackedTotal == 0)
        // The warm-up's one batch, acknowledged but in no figure (the audit-bytes divisor counts it).
        #expect(report.warmUpAcked == 64)
        #expect(report.delivered == 230 && report.lost == 0 && report.duplicated == 0)
        #expect(report.notes.isEmpty, "\(report.notes)")
        #expect(report.shape.batch == 64)
        if openLoop {
            // At 2,000/s a batch of 64 fills for 32 ms, which publish→deliver counts from each
            // notice's due time and write→deliver leaves out (a notice waits ~16 ms on average).
            let written = try #require(report.writeToDeliver)
            #expect(written.count == 230)
            #expect(report.publishToDeliver.p50 - written.p50 > 5, "\(report.publishToDeliver) against \(written)")
        } else {
            #expect(report.writeToDeliver == nil)
        }
    }

    @Test("--batch must fit the window and stay within 1-4096")
    func batchProblems() {
        var load = LoadConfiguration()
        load.batch = 128
        #expect(load.problem?.contains("--window must be at least --batch") == true)
        load.batch = 5000
        #expect(load.problem == "--batch must be 1-4096")
    }

    @Test("--batch-linger: at a steady rate, a batch holds the notices due within the linger, at most --batch")
    func batchLinger() {
        var load = LoadConfiguration()
        load.batch = 64
        load.batchLingerMillis = 2
        #expect(load.problem?.contains("--batch-linger needs an open loop") == true)
        let cases: [(rate: Double, linger: Double, expected: Int)] = [
            (10_000, 2, 21),     // 20 more due within 2 ms of the first
            (10_900, 2, 22),
            (100_000, 2, 64),    // capped at --batch
            (100, 2, 1),         // nothing else due: each notice alone
            (500, 10, 6),
        ]
        for item in cases {
            load.pacing = .openLoop(ratePerPublisher: item.rate)
            load.batchLingerMillis = item.linger
            #expect(load.problem == nil)
            #expect(load.effectiveBatch == item.expected, "\(item)")
        }
        load.batchLingerMillis = 0
        #expect(load.problem == "--batch-linger must be positive (milliseconds)")
        load.batch = nil
        load.batchLingerMillis = 2
        #expect(load.problem == "--batch-linger needs --batch")
    }

    @Test("S9 shape: routine notices plus an urgent publisher; the urgent ones' latency is reported apart, none lost")
    func urgentPublisher() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try BenchmarkDaemonConfig.create(directory: directory, publishers: 2, subscribers: 2, idle: 0,
                                                     limits: BenchmarkDaemonConfig.Limits())
        let configuration = try DaemonConfiguration.load(path: setup.configPath)
        let daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try daemon.start()
        defer { daemon.stop() }

        var load = LoadConfiguration()
        load.publishers = 2
        load.subscribers = 2
        load.layout = .shared
        load.countPerPublisher = 300
        load.warmUpPerPublisher = 20
        load.payloadBytes = 700
        load.pacing = .closedLoop(window: 16)
        load.urgentRate = 50
        load.urgentCount = 10
        #expect(load.problem == nil)
        let identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(publishers: 2, subscribers: 2)
        let report = try LoadRunner(configuration: load, port: port, identities: identities).run()

        // Every notice, routine or urgent, was accepted (urgent is allowed on red) and delivered.
        #expect(report.acked == 310)
        // The warm-up: 20 routine notices and max(1, 10 / 10) urgent ones, not 20 × 2 publishers.
        #expect(report.warmUpAcked == 21)
        #expect(report.nackedTotal == 0, "\(report.nacked)")
        #expect(report.delivered == 620)
        #expect(report.lost == 0 && report.duplicated == 0)
        #expect(report.publishToDeliver.count == 600)
        #expect(report.urgentPublishToDeliver?.count == 20)
        #expect(report.urgentPublishToAck?.count == 10 && report.publishToAck.count == 300)
        #expect(report.table.contains("urgent→deliver"))
    }

    @Test("--urgent-rate needs a shared layout, two publishers and a kind that may be urgent")
    func urgentRateProblems() {
        var load = LoadConfiguration()
        load.urgentRate = 20
        #expect(load.problem?.contains("--publishers 2") == true)
        load.publishers = 2
        load.subscribers = 2
        load.layout = .shared
        #expect(load.problem == nil)
        load.kind = .yellow
        #expect(load.problem?.contains("may be urgent") == true)
        #expect(NoticeFactory.marked(Array(#"{"kind":"red"}"#.utf8), priority: "urgent") == Array(#"{"priority":"urgent","kind":"red"}"#.utf8))
    }

    @Test("a subscriber that stops reading is disconnected by nexd and leaves the others' figures whole")
    func stalledSubscriber() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A 1 MiB outbound buffer (a window of 16 large notices stays far below it): about 8 MB of
        // notices overflow it and the kernel's buffers before the run ends.
        var limits = BenchmarkDaemonConfig.Limits()
        limits.outboundBufferBytes = 1 << 20
        let setup = try BenchmarkDaemonConfig.create(directory: directory, publishers: 1, subscribers: 2, stalled: 1, idle: 0, limits: limits)
        let configuration = try DaemonConfiguration.load(path: setup.configPath)
        let daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try daemon.start()
        defer { daemon.stop() }

        var load = LoadConfiguration()
        load.publishers = 1
        load.subscribers = 2
        load.stalledSubscribers = 1
        load.layout = .shared
        load.countPerPublisher = 2000
        load.warmUpPerPublisher = 20
        load.payloadBytes = 4000
        load.pacing = .closedLoop(window: 16)
        let identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(publishers: 1, subscribers: 2, stalled: 1)
        let report = try LoadRunner(configuration: load, port: port, identities: identities).run()

        #expect(report.acked == 2000)
        #expect(report.expected == 4000)
        #expect(report.delivered == 4000)
        #expect(report.lost == 0)
        #expect(report.duplicated == 0)
        #expect(report.notes.isEmpty, "\(report.notes)")
        let stalled = try #require(report.stalledSubscribers?.first)
        #expect(report.stalledSubscribers?.count == 1)
        #expect(stalled.node == BenchmarkRoster.stalledID(0))
        #expect(stalled.expected == 2000)
        #expect(stalled.wasClosed, "\(stalled)")
        #expect(stalled.received < stalled.expected)
    }
}
