/// How much of one connection nexd has read and handled since the connection last found nothing
/// to read or last yielded its I/O queue (connection queue). Past either limit the connection
/// yields, so the other connections sharing the I/O queue run first (D36).
struct ReadBudget {
    /// Bytes read from TLS per turn: a few 16 KiB TLS records.
    static let bytes = 256 * 1024
    /// Frames handled per turn: a 16 KiB TLS record may hold over a thousand small frames, so
    /// bytes alone would still allow long runs of frame handling.
    static let frames = 256

    private(set) var bytesRead = 0
    private(set) var framesHandled = 0

    /// Whether another read fits in this turn.
    var allowsRead: Bool { bytesRead < Self.bytes }
    /// Whether another frame may be handled in this turn.
    var allowsFrame: Bool { framesHandled < Self.frames }

    mutating func noteRead(_ count: Int) { bytesRead += count }
    mutating func noteFrame() { framesHandled += 1 }

    /// A new turn: the connection found nothing to read, or has just yielded.
    mutating func renew() {
        bytesRead = 0
        framesHandled = 0
    }
}
