import Foundation
import NexClient
import NexServer
import NexWire
import Testing

/// A connection yields its I/O queue after a read budget per wakeup (D36): a peer streaming frames
/// within every rate cannot hold up the other connections sharing the queue.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ReadBudgetTests {
    /// TLS handshake + hello + one publish → ACK of a node whose connection shares an I/O queue
    /// with a streaming connection (in process, debug build, 2 shared cores).
    static let bound = Duration.seconds(1)

    @Test func streamingConnectionsDoNotHoldUpAHandshakeOnTheirIOQueue() throws {
        // Rates off, so the stream is within them: only the read budget stands in its way.
        let nexd = try TestDaemon {
            $0.limits.controlFramesPerSecondPerConnection = 0
            $0.limits.idleTimeout = .zero
        }
        defer { nexd.remove() }
        // One streamer per I/O queue (connections are spread over them by id), so the connection
        // measured below shares a queue with one of them.
        let streamers = try (0..<ProcessInfo.processInfo.activeProcessorCount).map { _ in
            try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"))
        }
        // Receipts that confirm nothing new: no answer, no audit record, only a read.
        let frames = (0..<20_000).flatMap { _ in FrameEncoder.encode(.receipt(throughDeliverySequence: 0)) }
        let stream = DispatchQueue(label: "stream", attributes: .concurrent)
        let written = LockedBox(0)
        for streamer in streamers {
            stream.async {
                let outcome = streamer.flood(frames, total: Int.max, until: .now + .seconds(3))
                written.update { $0 += outcome.written }
            }
        }
        Thread.sleep(forTimeInterval: 0.3)
        var slowest = Duration.zero
        for _ in 0..<3 {
            let start = ContinuousClock.now
            let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
            guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else {
                Issue.record("publish refused during the stream")
                return
            }
            slowest = max(slowest, ContinuousClock.now - start)
            publisher.close()
            Thread.sleep(forTimeInterval: 0.2)
        }
        stream.sync(flags: .barrier) {}
        print("receipt stream by \(streamers.count) connections (\(written.value >> 20) MiB in 3 s): "
              + "slowest handshake + hello + publish → ACK \(slowest)")
        #expect(slowest < Self.bound)
    }
}
