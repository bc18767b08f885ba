import Dispatch
import Foundation
@testable import NexAudit
import NexClient
import NexServer
import NexWire
import Testing

/// The byte bound on publishes awaiting their answer (limits.maxInFlightPublishBytesPerConnection,
/// D47) pauses reading: with the audit writer held, large publishes stop being taken from the
/// socket once their bytes reach the bound, long before the count bound (1024) would act.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct InFlightPublishBytesPauseTests {
    /// Publishes appended to the held audit log (one append per publish) after a pipelined burst of
    /// 120 publishes of ~20 KiB, with the byte bound at `limit`.
    private func appendsWhileTheWriterIsHeld(limit: Int) throws -> Int {
        let nexd = try TestDaemon { $0.limits.maxInFlightPublishBytesPerConnection = limit }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<120).map { _ in try signedNotice(from: gs, padding: 20_000) }
        let log = nexd.daemon.auditLog
        let release = DispatchSemaphore(value: 0)
        log.queue.async { release.wait() }   // nothing becomes durable: no publish is answered
        let sender = DispatchQueue(label: "burst")
        let burst = notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) }
        // The write blocks once nexd stops reading; the test reads the answers only after the
        // write has finished, so the connection is never used from two threads at once.
        nonisolated(unsafe) let writer = publisher
        sender.async { try? writer.sendRaw(burst) }
        // Let nexd take what it will: up to 5 s, or until the whole burst has reached the broker.
        // (A bounded run settles within a few ms; the wait also covers a loaded machine.)
        var appended = 0
        for _ in 0..<50 {
            Thread.sleep(forTimeInterval: 0.1)
            appended = log.pending.withLock { $0.entries.count }
            if appended >= notices.count { break }
        }
        release.signal()
        sender.sync {}   // the burst is written (nexd reads again) before this thread reads the answers
        var answered = 0
        while answered < notices.count {
            switch try publisher.nextFrame(timeout: .seconds(10)) {
            case .ack: answered += 1
            case .nack(let nack): Issue.record("refused: \(nack.reason)"); return appended
            default: break
            }
        }
        return appended
    }

    @Test func largePublishesStopBeingReadAtTheByteBound() throws {
        // 64 KiB holds three publishes of ~20 KiB; reading pauses at the fourth. A few more may be
        // in the decoder's buffer already (one TLS read), never the whole burst.
        let bounded = try appendsWhileTheWriterIsHeld(limit: 65_536)
        #expect(bounded <= 12, "\(bounded) publishes reached the broker with a 64 KiB bound")
        // Without it (8 MiB holds the burst), all of them are taken while the writer is held.
        let unbounded = try appendsWhileTheWriterIsHeld(limit: 8 << 20)
        #expect(unbounded >= 100, "only \(unbounded) publishes reached the broker without the bound")
    }
}
