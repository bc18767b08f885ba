import Foundation
import NexAudit
import NexClient
import NexServer
import NexWire
import Testing

/// Control frames (`certificateRequest`, `ping`, `subscribe`, `unsubscribe`) are bounded per
/// connection like publishes (D34): a rate past which nexd closes the connection (`overloaded`,
/// disconnect reason `control-frame-rate`), and a count of answers not yet queued past which it
/// stops reading. One node's flood does not hold up another node's publish → ACK.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ControlFrameFloodTests {
    /// How long another node's publish → ACK may take during a flood (debug build, 2 shared cores).
    static let acknowledgementBound = Duration.seconds(5)
    /// The same for a publisher whose connection shares an I/O queue with a flooder (in process,
    /// no fsync wait): ~4 ms measured here with the bound on queued answers, 3.9-4.5 s without it.
    static let sharedQueueAcknowledgementBound = Duration.seconds(1)

    /// Publishes `count` notices as `publisher` while the flood runs, returning the slowest publish → ACK.
    private func slowestAcknowledgement(_ publisher: NexConnection, _ credentials: NodeCredentials, count: Int) throws -> Duration {
        var slowest = Duration.zero
        for _ in 0..<count {
            let start = ContinuousClock.now
            guard case .accepted = try publisher.publish(try signedNotice(from: credentials)) else {
                Issue.record("publish refused during the flood")
                return slowest
            }
            slowest = max(slowest, ContinuousClock.now - start)
            Thread.sleep(forTimeInterval: 0.05)
        }
        return slowest
    }

    @Test func aConnectionOverItsControlFrameRateIsClosedAndAuditedWhileOthersPublish() throws {
        let nexd = try TestDaemon { $0.limits.controlFramesPerSecondPerConnection = 200 }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let flooder = try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"), receiveBufferBytes: 4096)
        let frames = RawTLSClient.controlFrames(10_000)
        let flood = DispatchQueue(label: "flood")
        let result = LockedBox<(written: Int, closed: Bool)?>(nil)
        flood.async {
            let outcome = flooder.flood(frames, total: 30 << 20, until: .now + .seconds(20))
            result.update { $0 = outcome }
        }
        let slowest = try slowestAcknowledgement(publisher, gs, count: 10)
        print("control-frame-rate flood: slowest publish → ACK of another node \(slowest)")
        #expect(slowest < Self.acknowledgementBound)
        let record = try #require(try nexd.awaitRecord(timeout: .seconds(10)) {
            $0.event == "disconnect" && $0.string("reason") == "control-frame-rate"
        })
        #expect(record.string("node") == "bcp.rw.rusumo")
        #expect(record.string("detail")?.contains("limits.controlFramesPerSecondPerConnection") == true)
        flood.sync {}
        let outcome = try #require(result.value)
        #expect(outcome.closed, "nexd closed the flooding connection (\(outcome.written) bytes written)")
        // Another connection of the same node is unaffected by the closed one's rate.
        let (again, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try again.subscribe("notice.>", id: 1) == .accepted)
    }

    /// One flooder per I/O queue (connections are spread over them by id), so the publisher's
    /// connection shares a queue with one: a flooder read without pause would hold it up.
    @Test func aFloodWithNoRateLimitPausesReadingAndOthersStillGetTheirACKs() throws {
        let nexd = try TestDaemon {
            $0.limits.controlFramesPerSecondPerConnection = 0
            $0.limits.maxUnansweredControlFramesPerConnection = 64
            // The flooders never read: with a small outbound buffer they are found slow consumers
            // within the flood even when nexd runs slowly (sanitizers, a loaded machine), where 8 MiB
            // of answers took longer than the flood lasts.
            $0.limits.outboundBufferBytes = 1 << 20
        }
        defer { nexd.remove() }
        let flooders = try (0..<ProcessInfo.processInfo.activeProcessorCount).map { _ in
            try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"), receiveBufferBytes: 4096)
        }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let frames = RawTLSClient.controlFrames(20_000)
        let flood = DispatchQueue(label: "flood", attributes: .concurrent)
        for flooder in flooders {
            flood.async { _ = flooder.flood(frames, total: 30 << 20, until: .now + .seconds(15)) }
        }
        Thread.sleep(forTimeInterval: 0.2)
        let slowest = try slowestAcknowledgement(publisher, gs, count: 20)
        print("unlimited-rate flood by \(flooders.count) connections: slowest publish → ACK of another node \(slowest)")
        #expect(slowest < Self.sharedQueueAcknowledgementBound)
        // The flooders never read: their answers fill the kernel's send buffer and then the outbound
        // buffer, and they are slow consumers. Under a sanitizer nexd handles too few frames in the
        // 15 s flood to get there (several MB of answers); the ACK bound above is still checked.
        let isSanitized = ProcessInfo.processInfo.environment["NEX_SANITIZER"] != nil
        for _ in flooders where !isSanitized {
            let record = try #require(try nexd.awaitRecord(timeout: .seconds(20)) {
                $0.event == "disconnect" && $0.string("node") == "bcp.rw.rusumo"
            })
            #expect(record.string("reason") == "slow-consumer")
        }
        flood.sync(flags: .barrier) {}
    }
}

/// Frames that cost nexd only a read — `pong`, and a `receipt` confirming nothing new — take a
/// control-frame token too: a stream of them is closed like any control-frame flood (review of
/// issue 11: two connections streaming pongs held a third node's handshake for 7 s).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct IdleFrameFloodTests {
    @Test(arguments: ["pong", "receipt"])
    func aStreamOfIdleFramesIsClosedAsAControlFrameFlood(kind: String) throws {
        let nexd = try TestDaemon { $0.limits.controlFramesPerSecondPerConnection = 200 }
        defer { nexd.remove() }
        let flooder = try RawTLSClient(port: nexd.port, credentials: try nexd.credentials("bcp.rw.rusumo"), receiveBufferBytes: 4096)
        var frames: [UInt8] = []
        for index in 0..<10_000 {
            FrameEncoder.encode(kind == "pong" ? .pong(nonce: UInt64(index)) : .receipt(throughDeliverySequence: 0), into: &frames)
        }
        let outcome = flooder.flood(frames, total: 4 << 20, until: .now + .seconds(15))
        #expect(outcome.closed, "nexd closed the connection after \(outcome.written) bytes")
        let record = try #require(try nexd.awaitRecord(timeout: .seconds(10)) {
            $0.event == "disconnect" && $0.string("reason") == "control-frame-rate"
        })
        #expect(record.string("detail")?.contains("last was \(kind)") == true, "\(record.string("detail") ?? "")")
        // A node that stays within the rate keeps its connection.
        let (other, _) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try other.subscribe("request.>", id: 1) == .accepted)
    }
}
