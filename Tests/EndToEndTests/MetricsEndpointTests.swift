import Foundation
import NexClient
import NexSync
import NexWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// nexd's metrics and health endpoint (issue 18, D70), scraped over loopback after real traffic
/// over mutual TLS: the figures move, the paths and methods it does not serve are refused, a
/// request head too large is refused, and the message path goes on while a client hangs.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct MetricsEndpointTests {
    /// One HTTP exchange over a plain TCP socket to 127.0.0.1:`port`: the status and the body.
    static func http(_ port: UInt16, _ request: String) throws -> (status: Int, body: String) {
        let fd = try connected(port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            response += chunk[..<count]
        }
        guard !response.isEmpty else { throw HTTPFailure("no answer (closed or reset)") }
        let text = String(decoding: response, as: UTF8.self)
        let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    /// A TCP socket connected to 127.0.0.1:`port`.
    static func connected(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw HTTPFailure("cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    struct HTTPFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The value of the sample line that starts with `prefix` (name and labels), or nil.
    static func sample(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func aScrapeAfterRealTrafficShowsTheFiguresMoved() throws {
        let nexd = try TestDaemon { $0.metrics.enabled = true; $0.metrics.port = 0 }
        defer { nexd.remove() }
        let port = try #require(nexd.daemon.metricsPort)
        let before = try Self.http(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(before.status == 200 && Self.sample(before.body, "nexd_up") == 1)
        #expect(Self.sample(before.body, #"nexd_publishes_total{outcome="accepted",reason=""}"#) == 0)

        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        guard case .accepted = try publisher.publish(notice) else { Issue.record("publish refused"); return }
        guard case .accepted(let retried) = try publisher.publish(notice), retried.isDuplicate else { Issue.record("retry not a duplicate"); return }
        // A notice signed too long ago: refused with its reason.
        let stale = try signedNotice(from: gs, issuedAtMillis: WallClock.nowMillis() - 3_600_000)
        guard case .refused = try publisher.publish(stale) else { Issue.record("a stale notice was accepted"); return }
        _ = try subscriber.nextDelivery(timeout: .seconds(5))

        let after = try Self.http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        #expect(Self.sample(after, #"nexd_publishes_total{outcome="accepted",reason=""}"#) == 1, "\(after)")
        #expect(Self.sample(after, #"nexd_publishes_total{outcome="duplicate",reason=""}"#) == 1)
        #expect(Self.sample(after, #"nexd_publishes_total{outcome="refused",reason="outside-replay-window"}"#) == 1)
        #expect(Self.sample(after, #"nexd_publishes_total{outcome="refused",reason="bad-signature"}"#) == 0)
        #expect(Self.sample(after, "nexd_routed_recipients_total") == 1)
        #expect(Self.sample(after, "nexd_expires_total") == 0)
        #expect((Self.sample(after, "nexd_audit_sequence") ?? 0) > 3)
        #expect(Self.sample(after, #"nexd_connections{role="bcp"}"#) == 1 && Self.sample(after, #"nexd_connections{role="gs"}"#) == 1)
        #expect(Self.sample(after, #"nexd_connections{role="ncb"}"#) == 0)
        #expect((Self.sample(after, "nexd_signature_verification_seconds_count") ?? 0) >= 2)
        #expect((Self.sample(after, "nexd_audit_batch_records_count") ?? 0) >= 1)
        #expect((Self.sample(after, "nexd_audit_sync_seconds_count") ?? 0) >= 1)
        #expect((Self.sample(after, #"nexd_crl_next_update_seconds{ca="Test CA"}"#) ?? 0) > 0)
        #expect((Self.sample(after, #"nexd_crl_age_seconds{ca="Test CA"}"#) ?? -1) >= 0)
        #expect((Self.sample(after, #"nexd_certificate_expiry_seconds{certificate="server"}"#) ?? 0) > 3_600)
        #expect(Self.sample(after, "nexd_audit_writable") == 1)

        subscriber.close()
        publisher.close()
        let deadline = Date().addingTimeInterval(5)
        var closed = try Self.http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        while Date() < deadline, Self.sample(closed, #"nexd_connections{role="bcp"}"#) != 0 {
            Thread.sleep(forTimeInterval: 0.05)
            closed = try Self.http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        }
        #expect(Self.sample(closed, #"nexd_connections{role="bcp"}"#) == 0, "a closed session leaves the gauge")
    }

    @Test func healthReadinessAndWhatItRefuses() throws {
        let nexd = try TestDaemon { $0.metrics.enabled = true; $0.metrics.port = 0 }
        defer { nexd.remove() }
        let port = try #require(nexd.daemon.metricsPort)
        #expect(try Self.http(port, "GET /healthz HTTP/1.1\r\n\r\n") == (200, "ok\n"))
        #expect(try Self.http(port, "GET /readyz HTTP/1.1\r\n\r\n") == (200, "ready\n"))
        #expect(try Self.http(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 405)
        #expect(try Self.http(port, "GET /etc/passwd HTTP/1.1\r\n\r\n").status == 404)
        #expect(try Self.http(port, "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n").status == 431)
        #expect(try Self.http(port, "\u{16}\u{03}\u{01}\r\n\r\n").status == 400)
        // A client that sends nothing holds no notice up: a publish goes through meanwhile.
        let idle = try Self.connected(port)
        defer { close(idle) }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("publish refused"); return }
        #expect(try Self.http(port, "GET /healthz HTTP/1.1\r\n\r\n").status == 200, "another client is served beside the idle one")
        publisher.close()
        // Stopped: nothing listens any more.
        nexd.stop()
        #expect(throws: (any Error).self) { try Self.http(port, "GET /healthz HTTP/1.1\r\n\r\n") }
    }

    @Test func readinessFailsWhenTheAuditLogCannotBeWritten() throws {
        let nexd = try TestDaemon { $0.metrics.enabled = true; $0.metrics.port = 0; $0.audit.recoveryRetry = .seconds(30) }
        defer { nexd.remove() }
        let port = try #require(nexd.daemon.metricsPort)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        nexd.daemon.auditLog.flush()   // its connect record is durable
        nexd.daemon.auditLog.injectFault(.failWrites(errno: EIO))
        _ = try? publisher.publish(try signedNotice(from: gs))
        let deadline = Date().addingTimeInterval(5)
        var ready = try Self.http(port, "GET /readyz HTTP/1.1\r\n\r\n")
        while Date() < deadline, ready.status == 200 {
            Thread.sleep(forTimeInterval: 0.05)
            ready = try Self.http(port, "GET /readyz HTTP/1.1\r\n\r\n")
        }
        #expect(ready.status == 503 && ready.body.contains("audit log not writable"), "\(ready)")
        let metrics = try Self.http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        #expect(Self.sample(metrics, "nexd_audit_writable") == 0)
        #expect(try Self.http(port, "GET /healthz HTTP/1.1\r\n\r\n").status == 200, "alive, not ready")
        nexd.daemon.auditLog.injectFault(nil)
        publisher.close()
    }

    /// Polls /metrics until `sample` has `value` (the sampled gauges change once a second).
    static func await(_ port: UInt16, _ sample: String, _ accept: (Double) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(5)
        var text = try http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        while Date() < deadline, !(Self.sample(text, sample).map(accept) ?? false) {
            Thread.sleep(forTimeInterval: 0.1)
            text = try http(port, "GET /metrics HTTP/1.1\r\n\r\n").body
        }
        return text
    }

    @Test func receiptsOutstandingAndInboxesAreSampled() throws {
        let nexd = try TestDaemon { $0.metrics.enabled = true; $0.metrics.port = 0 }
        defer { nexd.remove() }
        let port = try #require(nexd.daemon.metricsPort)
        let post = try nexd.connectDurable(try nexd.credentials("bcp.ke.busia"))
        guard case .accepted = try post.subscribeDurable("notice.>", id: 1) else { Issue.record("durable subscribe refused"); return }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("publish refused"); return }
        let delivery = try post.nextDelivery(timeout: .seconds(5))
        // Delivered, not yet receipted: outstanding, and kept in the inbox until it is.
        var text = try Self.await(port, "nexd_receipts_outstanding") { $0 == 1 }
        #expect(Self.sample(text, "nexd_receipts_outstanding") == 1, "\(text)")
        #expect(Self.sample(text, "nexd_inboxes") == 1 && Self.sample(text, "nexd_inbox_entries") == 1)
        #expect((Self.sample(text, "nexd_inbox_bytes") ?? 0) > 100 && Self.sample(text, "nexd_broker_queue_delay_seconds") != nil)
        try post.sendReceipt(through: delivery.deliverySequence)
        text = try Self.await(port, "nexd_inbox_entries") { $0 == 0 }
        #expect(Self.sample(text, "nexd_receipts_outstanding") == 0 && Self.sample(text, "nexd_inbox_entries") == 0, "\(text)")
        post.close()
        publisher.close()
    }

    @Test func disabledByDefault() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        #expect(nexd.daemon.metricsPort == nil)
    }
}
