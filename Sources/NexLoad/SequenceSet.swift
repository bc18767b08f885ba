/// A growable set of small non-negative integers stored as a bitmap: membership and insertion in
/// O(1) with one bit per possible value. Used to tally message sequence numbers.
public struct SequenceSet: Sendable, Equatable {
    private var words: [UInt64] = []
    /// How many distinct values were inserted.
    public private(set) var count = 0

    /// An empty set; `capacity` pre-sizes it for values below it.
    public init(capacity: Int = 0) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    /// Inserts `value`; returns false when it was already present.
    @discardableResult
    public mutating func insert(_ value: Int) -> Bool {
        precondition(value >= 0, "SequenceSet holds non-negative values only")
        let word = value >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        let bit: UInt64 = 1 << UInt64(value & 63)
        if words[word] & bit != 0 { return false }
        words[word] |= bit
        count += 1
        return true
    }

    /// Whether `value` is present.
    public func contains(_ value: Int) -> Bool {
        guard value >= 0 else { return false }
        let word = value >> 6
        return word < words.count && words[word] & (1 << UInt64(value & 63)) != 0
    }
}
