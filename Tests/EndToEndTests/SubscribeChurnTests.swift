import Foundation
import NexClient
import NexServer
import NexWire
import Testing

/// Subscribe/unsubscribe churn cannot fill the disk (issue 11, D35): every accepted subscribe and
/// unsubscribe is an audit record, so a node's accepted subscribes are rate-limited over all its
/// connections (`limits.subscribesPerSecondPerNode`, burst `limits.maxSubscriptionsPerNode`); past
/// it a subscribe gets SUBNACK `overloaded`. Unsubscribes are always honoured, and each needs an
/// accepted subscribe before it.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct SubscribeChurnTests {
    static let connections = 4
    static let flood = Duration.milliseconds(1500)
    /// Generous bytes per subscription record (≈ 310 measured) and room for checkpoints and summaries.
    static let bytesPerRecord = 600
    static let slack = 64 << 10

    /// `pairs` subscribe/unsubscribe pairs with ids from `first`.
    private static func pairs(from first: UInt32, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in first..<(first + UInt32(count)) {
            FrameEncoder.encode(.subscribe(Subscribe(subscriptionID: id, filter: "notice.red.\(id % 100)")), into: &bytes)
            FrameEncoder.encode(.unsubscribe(subscriptionID: id), into: &bytes)
        }
        return bytes
    }

    @Test func oneNodesChurnGrowsTheLogByAtMostItsSubscribeRate() throws {
        let nexd = try TestDaemon {
            $0.limits.maxSubscriptionsPerNode = 256
            $0.limits.subscribesPerSecondPerNode = 10
        }
        defer { nexd.remove() }
        let limits = nexd.configuration.limits
        // The churners do not read their answers (a few KB, far under limits.outboundBufferBytes):
        // what was accepted is read from the audit log.
        let churners = try (0..<Self.connections).map { _ in
            try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"))
        }
        nexd.daemon.auditLog.flush()
        let before = try RefusalFloodTests.size(of: nexd.auditDirectory)
        let started = ContinuousClock.now
        let group = DispatchGroup()
        for (index, churner) in churners.enumerated() {
            DispatchQueue.global().async(group: group) {
                // 45 pairs every 100 ms: ~900 control frames a second, as fast as the connection's
                // rate allows (limits.controlFramesPerSecondPerConnection 1000).
                var next = UInt32(index * 1_000_000 + 1)
                var round = 0
                while ContinuousClock.now - started < Self.flood {
                    do {
                        try churner.sendRaw(Self.pairs(from: next, count: 45))
                    } catch {
                        Issue.record("churner \(index) was closed: \(error)")
                        return
                    }
                    next += 45
                    round += 1
                    let due = started + .milliseconds(100 * round)
                    if ContinuousClock.now < due { Thread.sleep(forTimeInterval: Double((due - ContinuousClock.now) / .seconds(1))) }
                }
            }
        }
        // Another node subscribes meanwhile: its bucket is its own.
        Thread.sleep(forTimeInterval: 0.5)
        let (other, _) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try other.subscribe("notice.>", id: 1) == .accepted)
        group.wait()
        Thread.sleep(forTimeInterval: 0.3)   // the last frames are handled
        let elapsed = Double((ContinuousClock.now - started) / .seconds(1))
        nexd.daemon.auditLog.flush()
        let growth = try RefusalFloodTests.size(of: nexd.auditDirectory) - before
        let records = try nexd.auditRecords().filter { $0.string("node") == "bcp.rw.rusumo" }
        let accepted = records.filter { $0.event == "subscribe" && $0.string("outcome") == "accepted" }.count
        let unsubscribed = records.filter { $0.event == "unsubscribe" && $0.string("outcome") == "accepted" }.count
        let refused = records.filter { $0.event == "subscribe" && $0.string("outcome") == "refused" }
        let overloaded = refused.filter { $0.string("reason") == "overloaded" }.count
        let allowed = limits.maxSubscriptionsPerNode + Int(Double(limits.subscribesPerSecondPerNode) * elapsed) + 1
        // Each accepted subscribe allows one accepted unsubscribe; refusals past
        // refusalsRecordedPerSource are only counted.
        let bound = (2 * allowed + limits.refusalsRecordedPerSource) * Self.bytesPerRecord + Self.slack
        print("subscribe churn by \(Self.connections) connections for \(String(format: "%.2f", elapsed)) s: "
              + "\(accepted) subscribes and \(unsubscribed) unsubscribes accepted, \(overloaded) refusals recorded; "
              + "audit directory grew by \(growth) bytes (\(Int(Double(growth) / elapsed)) B/s; bound \(bound))")
        #expect(accepted <= allowed)
        #expect(unsubscribed <= accepted)
        #expect(growth <= bound)
        #expect(overloaded > 0)
        #expect(refused.allSatisfy { $0.string("reason") == "overloaded" })
        #expect(refused.filter { $0.integer("count") == nil }.count <= limits.refusalsRecordedPerSource)
        #expect(refused.first?.string("detail")?.contains("limits.subscribesPerSecondPerNode") == true)
        // The node itself is told: a SUBNACK overloaded naming the key, once its few refilled tokens are spent.
        let (late, _) = try nexd.connect(as: "bcp.rw.rusumo")
        var answer = SubscribeOutcome.accepted
        for id in UInt32(1)...50 where answer == .accepted {
            answer = try late.subscribe("notice.red.\(id)", id: id)
        }
        guard case .refused(let nack) = answer else {
            Issue.record("50 subscribes in a row were accepted")
            return
        }
        #expect(nack.code == .overloaded)
        #expect(nack.reason.contains("limits.subscribesPerSecondPerNode"))
    }
}
