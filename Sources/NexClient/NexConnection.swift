import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// A blocking client connection to nexd over mutual TLS 1.3: one node's session.
///
/// Used by `nex` and the end-to-end tests. Not thread-safe: use it from one thread. Frames that
/// arrive while the client waits for a specific answer (deliveries while waiting for an ACK) are
/// kept, in order, for ``nextFrame(timeout:)``. nexd's pings are answered with a pong whenever the
/// client reads, so a client that waits for deliveries stays connected however quiet it is.
public final class NexConnection {
    /// What nexd said in its welcome (identity as nexd sees it, limits).
    public private(set) var welcome: Welcome
    private let fileDescriptor: Int32
    private let session: TLSSession
    private var decoder = FrameDecoder(maximumFrameSize: 16 << 20)
    private var pending: [Frame] = []
    private var readBuffer = [UInt8](repeating: 0, count: 16 * 1024)
    private var isClosed = false
    /// The newest audit checkpoint nexd sent (in `welcome` or pushed), encoded and **unverified**:
    /// check it with the audit certificate (`SignedCheckpoint(parsing:)`, `isValid(signedBy:)`)
    /// before relying on it.
    public private(set) var latestCheckpoint: [UInt8]?
    /// Called with each (unverified) checkpoint nexd pushes; checkpoint frames are not queued as frames.
    public var onCheckpoint: (([UInt8]) -> Void)?
    /// The capabilities in effect on this connection: asked for in hello and offered in welcome (D52).
    public private(set) var capabilities: Set<String> = []

    /// Connects, completes the TLS handshake, says hello and waits for the welcome.
    ///
    /// In TLS 1.3 a refused client certificate only shows on the first read, so the connection
    /// counts as accepted only once the welcome arrives; the hello is sent after it.
    /// - Throws: ``ClientError`` (`.tlsRefused` with the alert, `.refused` with nexd's code, …).
    /// - Parameter acceptsCheckpoints: ask nexd to push new audit checkpoints (`hello` extension 1).
    /// - Parameter capabilities: the capabilities this client will use (`hello` extension 2, e.g.
    ///   ``Capability/inbox``); those nexd also offers are in effect (``capabilities``).
    public init(host: String, port: UInt16, context: TLSContext, clientName: String = "nex", timeout: Duration = .seconds(10),
                acceptsCheckpoints: Bool = true, capabilities asked: [String] = []) throws(ClientError) {
        // A closed peer must fail the write (EPIPE), not kill the process.
        signal(SIGPIPE, SIG_IGN)
        fileDescriptor = try Self.connectSocket(host: host, port: port)
        do {
            session = try TLSSession(context: context, fileDescriptor: fileDescriptor)
        } catch {
            Glibc.close(fileDescriptor)
            throw ClientError(.tlsRefused, "cannot create a TLS session: \(error)")
        }
        welcome = Welcome(protocolVersion: 0, nodeID: "", role: "", country: "", maximumFrameSize: 0,
                          maximumSubscriptions: 0, replayWindowSeconds: 0, serverTimeMillis: 0, extensions: [])
        switch session.handshake() {
        case .complete:
            break
        case .failed(let error):
            Glibc.close(fileDescriptor)
            throw ClientError(.tlsRefused, "TLS handshake with \(host):\(port) failed: \(error)", tlsError: error)
        default:
            Glibc.close(fileDescriptor)
            throw ClientError(.tlsRefused, "TLS handshake with \(host):\(port) did not complete")
        }
        do throws(ClientError) {
            // Read before writing: nexd sends welcome, an error frame or its refusal alert without
            // waiting for hello, and a socket closed with our hello unread is reset, which can
            // overtake the alert (docs/PROTOCOL.md §6.1). A client that retries must see the alert
            // to know a revoked certificate will never be accepted.
            let first = try readFrame(timeout: timeout)
            guard case .welcome(let welcome) = first else {
                throw ClientError(.protocolError, "expected welcome, got \(first)")
            }
            self.welcome = welcome
            capabilities = Set(asked).intersection(welcome.capabilities)
            latestCheckpoint = welcome.checkpoint
            try send(.hello(Hello(protocolVersion: WireLimits.protocolVersion, clientName: clientName,
                                  extensions: (acceptsCheckpoints ? [Hello.acceptsCheckpointsExtension] : [])
                                    + (asked.isEmpty ? [] : [Hello.capabilitiesExtension(asked)]))))
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    // MARK: - Frames

    /// Sends one frame.
    public func send(_ frame: Frame) throws(ClientError) {
        try sendRaw(FrameEncoder.encode(frame))
    }

    /// Sends bytes as they are, framed or not. For diagnostics and tests of nexd's error handling.
    public func sendRaw(_ bytes: [UInt8]) throws(ClientError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { session.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case .bytes(let count): offset += count
            case .wantRead, .wantWrite: continue
            case .closed: throw ClientError(.closed, "nexd closed the connection")
            case .failed(let error): throw ClientError(.tlsRefused, "TLS write failed: \(error)", tlsError: error)
            }
        }
    }

    /// The next frame from nexd (kept frames first). An `error` frame throws ``ClientError/Code/refused(_:)``.
    public func nextFrame(timeout: Duration) throws(ClientError) -> Frame {
        if !pending.isEmpty { return pending.removeFirst() }
        return try readFrame(timeout: timeout)
    }

    /// Reads frames until `match` accepts one; others are kept for ``nextFrame(timeout:)``.
    public func awaitFrame<T>(timeout: Duration, _ match: (Frame) -> T?) throws(ClientError) -> T {
        if let index = pending.firstIndex(where: { match($0) != nil }) {
            return match(pending.remove(at: index))!
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw ClientError(.timedOut, "no answer from nexd within \(timeout)") }
            let frame = try readFrame(timeout: remaining)
            if let value = match(frame) { return value }
            pending.append(frame)
        }
    }

