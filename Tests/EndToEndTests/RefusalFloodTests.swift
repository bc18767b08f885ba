import Foundation
import NexAudit
import NexClient
import NexServer
import NexWire
import Testing

/// Refused publishes and subscribes cannot fill the disk (issue 11): the peer's strings are cut in
/// their records, and past `limits.refusalsRecordedPerSource` per node, reason and interval the
/// refusals are only counted into one summary record.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RefusalFloodTests {
    /// Control bytes that JSON escapes in six bytes (`\u00XX`): the worst case for the log.
    private static func controlText(_ count: Int) -> String {
        let sixByteEscapes = (0x01...0x1F).filter { ![0x09, 0x0A, 0x0D].contains($0) }
        return String(String.UnicodeScalarView((0..<count).map { Unicode.Scalar(UInt8(sixByteEscapes[$0 % sixByteEscapes.count])) }))
    }

    @Test func aMegabyteOfRefusedFramesFullOfControlBytesAtMostDoublesTheLog() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (connection, gs) = try nexd.connect(as: "gs.fr.lyon")
        nexd.daemon.auditLog.flush()
        let before = try Self.size(of: nexd.auditDirectory)

        let started = ContinuousClock.now
        var sent = 0
        var frames = 0
        var nextSubscription: UInt32 = 1
        while sent < 1_000_000 {
            // One round: invalid topics (the envelope keeps at most 255 bytes of topic), unknown
            // kinds and invalid filters, each full of control bytes.
            var batch: [UInt8] = []
            for _ in 0..<8 {
                let badTopic = try signedNotice(from: gs, topic: Self.controlText(255), payload: "{}")
                let badKind = try signedNotice(from: gs, kind: Self.controlText(4000), payload: "{}")
                batch += FrameEncoder.encode(.publish(envelope: badTopic.wireBytes))
                batch += FrameEncoder.encode(.publish(envelope: badKind.wireBytes))
                batch += FrameEncoder.encode(.subscribe(Subscribe(subscriptionID: nextSubscription, filter: Self.controlText(4000))))
                nextSubscription += 1
            }
            try connection.sendRaw(batch)
            sent += batch.count
            frames += 24
            // Every frame is answered (a refusal), so the round is through before the next one.
            for _ in 0..<24 {
                _ = try connection.awaitFrame(timeout: .seconds(20)) { frame -> Bool? in
                    switch frame {
                    case .nack, .subnack: true
                    case .ack, .suback: false
                    default: nil
                    }
                }
            }
        }
        nexd.stop()
        let growth = try Self.size(of: nexd.auditDirectory) - before
        let elapsed = ContinuousClock.now - started
        print("refusal flood: \(frames) refused frames, \(sent) bytes sent; audit directory grew by \(growth) bytes (\(String(format: "%.3f", Double(growth) / Double(sent)))×) in \(elapsed)")
        #expect(growth <= 2 * sent, "\(sent) bytes of refused frames grew the log by \(growth) bytes")
        #expect(elapsed < .seconds(90))
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(verification.foundNoProblem, "\(String(describing: verification.problem))")
        // No recorded refusal keeps more of a peer's string than the bound and its cut marker.
        let overlong = try nexd.auditRecords().filter { record in
            record.string("outcome") == "refused"
                && ["topic", "kind", "filter", "detail"].contains { (record.string($0)?.utf8.count ?? 0) > 256 + 32 }
        }
        #expect(overlong.count == 0, "\(overlong.count) refusal records keep a peer string over the bound, the first is seq \(overlong.first?.sequence ?? 0)")
    }

    @Test func refusedPublishesAndSubscribesPastTheLimitAreSummarisedWithTheirCount() throws {
        let nexd = try TestDaemon {
            $0.limits.refusalsRecordedPerSource = 3
            // One interval for the whole test: the summaries are written when nexd stops.
            $0.limits.refusalInterval = .seconds(3600)
        }
        defer { nexd.remove() }
        let (connection, gs) = try nexd.connect(as: "gs.fr.lyon")
        let (other, busia) = try nexd.connect(as: "bcp.ke.busia")
        for index in 0..<10 {
            guard case .refused(let nack) = try connection.publish(try signedNotice(from: gs, kind: "mauve\u{1}\(index)")) else {
                Issue.record("a publish of an unknown kind was accepted")
                return
            }
            #expect(nack.code == .unknownKind)
            guard case .refused(let subnack) = try connection.subscribe("Bad\u{1}\(index)", id: UInt32(index + 1)) else {
                Issue.record("an invalid filter was accepted")
                return
            }
            #expect(subnack.code == .invalidFilter)
        }
        // Another node has its own allowance.
        guard case .refused = try other.publish(try signedNotice(from: busia, kind: "mauve")) else {
            Issue.record("a publish of an unknown kind was accepted")
            return
        }
        nexd.stop()
        let records = try nexd.auditRecords()
        for (event, reason) in [("publish", "unknown-kind"), ("subscribe", "invalid-filter")] {
            let refused = records.filter {
                $0.event == event && $0.string("outcome") == "refused" && $0.string("reason") == reason && $0.string("node") == "gs.fr.lyon"
            }
            #expect(refused.filter { $0.integer("count") == nil }.count == 3, "\(event) \(reason)")
            let summaries = refused.filter { $0.integer("count") != nil }
            #expect(summaries.count == 1, "\(event) \(reason)")
            #expect(summaries.first?.integer("count") == 7, "\(event) \(reason)")
            #expect(summaries.first?.integer("conn") == nil)
            #expect(summaries.first?.string("detail")?.contains("gs.fr.lyon") == true)
        }
        let busiaRefusals = records.filter { $0.event == "publish" && $0.string("node") == "bcp.ke.busia" }
        #expect(busiaRefusals.count == 1)
        #expect(busiaRefusals.first?.integer("count") == nil)
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(verification.foundNoProblem, "\(String(describing: verification.problem))")
    }

    /// Bytes of every file under `directory`.
    static func size(of directory: String) throws -> Int {
        let url = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else {
            return 0
        }
        var total = 0
        for case let file as URL in enumerator {
            let values = try file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values.isRegularFile == true { total += values.fileSize ?? 0 }
        }
        return total
    }
}
