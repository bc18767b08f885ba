import Foundation
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// A node re-sending one accepted notice spends its budget of duplicates; past it the re-sends are
/// refused (`overloaded`, counted into summaries) instead of each writing a `duplicate` record.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DuplicateFloodTests {
    @Test func reSendsAreAnsweredOnlyWithinTheBudget() throws {
        let burst = 5
        let nexd = try TestDaemon { configuration in
            configuration.limits.duplicatesPerSecondPerNode = 1
            configuration.limits.duplicatesBurstPerNode = burst
        }
        defer { nexd.remove() }
        let (flooder, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        guard case .accepted = try flooder.publish(notice) else { Issue.record("the notice was refused"); return }
        let count = 200
        let started = Date()
        try flooder.sendRaw(Array((0..<count).map { _ in FrameEncoder.encode(.publish(envelope: notice.wireBytes)) }.joined()))
        var duplicates = 0
        var overloaded = 0
        var overloadReason = ""
        for _ in 0..<count {
            let answer = try flooder.awaitFrame(timeout: .seconds(10)) { frame -> Frame? in
                switch frame {
                case .ack, .nack: frame
                default: nil
                }
            }
            switch answer {
            case .ack(let ack) where ack.flags.contains(.duplicate): duplicates += 1
            case .nack(let nack) where nack.code == .overloaded:
                overloaded += 1
                overloadReason = nack.reason
            default: Issue.record("unexpected answer \(answer)")
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(duplicates >= burst)
        #expect(duplicates <= burst + Int(elapsed.rounded(.up)), "\(duplicates) duplicates answered in \(elapsed) s")
        #expect(overloaded == count - duplicates)
        #expect(overloadReason.contains("limits.duplicatesPerSecondPerNode"))
        // One `duplicate` record per answered re-send, no more.
        _ = try nexd.awaitRecord { $0.event == "publish" && $0.string("reason") == "overloaded" }
        let records = try nexd.auditRecords().filter { $0.event == "publish" && $0.string("outcome") == "duplicate" }
        #expect(records.count == duplicates)

        // Another node is served meanwhile.
        let border = try nexd.credentials("bcp.rw.rusumo")
        let hit = try signedNotice(from: border, topic: "hit.fr.rw", kind: "hit", matching: notice.envelope.messageID)
        guard case .accepted = try nexd.connect(border).publish(hit) else {
            Issue.record("another node was refused while one node re-sent"); return
        }
    }
}
