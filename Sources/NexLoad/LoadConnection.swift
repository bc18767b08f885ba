import Dispatch
import NexCrypto
import NexTransport
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// One node's mTLS connection to nexd: a ``Transport`` (TLS over a non-blocking socket, Dispatch
/// sources on its lane's queue, shared with nexd's `Connection`) and the client's side of the
/// session.
///
/// Confined to `lane.queue`. Life cycle: non-blocking `connect` → TLS handshake → `hello` →
/// `welcome` (only then is the connection accepted: TLS 1.3 shows a refused certificate on the
/// first read) → frames. Frames reach ``onFrame`` as a type byte and a body that is valid only
/// during the call, so deliveries are accounted for without copying or decoding them. Reads
/// have no budget per wakeup: a lane serves only the load tool's own connections.
final class LoadConnection: @unchecked Sendable {
    enum State { case connecting, handshaking, awaitingWelcome, open, closed }

    /// Why the load tool stops reading a connection.
    enum ReadSuspension: TransportReadSuspension {
        case awaitingWritable
        case readBudget
        /// ``pauseReading()``: a stalled subscriber.
        case paused
    }

    let lane: EventLane
    private(set) var state = State.connecting
    private let transport: Transport<ReadSuspension>
    private var input: [UInt8] = []
    private var inputOffset = 0
    private let clientName: String
    /// The capabilities listed in `hello` (extension tag 2; docs/PROTOCOL.md §1, "Capabilities").
    private let capabilities: [String]

    /// The welcome arrived: the connection is accepted.
    var onOpen: ((Welcome) -> Void)?
    /// A frame other than `welcome` arrived (type byte, body valid during the call only).
    var onFrame: ((UInt8, UnsafeRawBufferPointer) -> Void)?
    /// Every frame of one read was handled: a good moment to send in a batch.
    var onReadDrained: (() -> Void)?
    /// The connection ended (refused, closed by nexd, failed), with a reason.
    var onClose: ((String) -> Void)?

