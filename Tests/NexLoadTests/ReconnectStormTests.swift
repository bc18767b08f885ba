import Foundation
import Logging
import NexConfig
import NexServer
import NexWire
import Testing
@testable import NexLoad

@Suite("reconnect storm (S8)")
struct ReconnectStormTests {
    @Test("5 durable posts offline while 20 notices are published: every inbox drains after the reconnect, none lost")
    func smallStorm() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-storm-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var storm = ReconnectStormConfiguration()
        storm.posts = 5
        storm.notices = 20
        storm.countryCount = 2
        storm.payloadBytes = 700
        storm.window = 8
        storm.connectConcurrency = 2
        storm.receiptEvery = 4
        let setup = try BenchmarkDaemonConfig.create(
            directory: directory, publishers: 1, subscribers: 0, idle: 0, limits: BenchmarkDaemonConfig.Limits(),
            durablePostCountries: (0..<storm.posts).map { storm.country(ofPost: $0) })
        let configuration = try DaemonConfiguration.load(path: setup.configPath)
        let daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try daemon.start()
        defer { daemon.stop() }

        let issuer = try BenchmarkIssuer(pki: setup.pkiDirectory)
        let runner = ReconnectStormRunner(configuration: storm, port: port, publisher: try issuer.credentials(BenchmarkRoster.publisherID(0)),
                                          posts: try issuer.durablePosts(of: storm))
        let report = try runner.run()

        #expect(report.acked == 20)
        // Posts 0, 2, 4 are in ke (notices 0, 2, …, 18), posts 1, 3 in ug: 3 × 10 + 2 × 10.
        #expect(report.expected == 50)
        #expect(report.delivered == 50)
        #expect(report.lost == 0)
        #expect(report.duplicated == 0)
        #expect(report.unexpected == 0)
        #expect(report.notes.isEmpty, "\(report.notes)")
        let figures = try #require(report.reconnectStorm)
        #expect(figures.postsDrained == 5)
        // nexd kept every notice while the posts were away, and said so when they came back.
        #expect(figures.waitingAtReconnect == 50)
        #expect(figures.expiredAtReconnect == 0)
        #expect(figures.drainSeconds > 0)
        #expect(report.deliveriesPerSecond > 0)
    }

    @Test("accounting: a post missing a notice of its country is a loss; a repeat is a duplicate; another country's is unexpected")
    func accounting() {
        var acknowledged = SequenceSet()
        for sequence in 0..<6 { acknowledged.insert(sequence) }
        let owed = StormAccounting.owed(acknowledged: acknowledged, notices: 6, posts: 2, countryOfNotice: { $0 % 2 },
                                        countryOfPost: { $0 % 2 })
        #expect(owed.perPost == [3, 3])
        let runTag: UInt16 = 7
        func id(_ sequence: Int) -> MessageID { MessageTag(publisher: 0, isMeasured: true, sequence: sequence).messageID(runTag: runTag, millis: 1) }
        var first = DeliveryTally(runTag: runTag)
        for sequence in [0, 2, 2] { first.record(id(sequence)) }
        var second = DeliveryTally(runTag: runTag)
        for sequence in [1, 3, 5, 4] { second.record(id(sequence)) }
        let accounting = StormAccounting(tallies: [first, second], owedByCountry: owed.perCountry, countryOfPost: { $0 % 2 })
        #expect(accounting.expected == 6)
        #expect(accounting.delivered == 5)
        #expect(accounting.lost == 1)
        #expect(accounting.duplicated == 1)
        #expect(accounting.unexpected == 1)
    }

    @Test("a storm whose inboxes would pass nexd's inbox bound is refused before it starts")
    func inboxBound() {
        var storm = ReconnectStormConfiguration()
        storm.notices = 200_000
        #expect(storm.problem?.contains("limits.inboxMessagesPerNode") == true)
        storm.notices = 10_000
        #expect(storm.problem == nil)
        #expect(storm.largestInbox == 1000)
        #expect(storm.filter(ofPost: 11) == "notice.*.ug")
        #expect(storm.topics.first == "notice.yellow.ke")
    }
}
