import Foundation
import NexAudit
import NexClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A flood of TCP connections that never start a handshake does not lock a real node out: at
/// `limits.maxPendingHandshakes` the oldest pending handshake is evicted, and the evictions are
/// summarised like other unauthenticated refusals.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct HandshakeFloodTests {
    @Test func aValidNodeGetsInDuringAFloodOfStalledConnections() throws {
        let nexd = try TestDaemon { configuration in
            configuration.limits.maxPendingHandshakes = 50
            configuration.limits.refusalsRecordedPerSource = 20
            // One interval for the whole test: the summary is written at stop.
            configuration.limits.refusalInterval = .seconds(600)
        }
        defer { nexd.remove() }
        // 300 loopback connections that say nothing, closed at the end.
        var flood: [Int32] = []
        defer { for fd in flood { close(fd) } }
        for _ in 0..<300 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #expect(fd >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = nexd.port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            flood.append(fd)
        }
        // The flood is in the accept queue ahead of the node (first in, first accepted); wait until
        // nexd has started evicting it.
        let deadline = ContinuousClock.now + .seconds(10)
        while evictionCount(try nexd.auditRecords()) < 20, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }

        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        guard case .accepted = try subscriber.subscribe("notice.>", id: 1) else { Issue.record("subscribe refused"); return }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        guard case .accepted = try publisher.publish(notice) else { Issue.record("publish refused"); return }
        let delivery = try subscriber.nextDelivery(timeout: .seconds(5))
        #expect(delivery.deliverySequence == 1)

        nexd.stop()
        let evictions = try nexd.auditRecords().filter { $0.string("reason") == "handshake-evicted" }
        let individual = evictions.filter { $0.integer("count") == nil }
        #expect(individual.count == 20, "recorded one by one only up to limits.refusalsRecordedPerSource")
        let summaries = evictions.filter { $0.integer("count") != nil }
        #expect(summaries.count == 1, "the rest are counted into one summary record")
        #expect(evictionCount(evictions) >= 250, "300 stalled connections, at most 50 pending at once")
        #expect(evictions.allSatisfy { $0.string("outcome") == "refused" && $0.event == "connect" })
    }

    /// Evictions recorded one by one plus those counted into summary records.
    private func evictionCount(_ records: [AuditRecord]) -> Int {
        records.filter { $0.string("reason") == "handshake-evicted" }.reduce(0) { total, record in
            total + (record.integer("count").map { Int($0) } ?? 1)
        }
    }
}
