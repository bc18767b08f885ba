import Foundation
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// A node that connects and disconnects in a loop is refused past its connect rate (`overloaded`,
/// reason `connect-rate`), so its churn cannot grow the log without bound; other nodes connect.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ConnectChurnTests {
    @Test func connectsPastTheRateAreRefused() throws {
        let burst = 3
        let nexd = try TestDaemon { configuration in
            configuration.limits.connectsPerSecondPerNode = 1
            configuration.limits.connectsBurstPerNode = burst
        }
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let started = Date()
        var accepted = 0
        var refusal: ClientError?
        for _ in 0..<8 {
            do {
                let connection = try nexd.connect(gs)
                accepted += 1
                connection.close()
            } catch let error as ClientError {
                refusal = error
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(accepted >= burst)
        #expect(accepted <= burst + Int(elapsed.rounded(.up)), "\(accepted) connects accepted in \(elapsed) s")
        #expect(refusal?.code == .refused(.overloaded))
        #expect(refusal?.message.contains("limits.connectsPerSecondPerNode") == true)
        let record = try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" }
        #expect(record?.string("reason") == "connect-rate")
        #expect(record?.string("node") == "gs.fr.lyon")

        // Another node has its own rate.
        let (other, _) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(other.welcome.nodeID == "ncb.rw.kigali")
    }
}
