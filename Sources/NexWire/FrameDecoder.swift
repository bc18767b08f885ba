/// An incremental frame decoder: append bytes as they arrive, then call `next()` until it
/// returns `nil`.
///
/// Invariants: bytes before `readIndex` are consumed; the buffer is compacted only when the
/// consumed prefix is large, so a stream of small frames costs no per-frame copying. The length
/// prefix is checked as soon as its four bytes are buffered, before any of the body is waited
/// for. After an error the decoder stays failed and `next()` rethrows the same error: a framing
/// error cannot be resynchronised, the connection must close.
public struct FrameDecoder: Sendable {
    /// The largest frame length `L` accepted.
    public let maximumFrameSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: WireError?

    /// A decoder accepting frames up to `maximumFrameSize` bytes (type byte plus body).
    public init(maximumFrameSize: Int = WireLimits.defaultMaximumFrameSize) {
        precondition(maximumFrameSize >= 1, "maximumFrameSize must be at least 1")
        self.maximumFrameSize = maximumFrameSize
    }

    /// The number of received bytes not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the decoder has failed; `next()` will keep throwing.
    public var hasFailed: Bool { failure != nil }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` if more bytes are needed.
    ///
    /// - Throws: `WireError` with `.frameTooLarge` (length above the maximum), `.malformedFrame`
    ///   (zero length, bad body), or `.unknownFrameType`; every later call throws it again.
    public mutating func next() throws(WireError) -> Frame? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        guard available >= 4 else { return nil }
        let start = readIndex
        let result = buffer.withUnsafeBytes { raw -> Result<(Frame, Int)?, WireError> in
            let length = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            if length == 0 {
                return .failure(WireError(.malformedFrame, "frame length is 0; it must count at least the type byte"))
            }
            if length > maximumFrameSize {
                return .failure(
                    WireError(.frameTooLarge, "frame length \(length) exceeds the maximum of \(maximumFrameSize)")
                )
            }
            guard available - 4 >= length else { return .success(nil) }
            let type = raw[start + 4]
            let body = UnsafeRawBufferPointer(rebasing: raw[(start + 5)..<(start + 4 + length)])
            do throws(WireError) {
                return .success((try Frame.decode(type: type, body: body), 4 + length))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let (frame, frameBytes)?):
            consume(frameBytes)
            return frame
        case .success(nil):
            return nil
        case .failure(let error):
            failure = error
            buffer = []
            readIndex = 0
            throw error
        }
    }

    private mutating func consume(_ count: Int) {
        readIndex += count
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
    }

    /// Drops the consumed prefix when it is at least 4 KiB and at least half the buffer, so the
    /// copy is amortised over many frames.
    private mutating func compactIfUseful() {
        guard readIndex >= 4096, readIndex * 2 >= buffer.count else { return }
        buffer.removeSubrange(0..<readIndex)
        readIndex = 0
    }
}
