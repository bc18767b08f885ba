import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// nexd's HTTP endpoint for metrics and health (issue 18, D70): a listening socket (loopback by
/// default) served on one serial queue of its own — never the connections' I/O queues, the
/// broker's or the audit writer's, so a scrape never holds up a notice. It reads at most
/// ``Limits/maxRequestBytes`` of a request head, answers (``MetricsRoutes``), shuts its side and
/// closes once the client has gone or ``Limits/timeout`` passed. At most ``Limits/maxConnections``
/// clients at once: a new one evicts the oldest, so clients that never send cannot lock probes out.
final class MetricsEndpoint: @unchecked Sendable {
    struct Limits: Sendable {
        var maxConnections = 8
        var maxRequestBytes = 8192
        /// For the whole exchange with one client: its head, our answer, its close.
        var timeout: DispatchTimeInterval = .seconds(5)
    }

    /// One client (queue-confined).
    private final class Client {
        let fileDescriptor: Int32
        var buffer: [UInt8] = []
        var answered = false
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
    private var isPaused = false
    private var state = State.bound
    /// Clients in the order they came (the oldest is evicted when full).
    private var clients: [Client] = []

    private enum State { case bound, running, stopped }

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

    deinit {
        // Never started: the socket is still ours to close (started, the accept source closes it).
        if state == .bound { Glibc.close(socket.fileDescriptor) }
    }

    func start() {
        queue.sync {
            guard state == .bound else { return }
            state = .running
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fileDescriptor, queue: queue)
            let descriptor = socket.fileDescriptor
            source.setEventHandler { [weak self] in self?.acceptPending() }
            source.setCancelHandler { Glibc.close(descriptor) }
            acceptSource = source
            source.activate()
        }
    }

    /// Stops accepting and closes every client. Once stopped, it does not start again.
    func stop() {
        queue.sync {
            guard state == .running else {
                if state == .bound { Glibc.close(socket.fileDescriptor) }
                state = .stopped
                return
            }
            state = .stopped
            if isPaused { acceptSource?.resume() }
            acceptSource?.cancel()
            acceptSource = nil
            for client in clients { close(client) }
        }
    }

    private func acceptPending() {
        while state == .running {
            switch socket.accept() {
            case .none:
                return
            case .exhausted:
                pauseAccepting()
                return
            case .failed:
                continue
            case .connection(let descriptor, _):
                if clients.count >= limits.maxConnections, let oldest = clients.first { close(oldest) }
                admit(descriptor)
            }
        }
    }

    /// Out of descriptors: the (level-triggered) source would fire again at once; rest 100 ms.
    private func pauseAccepting() {
        guard let acceptSource, !isPaused else { return }
        isPaused = true
        acceptSource.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
            guard let self, self.isPaused else { return }
            self.isPaused = false
            if self.state == .running { self.acceptSource?.resume() }
        }
    }

    private func admit(_ descriptor: Int32) {
        let client = Client(fileDescriptor: descriptor)
        clients.append(client)
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self, weak client] in
            guard let self, let client else { return }
            self.read(client)
        }
        source.setCancelHandler { Glibc.close(descriptor) }
        client.source = source
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + limits.timeout)
        timer.setEventHandler { [weak self, weak client] in
            guard let self, let client else { return }
            self.close(client)
        }
        client.timer = timer
        source.activate()
        timer.activate()
    }

    private func read(_ client: Client) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(client.fileDescriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EAGAIN || errno == EINTR { return }
        guard count > 0 else { return close(client) }
        // Answered: what else comes (a body, more heads) is read and dropped until the client closes,
        // so closing does not reset the connection under our answer.
        guard !client.answered else { return }
        client.buffer += chunk[..<count]
        let parsed = HTTPRequestHead.parse(client.buffer, limit: limits.maxRequestBytes)
        guard let response = MetricsRoutes.respond(to: parsed, metrics: metrics, readiness: readiness) else { return }
        client.answered = true
        client.buffer = []
        send(response.bytes, to: client.fileDescriptor)
        shutdown(client.fileDescriptor, Int32(SHUT_WR))
    }

    /// Writes all of `bytes`, waiting for the socket at most a second in all (this queue only).
    private func send(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        let deadline = DispatchTime.now() + .seconds(1)
        while offset < bytes.count, DispatchTime.now() < deadline {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EAGAIN || errno == EINTR {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 100)
            } else {
                return
            }
        }
    }

    private func close(_ client: Client) {
        guard let index = clients.firstIndex(where: { $0 === client }) else { return }
        clients.remove(at: index)
        client.timer?.cancel()
        client.source?.cancel()
    }
}
