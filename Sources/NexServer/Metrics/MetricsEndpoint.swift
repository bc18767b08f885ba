import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// nexd's HTTP endpoint for metrics and health (issue 18, D70): a listening socket (loopback by
/// default) served on one serial queue of its own — never the connections' I/O queues, the
/// broker's or the audit writer's, so a scrape never holds up a notice. It reads at most
/// ``Limits/maxRequestBytes`` of a request head, answers (``MetricsRoutes``) and closes; at most
/// ``Limits/maxConnections`` clients at once (more are closed at once), and a client that has not
/// sent its head within ``Limits/timeout`` is closed.
final class MetricsEndpoint: @unchecked Sendable {
    struct Limits: Sendable {
        var maxConnections = 8
        var maxRequestBytes = 8192
        var timeout: DispatchTimeInterval = .seconds(5)
    }

    /// One client being read (queue-confined).
    private final class Client {
        let fileDescriptor: Int32
        var buffer: [UInt8] = []
        var source: DispatchSourceRead?
        var timer: DispatchSourceTimer?

        init(fileDescriptor: Int32) {
            self.fileDescriptor = fileDescriptor
        }
    }

    let port: UInt16
    private let queue = DispatchQueue(label: "nex.metrics")
    private let socket: ListeningSocket
    private let limits: Limits
    private let metrics: @Sendable () -> String
    private let readiness: @Sendable () -> MetricsRoutes.Readiness
    // Queue-confined.
    private var acceptSource: DispatchSourceRead?
    private var clients: [Int32: Client] = [:]

    /// Binds `host:port` (0: a free port). Does not accept until ``start()``.
    init(host: String, port: UInt16, limits: Limits = Limits(), metrics: @escaping @Sendable () -> String,
         readiness: @escaping @Sendable () -> MetricsRoutes.Readiness) throws(DaemonError) {
        do {
            socket = try ListeningSocket.bind(host: host, port: port, backlog: 16, key: "metrics")
        } catch {
            throw DaemonError("metrics endpoint: \(error.message), or set metrics.enabled: false")
        }
        self.port = socket.port
        self.limits = limits
        self.metrics = metrics
        self.readiness = readiness
    }

    func start() {
        queue.sync {
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fileDescriptor, queue: queue)
            let descriptor = socket.fileDescriptor
            source.setEventHandler { [unowned self] in self.acceptPending() }
            source.setCancelHandler { Glibc.close(descriptor) }
            acceptSource = source
            source.activate()
        }
    }

    /// Stops accepting and closes every client.
    func stop() {
        queue.sync {
            acceptSource?.cancel()
            acceptSource = nil
            for client in clients.values { close(client) }
        }
    }

    private func acceptPending() {
        while true {
            switch socket.accept() {
            case .none, .exhausted:
                return
            case .failed:
                continue
            case .connection(let descriptor, _):
                guard clients.count < limits.maxConnections else {
                    Glibc.close(descriptor)
                    continue
                }
                let client = Client(fileDescriptor: descriptor)
                clients[descriptor] = client
                let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
                source.setEventHandler { [unowned self] in self.read(client) }
                source.setCancelHandler { Glibc.close(descriptor) }
                client.source = source
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.schedule(deadline: .now() + limits.timeout)
                timer.setEventHandler { [unowned self] in self.close(client) }
                client.timer = timer
                source.activate()
                timer.activate()
            }
        }
    }

    private func read(_ client: Client) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(client.fileDescriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EAGAIN || errno == EINTR { return }
        guard count > 0 else { return close(client) }
        client.buffer += chunk[..<count]
        let parsed = HTTPRequestHead.parse(client.buffer, limit: limits.maxRequestBytes)
        guard let response = MetricsRoutes.respond(to: parsed, metrics: metrics, readiness: readiness) else { return }
        send(response.bytes, to: client.fileDescriptor)
        close(client)
    }

    /// Writes all of `bytes`, waiting for the socket at most a second at a time (this queue only).
    private func send(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EAGAIN || errno == EINTR {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                guard poll(&poller, 1, 1000) > 0 else { return }
            } else {
                return
            }
        }
    }

    private func close(_ client: Client) {
        guard clients.removeValue(forKey: client.fileDescriptor) != nil else { return }
        client.timer?.cancel()
        client.source?.cancel()
    }
}
