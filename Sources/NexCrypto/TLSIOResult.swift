/// The outcome of a TLS read or write.
public enum TLSIOResult: Sendable, Equatable {
    /// This many bytes were read or written (more than zero, except for an empty write).
    case bytes(Int)
    /// Call again when the file descriptor is readable.
    case wantRead
    /// Call again when the file descriptor is writable (retry with the same bytes).
    case wantWrite
    /// The peer closed the connection: a clean `close_notify` or EOF.
    case closed
    /// The connection failed; the session must not be used further except to release it.
    case failed(TLSError)
}
