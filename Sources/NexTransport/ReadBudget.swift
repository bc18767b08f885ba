/// How much of one connection has been read and handled since the connection last found nothing
/// to read or last yielded its I/O queue (connection queue). Past either limit the connection
/// yields, so the other connections sharing the I/O queue run first (D36).
public struct ReadBudget: Sendable {
    /// A fresh budget.
    public init() {}

    /// Bytes read from TLS per turn: a few 16 KiB TLS records.
    public static let bytes = 256 * 1024
    /// Frames handled per turn: a 16 KiB TLS record may hold over a thousand small frames, so
    /// bytes alone would still allow long runs of frame handling.
    public static let frames = 256

    /// Bytes read from TLS this turn.
    public private(set) var bytesRead = 0
    /// Frames handled this turn.
    public private(set) var framesHandled = 0

    /// Whether another read fits in this turn.
    public var allowsRead: Bool { bytesRead < Self.bytes }
    /// Whether another frame may be handled in this turn.
    public var allowsFrame: Bool { framesHandled < Self.frames }

    /// `count` bytes were read from TLS.
    public mutating func noteRead(_ count: Int) { bytesRead += count }
    /// One frame was handled.
    public mutating func noteFrame() { framesHandled += 1 }

    /// A new turn: the connection found nothing to read, or has just yielded.
    public mutating func renew() {
        bytesRead = 0
        framesHandled = 0
    }
}