    private func readFrame(timeout: Duration) throws(ClientError) -> Frame {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                if let frame = try decoder.next() {
                    if case .error(let code, let reason) = frame {
                        throw ClientError(.refused(code), "nexd refused: \(code.name): \(reason)")
                    }
                    if case .checkpoint(let bytes) = frame {
                        latestCheckpoint = bytes
                        onCheckpoint?(bytes)
                        continue
                    }
                    // nexd pings a quiet node (limits.idleTimeoutSeconds): answering keeps a
                    // long-running subscriber connected.
                    if case .ping(let nonce) = frame {
                        try send(.pong(nonce: nonce))
                        continue
                    }
                    return frame
                }
            } catch let error as ClientError {
                throw error
            } catch {
                throw ClientError(.protocolError, "undecodable frame from nexd: \(error)")
            }
            if !session.hasBufferedInput {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero, try waitReadable(remaining) else {
                    throw ClientError(.timedOut, "no answer from nexd within \(timeout)")
                }
            }
            let result = readBuffer.withUnsafeMutableBytes { session.read(into: $0) }
            switch result {
            case .bytes(let count):
                readBuffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            case .wantRead, .wantWrite:
                continue
            case .closed:
                throw ClientError(.closed, "nexd closed the connection")
            case .failed(let error):
                throw ClientError(.tlsRefused, "nexd refused the connection: \(error)", tlsError: error)
            }
        }
    }

    private func waitReadable(_ timeout: Duration) throws(ClientError) -> Bool {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let millis = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
        while true {
            let ready = poll(&descriptor, 1, millis)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 { throw ClientError(.closed, "poll failed: \(String(cString: strerror(errno)))") }
            return ready > 0
        }
    }

    /// Closes the connection (close_notify, then the socket).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = session.shutdown()
        Glibc.close(fileDescriptor)
    }

    // MARK: - Socket

    private static func connectSocket(host: String, port: UInt16) throws(ClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else {
            throw ClientError(.connectFailed, "cannot resolve \(host)")
        }
        defer { freeaddrinfo(results) }
        var info: UnsafeMutablePointer<addrinfo>? = first
        var lastError = "no address"
        while let current = info {
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), current.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return fd
                }
                lastError = String(cString: strerror(errno))
                Glibc.close(fd)
            }
            info = current.pointee.ai_next
        }
        throw ClientError(.connectFailed, "cannot connect to \(host):\(port): \(lastError) (is nexd running?)")
    }
}
