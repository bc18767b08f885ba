import Dispatch
import NexClient
import NexCrypto
import NexSync
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Opens many idle node connections (TLS 1.3 mutual handshake + hello/welcome, then nothing) and
/// keeps them open, to measure nexd's memory per connection and its connection rate.
public final class IdleConnections: @unchecked Sendable {
    private let lanes: [EventLane]
    /// Every connection; touched only by the caller's thread before ``open`` and after it returned.
    private var connections: [LoadConnection] = []

    /// Idle connections spread over `lanes` event lanes.
    public init(lanes: Int = 2) {
        self.lanes = (0..<max(1, lanes)).map { EventLane(index: 100 + $0) }
    }

    /// Issues credentials for `count` idle nodes that share one key (certificates are what nexd
    /// checks; the key only proves possession in the handshake).
    public static func credentials(count: Int, issuer: BenchmarkIssuer) throws -> [NodeCredentials] {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let slots = Locked<[Int: NodeCredentials]>([:])
        let failure = Locked<String?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do {
                let credentials = try issuer.credentials(BenchmarkRoster.idleID(index), key: key)
                slots.withLock { $0[index] = credentials }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        if let message = failure.withLock({ $0 }) { throw LoadError("cannot issue idle-node certificates: \(message)") }
        return slots.withLock { dictionary in (0..<count).map { dictionary[$0]! } }
    }

    /// Connects every node, at most `concurrency` handshakes at a time; returns the measurement
    /// (without RSS, which the caller reads while the connections are open).
    public func open(credentials: [NodeCredentials], host: String = "127.0.0.1", port: UInt16,
                     concurrency: Int = 64, timeout: Double = 120) throws(LoadError) -> LoadReport.IdleConnections {
        ProcessStats.raiseOpenFileLimit()
        signal(SIGPIPE, SIG_IGN)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw LoadError("host must be an IPv4 address") }
        // TLS contexts are built before timing starts: they are the client's cost, not nexd's.
        let contexts = Locked<[Int: TLSContext]>([:])
        DispatchQueue.concurrentPerform(iterations: credentials.count) { index in
            let item = credentials[index]
            if let context = try? TLSContext.client(certificate: item.certificate, key: item.key, trustRoots: item.trustRoots) {
                contexts.withLock { $0[index] = context }
            }
        }
        let opened = Atomic<Int>(0)
        let ended = Atomic<Int>(0)
        let firstFailure = Locked<String?>(nil)
        let start = MonotonicClock.nanoseconds()
        var started = 0
        let total = credentials.count
        let deadline = start + UInt64(timeout * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            let done = opened.load(ordering: .relaxed) + ended.load(ordering: .relaxed)
            if done >= total { break }
            while started < total, started - done < concurrency {
                guard let context = contexts.withLock({ $0[started] }) else {
                    throw LoadError("cannot make a TLS context for \(credentials[started].nodeID)")
                }
                let connection = try LoadConnection(lane: lanes[started % lanes.count], address: address, context: context,
                                                    clientName: "nex-load-idle")
                connection.onOpen = { _ in opened.add(1, ordering: .relaxed) }
                connection.onClose = { reason in
                    ended.add(1, ordering: .relaxed)
                    firstFailure.withLock { if $0 == nil { $0 = reason } }
                }
                connections.append(connection)
                connection.start()
                started += 1
            }
            usleep(1_000)
        }
        let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        let connected = opened.load(ordering: .relaxed)
        if connected == 0, let reason = firstFailure.withLock({ $0 }) { throw LoadError("no idle connection succeeded: \(reason)") }
        return LoadReport.IdleConnections(
            connected: connected, failed: total - connected, connectionsPerSecond: Double(connected) / max(seconds, 1e-9),
            nexdRSSBeforeMB: nil, nexdRSSMB: nil)
    }

    /// Closes every connection.
    public func closeAll() {
        for connection in connections {
            connection.lane.queue.sync {
                connection.onClose = nil
                connection.close(nil)
            }
        }
        connections.removeAll()
    }
}