    /// Opens a socket to `address` and creates the session; ``start()`` begins connecting. A
    /// `receiveBufferBytes` sets `SO_RCVBUF` before the connect (which fixes the TCP window scale
    /// and stops the kernel growing the buffer). `capabilities` are listed in `hello`; a frame of
    /// one may be sent once ``onOpen`` saw it offered in `welcome`.
    init(lane: EventLane, address: sockaddr_in, context: TLSContext, clientName: String,
         receiveBufferBytes: Int? = nil, capabilities: [String] = []) throws(LoadError) {
        self.lane = lane
        self.clientName = clientName
        self.capabilities = capabilities
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoadError("cannot create a socket: \(String(cString: strerror(errno))) (raise the open-file limit?)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let receiveBufferBytes {
            var bytes = Int32(clamping: receiveBufferBytes)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = address
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 && errno != EINPROGRESS {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LoadError("cannot connect: \(message) (is nexd running?)")
        }
        let session: TLSSession
        do {
            session = try TLSSession(context: context, fileDescriptor: fd)
        } catch {
            Glibc.close(fd)
            throw LoadError("cannot create a TLS session: \(error)")
        }
        transport = Transport(fileDescriptor: fd, session: session, queue: lane.queue, readBudget: nil)
    }

    /// Creates the sources and starts connecting (call on any queue; work happens on the lane).
    func start() {
        lane.queue.async {
            // The transport holds the connection until its socket is closed.
            self.transport.start(onReady: { self.drive() }, onReadingResumed: { self.drive() }, onClosed: {})
            // The connect completes when the socket becomes writable.
            self.transport.awaitWritable()
        }
    }

    // MARK: - Sending (lane queue)

    /// Appends a frame's bytes to the output; call ``flush()`` to send.
    func append(_ bytes: UnsafeRawBufferPointer) {
        transport.append(bytes)
    }

    /// Appends an encoded frame to the output; call ``flush()`` to send.
    func append(_ frame: Frame) {
        transport.append(frame)
    }

    /// Bytes waiting to be written.
    var pendingOutputBytes: Int { transport.pendingOutputBytes }

    /// Writes pending output until done or the socket is full.
    func flush() {
        guard state == .open || state == .awaitingWelcome else { return }
        switch transport.flush() {
        case .done, .waiting:
            break
        case .closed:
            close("nexd closed the connection")
        case .failed(let error):
            close("TLS write failed: \(error)")
        }
    }

    // MARK: - Driving (lane queue)

    private func drive() {
        switch state {
        case .closed:
            return
        case .connecting:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(transport.fileDescriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                close("cannot connect: \(String(cString: strerror(error)))")
                return
            }
            state = .handshaking
            drive()
        case .handshaking:
            switch transport.driveHandshake() {
            case .complete:
                state = .awaitingWelcome
                let extensions = capabilities.isEmpty ? [] : [Hello.capabilitiesExtension(capabilities)]
                append(.hello(Hello(protocolVersion: WireLimits.protocolVersion, clientName: clientName, extensions: extensions)))
                flush()
                readAvailable()
            case .inProgress:
                break
            case .closed:
                close("nexd closed the connection during the TLS handshake")
            case .failed(let error):
                close("TLS handshake failed: \(error)")
            }
        case .awaitingWelcome, .open:
            readAvailable()
            flush()
        }
    }

    private func readAvailable() {
        guard state == .open || state == .awaitingWelcome else { return }
        let end = transport.readAvailable(into: lane.scratch) { chunk in consume(chunk) }
        switch end {
        case .drained:
            if state == .open { onReadDrained?() }
        case .suspended:
            break
        case .closed:
            close("nexd closed the connection")
        case .failed(let error):
            close("TLS read failed: \(error)")
        }
    }

    /// Parses what was read, keeping an unfinished frame's bytes for the next read.
    private func consume(_ chunk: UnsafeRawBufferPointer) {
        if inputOffset == input.count {
            // Nothing buffered: parse straight from the read buffer, keep only a tail.
            input.removeAll(keepingCapacity: true)
            inputOffset = 0
            let used = parseFrames(chunk)
            if used < chunk.count { input.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[used...])) }
        } else {
            input.append(contentsOf: chunk)
            let used = input.withUnsafeBytes { parseFrames(UnsafeRawBufferPointer(rebasing: $0[inputOffset...])) }
            inputOffset += used
            if inputOffset == input.count {
                input.removeAll(keepingCapacity: input.capacity <= 1 << 20)
                inputOffset = 0
            } else if inputOffset >= 64 * 1024 {
                input.removeSubrange(0..<inputOffset)
                inputOffset = 0
            }
        }
    }
    /// Hands every complete frame in `bytes` to the handlers; returns the bytes consumed.
    private func parseFrames(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while bytes.count - offset >= 5, state != .closed {
            let length = Int(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length >= 1, length <= 16 << 20 else {
                close("nexd sent a frame of length \(length)")
                return bytes.count
            }
            guard bytes.count - offset - 4 >= length else { break }
            let type = bytes[offset + 4]
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 5)..<(offset + 4 + length)])
            let frame = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4 + length)])
            offset += 4 + length
            handle(type: type, body: body, frame: frame)
        }
        return offset
    }

    private func handle(type: UInt8, body: UnsafeRawBufferPointer, frame: UnsafeRawBufferPointer) {
        if type == FrameType.error.rawValue || type == FrameType.welcome.rawValue {
            var decoder = FrameDecoder(maximumFrameSize: 16 << 20)
            decoder.append(frame)
            let decoded = try? decoder.next()
            if case .error(let code, let reason)? = decoded {
                close("nexd refused: \(code.name): \(reason)")
                return
            }
            if state == .awaitingWelcome, case .welcome(let welcome)? = decoded {
                state = .open
                onOpen?(welcome)
                return
            }
        }
        guard state == .open else {
            close("expected welcome, got frame type \(type)")
            return
        }
        // nexd pings a quiet node (limits.idleTimeoutSeconds): answer, or it closes the connection.
        if type == FrameType.ping.rawValue, body.count == 8 {
            append(.pong(nonce: UInt64(bigEndian: body.loadUnaligned(as: UInt64.self))))
            flush()
            return
        }
        onFrame?(type, body)
    }

    // MARK: - Reading and closing (lane queue)

    /// Whether ``pauseReading()`` holds.
    var isReadPaused: Bool { transport.isReadSuspended(for: .paused) }

    /// Stops reading from the socket: what nexd sends piles up in the kernel's buffers, then in
    /// nexd's own (a stalled subscriber). Call on the lane queue.
    func pauseReading() {
        guard state != .closed else { return }
        transport.setReading(suspended: true, for: .paused)
    }

    /// Reads again after ``pauseReading()``, starting with whatever is buffered. Call on the lane queue.
    func resumeReading() {
        guard isReadPaused, state != .closed else { return }
        transport.setReading(suspended: false, for: .paused)
        // The source is level-triggered, but read what is there now rather than wait for the next event.
        readAvailable()
    }

    /// Closes the connection (close_notify best effort, then the sources, then the socket).
    func close(_ reason: String?) {
        guard state != .closed else { return }
        let wasOpen = state == .open
        state = .closed
        transport.close(shutdownTLS: wasOpen)
        onClose?(reason ?? "closed by the load tool")
        onOpen = nil
        onFrame = nil
        onReadDrained = nil
        onClose = nil
    }
}

/// A failure of the load tool, with a sentence saying what to do.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public let description: String

    /// An error with a message.
    public init(_ description: String) {
        self.description = description
    }
}
