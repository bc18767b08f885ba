import Dispatch
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// TLS over one non-blocking socket, driven by Dispatch read and write sources on one serial queue:
/// the I/O half of nexd's connections and of the load tool's (D42). The owner decides what the
/// bytes mean; the transport moves them.
///
/// Confined to ``queue``: every method is called there, and the sources' handlers run there.
///
/// Invariants:
/// - The write source is armed only while output waits or TLS waits for the socket to be
///   writable: it is level-triggered and would otherwise fire without end.
/// - The read source is suspended exactly while ``suspensions`` is non-empty.
/// - Each turn reads at most ``ReadBudget/bytes`` and the owner handles at most
///   ``ReadBudget/frames`` (when a budget is set); past either, reading yields the queue (D36).
/// - The file descriptor is closed, and the owner's callbacks released, only after both sources'
///   cancel handlers ran; until then the handlers hold the transport (and through the callbacks,
///   the owner).
public final class Transport<Suspension: TransportReadSuspension>: @unchecked Sendable {
    /// The serial queue the transport is confined to.
    public let queue: DispatchQueue
    /// The TLS session over the socket.
    public let session: TLSSession
    /// The socket; closed by the transport once both sources are cancelled.
    public let fileDescriptor: Int32
    /// Set by ``close(shutdownTLS:)``: nothing more is read or written.
    public private(set) var isClosed = false

    var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private(set) var isWriteSourceArmed = false
    private var hasActivatedWrite = false
    private var cancelledSources = 0
    /// Why reading is suspended; the read source is suspended exactly while this is non-empty.
    public internal(set) var suspensions: Set<Suspension> = []
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// Bytes read and frames handled this turn; nil when the owner reads without a budget.
    var readBudget: ReadBudget?
    private var onReady: (() -> Void)?
    var onReadingResumed: (() -> Void)?
    private var onClosed: (() -> Void)?

    /// A transport over `fileDescriptor` (non-blocking, connected or connecting). `readBudget` nil
    /// reads without yielding. Nothing happens until ``start(onReady:onReadingResumed:onClosed:)``.
    public init(fileDescriptor: Int32, session: TLSSession, queue: DispatchQueue, readBudget: ReadBudget? = ReadBudget()) {
        self.fileDescriptor = fileDescriptor
        self.session = session
        self.queue = queue
        self.readBudget = readBudget
    }

    /// Creates the sources and activates the read source (queue). `onReady` runs whenever either
    /// source fires: the owner drives the handshake, reads and flushes. `onReadingResumed` runs
    /// when a yield for the read budget ends and nothing else suspends reading: frames may wait
    /// in the owner's decoder and bytes inside TLS, which do not re-fire the read source.
    /// `onClosed` runs once the socket is closed. The transport holds the three until then.
    public func start(onReady: @escaping () -> Void, onReadingResumed: @escaping () -> Void,
                      onClosed: @escaping () -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard readSource == nil else { return }
        guard !isClosed else {
            // Closed before it started: the socket is closed already.
            onClosed()
            return
        }
        self.onReady = onReady
        self.onReadingResumed = onReadingResumed
        self.onClosed = onClosed
        let read = DispatchSource.makeReadSource(fileDescriptor: fileDescriptor, queue: queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: fileDescriptor, queue: queue)
        read.setEventHandler { [unowned self] in self.onReady?() }
        write.setEventHandler { [unowned self] in self.onReady?() }
        // The handlers hold the transport until both sources are cancelled.
        read.setCancelHandler { self.sourceCancelled() }
        write.setCancelHandler { self.sourceCancelled() }
        readSource = read
        writeSource = write
        read.activate()
    }

    // MARK: - Handshake

    /// Runs one step of the TLS handshake, arming the write source only while TLS waits to write.
    public func driveHandshake() -> HandshakeProgress {
        switch session.handshake() {
        case .complete:
            return .complete
        case .wantRead:
            // The write source is level-triggered: leave it armed only while output waits.
            if pendingOutputBytes == 0 { disarmWriteSource() }
            return .inProgress
        case .wantWrite:
            armWriteSource()
            return .inProgress
        case .closed:
            return .closed
        case .failed(let error):
            return .failed(error)
        }
    }

    /// Arms the write source so ``start(onReady:onReadingResumed:onClosed:)``'s `onReady` runs
    /// once the socket is writable (a non-blocking `connect` completing).
    public func awaitWritable() {
        armWriteSource()
    }

    // MARK: - Writing

    /// Bytes queued and not yet written.
    public var pendingOutputBytes: Int { output.count - outputOffset }

    /// Queues a frame; ``flush()`` sends it.
    public func append(_ frame: Frame) {
        FrameEncoder.encode(frame, into: &output)
    }

    /// Queues bytes (an encoded frame); ``flush()`` sends them.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        output.append(contentsOf: bytes)
    }

    /// Writes pending output until done or the socket is full.
    public func flush() -> FlushEnd {
        guard !isClosed else { return .done }
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                session.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .bytes(let count):
                outputOffset += count
            case .wantWrite, .wantRead:
                armWriteSource()
                return .waiting
            case .closed:
                return .closed
            case .failed(let error):
                return .failed(error)
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
        // A read that waits for the socket to be writable keeps the write source armed: it is what
        // wakes that read (a TLS read can need a write, e.g. to answer a key update).
        if !isReadSuspended(for: .awaitingWritable) { disarmWriteSource() }
        return .done
    }

    func armWriteSource() {
        guard !isWriteSourceArmed, let writeSource else { return }
        isWriteSourceArmed = true
        if hasActivatedWrite { writeSource.resume() } else { writeSource.activate() }
        hasActivatedWrite = true
    }

    private func disarmWriteSource() {
        guard isWriteSourceArmed, let writeSource else { return }
        isWriteSourceArmed = false
        writeSource.suspend()
    }

    // MARK: - Closing

    /// Closes now: `close_notify` (best effort, when `shutdownTLS`), then both sources are
    /// cancelled; the socket is closed and `onClosed` runs once both cancel handlers ran (at once
    /// when the transport never started).
    public func close(shutdownTLS: Bool = true) {
        guard !isClosed else { return }
        isClosed = true
        if shutdownTLS { _ = session.shutdown() }
        guard let readSource, let writeSource else {
            Glibc.close(fileDescriptor)
            return
        }
        if isReadPaused {
            // A suspended source must be resumed before it is cancelled.
            suspensions.removeAll()
            readSource.resume()
        }
        readSource.cancel()
        // A suspended or never-activated source must be resumed before it is cancelled.
        armWriteSource()
        writeSource.cancel()
    }

    private func sourceCancelled() {
        cancelledSources += 1
        guard cancelledSources == 2 else { return }
        Glibc.close(fileDescriptor)
        let onClosed = self.onClosed
        readSource = nil
        writeSource = nil
        self.onReady = nil
        self.onReadingResumed = nil
        self.onClosed = nil
        onClosed?()
    }
}
