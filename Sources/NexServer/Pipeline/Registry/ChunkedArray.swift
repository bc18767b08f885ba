/// An array stored in chunks of 4,096 elements, so that appending never copies more than the list
/// of chunks: a Swift `Array` grows by doubling and copies every element at once (the notice
/// registry's 32-byte records: 10 ms at 532,000), on the broker queue like ``ShardedDictionary``.
struct ChunkedArray<Element> {
    private static var chunkSize: Int { 4096 }
    private var chunks: [[Element]] = []
    /// How many elements it holds.
    private(set) var count = 0

    init() {}

    mutating func append(_ element: Element) {
        if count % Self.chunkSize == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < count, "index out of range")
            return chunks[position / Self.chunkSize][position % Self.chunkSize]
        }
        set {
            precondition(position >= 0 && position < count, "index out of range")
            chunks[position / Self.chunkSize][position % Self.chunkSize] = newValue
        }
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
