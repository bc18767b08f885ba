import Dispatch
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// One node's mTLS connection to nexd over a non-blocking socket, driven by Dispatch read/write
/// sources on its lane's queue (mirrors nexd's `Connection` on the client side).
///
/// Confined to `lane.queue`. Life cycle: non-blocking `connect` → TLS handshake → `hello` →
/// `welcome` (only then is the connection accepted: TLS 1.3 shows a refused certificate on the
/// first read) → frames. The write source is armed only while output is pending (it is
/// level-triggered). The socket is closed and the session released only after both sources'
/// cancel handlers ran. Frames reach ``onFrame`` as a type byte and a body that is valid only
/// during the call, so deliveries are accounted for without copying or decoding them.
final class LoadConnection: @unchecked Sendable {
    enum State { case connecting, handshaking, awaitingWelcome, open, closed }

    let lane: EventLane
    private(set) var state = State.connecting
    private let fileDescriptor: Int32
    private let session: TLSSession
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var isWriteArmed = false
    private var hasActivatedWrite = false
    /// The read source is suspended by ``pauseReading()``.
    private(set) var isReadPaused = false
    private var cancelledSources = 0
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var output: [UInt8] = []
    private var outputOffset = 0
    private let clientName: String

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
    /// and stops the kernel growing the buffer).
    init(lane: EventLane, address: sockaddr_in, context: TLSContext, clientName: String,
         receiveBufferBytes: Int? = nil) throws(LoadError) {
        self.lane = lane
        self.clientName = clientName
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
        fileDescriptor = fd
        do {
            session = try TLSSession(context: context, fileDescriptor: fd)
        } catch {
            Glibc.close(fd)
            throw LoadError("cannot create a TLS session: \(error)")
        }
    }

    /// Creates the sources and starts connecting (call on any queue; work happens on the lane).
    func start() {
        lane.queue.async { self.startOnLane() }
    }

    private func startOnLane() {
        let read = DispatchSource.makeReadSource(fileDescriptor: fileDescriptor, queue: lane.queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: fileDescriptor, queue: lane.queue)
        read.setEventHandler { [unowned self] in self.drive() }
        write.setEventHandler { [unowned self] in self.drive() }
        read.setCancelHandler { self.sourceCancelled() }
        write.setCancelHandler { self.sourceCancelled() }
        readSource = read
        writeSource = write
        read.activate()
        // The connect completes when the socket becomes writable.
        armWrite()
    }

    // MARK: - Sending (lane queue)

    /// Appends a frame's bytes to the output; call ``flush()`` to send.
    func append(_ bytes: UnsafeRawBufferPointer) {
        output.append(contentsOf: bytes)
    }

    /// Appends an encoded frame to the output; call ``flush()`` to send.
    func append(_ frame: Frame) {
        FrameEncoder.encode(frame, into: &output)
    }

    /// Bytes waiting to be written.
    var pendingOutputBytes: Int { output.count - outputOffset }

    /// Writes pending output until done or the socket is full.
    func flush() {
        guard state == .open || state == .awaitingWelcome else { return }
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { session.write(UnsafeRawBufferPointer(rebasing: $0[outputOffset...])) }
            switch result {
            case .bytes(let count):
                outputOffset += count
            case .wantWrite, .wantRead:
                armWrite()
                return
            case .closed:
                close("nexd closed the connection")
                return
            case .failed(let error):
                close("TLS write failed: \(error)")
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
        disarmWrite()
    }

    // MARK: - Driving (lane queue)

    private func drive() {
        switch state {
        case .closed:
            return
        case .connecting:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fileDescriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                close("cannot connect: \(String(cString: strerror(error)))")
                return
            }
            state = .handshaking
            drive()
        case .handshaking:
            switch session.handshake() {
            case .complete:
                state = .awaitingWelcome
                append(.hello(Hello(protocolVersion: WireLimits.protocolVersion, clientName: clientName, extensions: [])))
                flush()
                readAvailable()
            case .wantRead:
                disarmWrite()
            case .wantWrite:
                armWrite()
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
        while state == .open || state == .awaitingWelcome, !isReadPaused {
            let result = session.read(into: lane.scratch)
            switch result {
            case .bytes(let count):
                if inputOffset == input.count {
                    // Nothing buffered: parse straight from the scratch buffer, keep only a tail.
                    input.removeAll(keepingCapacity: true)
                    inputOffset = 0
                    let used = parseFrames(UnsafeRawBufferPointer(rebasing: lane.scratch[0..<count]))
                    if used < count { input.append(contentsOf: UnsafeRawBufferPointer(rebasing: lane.scratch[used..<count])) }
                } else {
                    input.append(contentsOf: UnsafeRawBufferPointer(rebasing: lane.scratch[0..<count]))
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
            case .wantRead:
                if state == .open { onReadDrained?() }
                return
            case .wantWrite:
                armWrite()
                return
            case .closed:
                close("nexd closed the connection")
                return
            case .failed(let error):
                close("TLS read failed: \(error)")
                return
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

    // MARK: - Sources

    /// Stops reading from the socket: what nexd sends piles up in the kernel's buffers, then in
    /// nexd's own (a stalled subscriber). Call on the lane queue.
    func pauseReading() {
        guard !isReadPaused, state != .closed, let readSource else { return }
        isReadPaused = true
        readSource.suspend()
    }

    /// Reads again after ``pauseReading()``, starting with whatever is buffered. Call on the lane queue.
    func resumeReading() {
        guard isReadPaused, state != .closed, let readSource else { return }
        isReadPaused = false
        readSource.resume()
        // The source is level-triggered, but read what is there now rather than wait for the next event.
        readAvailable()
    }

    private func armWrite() {
        guard !isWriteArmed, let writeSource else { return }
        isWriteArmed = true
        if hasActivatedWrite { writeSource.resume() } else { writeSource.activate() }
        hasActivatedWrite = true
    }

    private func disarmWrite() {
        guard isWriteArmed, let writeSource else { return }
        isWriteArmed = false
        writeSource.suspend()
    }

    /// Closes the connection (close_notify best effort, then the sources, then the socket).
    func close(_ reason: String?) {
        guard state != .closed else { return }
        let wasOpen = state == .open
        state = .closed
        if wasOpen { _ = session.shutdown() }
        // A suspended source runs its cancel handler only once resumed.
        if isReadPaused {
            isReadPaused = false
            readSource?.resume()
        }
        readSource?.cancel()
        if let writeSource {
            // A suspended or never-activated source must be resumed before it is cancelled.
            if !isWriteArmed { if hasActivatedWrite { writeSource.resume() } else { writeSource.activate() } }
            isWriteArmed = true
            hasActivatedWrite = true
            writeSource.cancel()
        }
        if readSource == nil { Glibc.close(fileDescriptor) }
        onClose?(reason ?? "closed by the load tool")
        onOpen = nil
        onFrame = nil
        onReadDrained = nil
        onClose = nil
    }

    private func sourceCancelled() {
        cancelledSources += 1
        if cancelledSources == 2 {
            Glibc.close(fileDescriptor)
            readSource = nil
            writeSource = nil
        }
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
