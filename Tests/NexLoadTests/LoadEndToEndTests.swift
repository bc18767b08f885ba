import Foundation
import Logging
import NexServer
import Testing
@testable import NexLoad

@Suite("nex load engine end to end")
struct LoadEndToEndTests {
    @Test("1 publisher → 2 subscribers, 200 notices through an in-process nexd: none lost, none duplicated")
    func smallRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try BenchmarkDaemonConfig.create(directory: directory, publishers: 1, subscribers: 2, idle: 0,
                                                     limits: BenchmarkDaemonConfig.Limits())
        let configuration = try DaemonConfiguration.load(path: setup.configPath)
        let daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try daemon.start()
        defer { daemon.stop() }

        var load = LoadConfiguration()
        load.publishers = 1
        load.subscribers = 2
        load.layout = .shared
        load.countPerPublisher = 200
        load.warmUpPerPublisher = 20
        load.payloadBytes = 700
        load.pacing = .closedLoop(window: 16)
        let identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(publishers: 1, subscribers: 2)
        let report = try LoadRunner(configuration: load, port: port, identities: identities).run()

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
        #expect(report.notes.isEmpty, "\(report.notes)")
    }
}
