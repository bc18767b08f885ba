/// The outcome of a TLS handshake or shutdown step.
public enum TLSResult: Sendable, Equatable {
    /// The step finished.
    case complete
    /// Call again when the file descriptor is readable.
    case wantRead
    /// Call again when the file descriptor is writable.
    case wantWrite
    /// The peer closed the connection (EOF or `close_notify`).
    case closed
    /// The step failed; the session must not be used further except to release it.
    case failed(TLSError)
}
