import NexCrypto

/// Why reading a transport may be suspended. The transport itself suspends for two reasons; its
/// owner adds its own (backpressure, closing, a stalled test subscriber, …) as further cases.
///
/// Enum cases named `awaitingWritable` and `readBudget` satisfy the requirements.
public protocol TransportReadSuspension: Hashable, Sendable {
    /// TLS needs the socket writable before it can read on (the level-triggered read source would
    /// spin until then).
    static var awaitingWritable: Self { get }
    /// This wakeup's read budget is spent: reading resumes after a hop off the I/O queue (D36).
    static var readBudget: Self { get }
}

/// Where one step of the TLS handshake left the transport.
public enum HandshakeProgress: Sendable, Equatable {
    /// The handshake is done: the peer's certificate can be read.
    case complete
    /// The handshake waits for the socket; the right source is armed.
    case inProgress
    /// The peer closed the connection before the handshake ended.
    case closed
    /// The handshake failed (wrong CA, expired certificate, old protocol version, …).
    case failed(TLSError)
}

/// Why ``Transport/readAvailable(into:_:)`` stopped reading.
public enum ReadEnd: Sendable, Equatable {
    /// Everything available was read (the read budget of the turn starts anew).
    case drained
    /// Reading is suspended (for any reason, the budget's yield included) or the transport closed.
    case suspended
    /// The peer closed the connection (EOF or `close_notify`).
    case closed
    /// TLS failed reading.
    case failed(TLSError)
}

/// What ``Transport/flush()`` achieved.
public enum FlushEnd: Sendable, Equatable {
    /// All output was written (the write source is disarmed, unless a read waits for the socket to
    /// be writable), or the transport is closed.
    case done
    /// The socket is full: the write source is armed and the rest follows when it fires.
    case waiting
    /// The peer closed the connection.
    case closed
    /// TLS failed writing.
    case failed(TLSError)
}
