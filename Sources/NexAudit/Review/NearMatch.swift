/// "Did you mean …?" for a value that is not in a known list: the known values within a small edit
/// distance, nearest first.
public enum NearMatch {
    /// Up to `limit` of `candidates` within `maximumDistance(for:)` edits of `value` (Levenshtein:
    /// insertions, deletions, substitutions), nearest first, ties in `candidates` order.
    public static func suggestions(for value: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let allowed = maximumDistance(for: value)
        var scored: [(String, Int)] = []
        for candidate in candidates where candidate != value && !scored.contains(where: { $0.0 == candidate }) {
            let distance = editDistance(value, candidate)
            if distance <= allowed { scored.append((candidate, distance)) }
        }
        return Array(scored.enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }.prefix(limit).map(\.element.0))
    }

    /// `" (did you mean a or b?)"`, or "" when nothing is near.
    public static func hint(for value: String, among candidates: some Sequence<String>) -> String {
        let near = suggestions(for: value, among: candidates)
        return near.isEmpty ? "" : "; did you mean \(near.joined(separator: " or "))?"
    }

    /// A third of the length, at least 1 and at most 3: `redd` → `red`, `recieve` → `receipt` is too far.
    static func maximumDistance(for value: String) -> Int {
        min(3, max(1, value.count / 3))
    }

    /// The Levenshtein distance between `a` and `b`, by characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
