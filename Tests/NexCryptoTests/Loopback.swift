import Dispatch
import Foundation
import Glibc
import NexSync

/// A one-connection loopback TCP harness: the server side runs on its own thread.
enum Loopback {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Seconds any socket read or write may block before failing the test.
    static let timeoutSeconds = 5

    /// Ignored once per process: the socket BIO writes with plain `write()`, and a peer that already
    /// closed must produce `EPIPE`, not kill the test runner.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Accepts one connection on 127.0.0.1 (ephemeral port) and runs `serve` with it on a new
    /// thread, while `client` runs here with a connected socket. Both sockets are closed afterwards.
    /// - Returns: What `serve` returned.
    static func run<Report: Sendable>(
        serve: @escaping @Sendable (Int32) -> Report,
        client: (Int32) throws -> Void
    ) throws -> Report {
        _ = ignoreSIGPIPE
        let listener = try makeSocket()
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        try check(withSocketAddress(&address) { bind(listener, $0, $1) }, "bind")
        try check(listen(listener, 1), "listen")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try check(withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }, "getsockname")

        let finished = DispatchSemaphore(value: 0)
        let box = SendableBox<Report>()
        Thread {
            defer { finished.signal() }
            // SO_RCVTIMEO on the listener bounds accept() on Linux.
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            setTimeouts(connection)
            let report = serve(connection)
            box.value.withLock { $0 = report }
        }.start()

        let connection = try makeSocket()
        defer { close(connection) }
        try check(withSocketAddress(&address) { connect(connection, $0, $1) }, "connect")
        try client(connection)
        guard finished.wait(timeout: .now() + .seconds(timeoutSeconds * 2)) == .success else {
            throw Failure(description: "server side did not finish in time")
        }
        guard let report = box.value.withLock({ $0 }) else {
            throw Failure(description: "server side did not accept a connection")
        }
        return report
    }

    private static func makeSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try check(fd, "socket")
        setTimeouts(fd)
        return fd
    }

    private static func setTimeouts(_ fd: Int32) {
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    private static func withSocketAddress(
        _ address: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private static func check(_ status: Int32, _ what: String) throws {
        if status < 0 { throw Failure(description: "\(what): \(String(cString: strerror(errno)))") }
    }
}

/// Shares a lock with the server thread.
final class SendableBox<Value: Sendable>: Sendable {
    let value = Locked<Value?>(nil)
}
