/// Gives each distinct value a small index, so that a million records naming the same few nodes,
/// topics, restriction sets and holder sets hold four bytes each instead of a copy (D56).
/// Values are never removed: the tables grow with the distinct values seen, not with records.
struct Interner<Value: Hashable & Sendable>: Sendable {
    private(set) var values: [Value] = []
    private var indexes: [Value: UInt32] = [:]

    /// The index of `value`, added on first sight.
    mutating func intern(_ value: Value) -> UInt32 {
        if let index = indexes[value] { return index }
        let index = UInt32(values.count)
        values.append(value)
        indexes[value] = index
        return index
    }

    /// The index of `value` if it was seen.
    func index(of value: Value) -> UInt32? { indexes[value] }

    subscript(index: UInt32) -> Value { values[Int(index)] }

    var count: Int { values.count }
}
