import Foundation
import Testing
@testable import NexServer

#if canImport(Glibc)
import Glibc
#endif

/// The metrics endpoint's bounds (issue 18, D70), with small limits: a new client evicts the oldest,
/// a client that sends nothing is closed at its timeout, and an answered client's close is clean.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct MetricsEndpointLimitTests {
    static func connect(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// What the endpoint sends until it closes (empty: closed without an answer).
    static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    @Test func aNewClientEvictsTheOldestAndASilentOneIsClosedAtItsTimeout() throws {
        var limits = MetricsEndpoint.Limits()
        limits.maxConnections = 1
        limits.timeout = .milliseconds(300)
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0, limits: limits, metrics: { "nexd_up 1\n" }, readiness: { .init(problems: []) })
        endpoint.start()
        defer { endpoint.stop() }
        // A client that sends nothing holds the only place …
        let silent = Self.connect(endpoint.port)
        defer { close(silent) }
        Thread.sleep(forTimeInterval: 0.05)
        // … until a new one comes: the probe is answered, the silent one closed without an answer.
        let probe = Self.connect(endpoint.port)
        defer { close(probe) }
        Self.send(probe, "GET /healthz HTTP/1.1\r\n\r\n")
        #expect(Self.readAll(probe).hasSuffix("\r\n\r\nok\n"))
        #expect(Self.readAll(silent).isEmpty)
        // Alone, a silent client is closed at its timeout.
        let late = Self.connect(endpoint.port)
        defer { close(late) }
        let started = Date()
        #expect(Self.readAll(late).isEmpty)
        #expect(Date().timeIntervalSince(started) < 2.5, "closed by the endpoint, not by the read timeout")
    }

    @Test func aHeadPastTheLimitGets431AndABodyAfterAnAnswerIsNoReset() throws {
        var limits = MetricsEndpoint.Limits()
        limits.maxRequestBytes = 256
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0, limits: limits, metrics: { "" }, readiness: { .init(problems: []) })
        endpoint.start()
        defer { endpoint.stop() }
        let big = Self.connect(endpoint.port)
        defer { close(big) }
        // No blank line, past the limit: answered at once, not read for ever.
        Self.send(big, "GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 1000))
        #expect(Self.readAll(big).hasPrefix("HTTP/1.1 431 "))
        let post = Self.connect(endpoint.port)
        defer { close(post) }
        Self.send(post, "POST /metrics HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "b", count: 2000))
        #expect(Self.readAll(post).hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
    }
}
