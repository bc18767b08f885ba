extension TopicFilter {
    /// Whether every topic `other` can match is also matched by this filter (`notice.>` covers
    /// `notice.*.fr` and `notice.red.fr`; `notice.*.fr` does not cover `notice.>`).
    ///
    /// Permissions use it to decide a subscription as a whole: allowed when an allow rule covers
    /// it, denied outright when a deny rule covers it.
    public func covers(_ other: TopicFilter) -> Bool {
        let otherTokens = other.tokens
        for (index, token) in tokens.enumerated() {
            switch token {
            case .rest:
                // `>` takes one or more tokens: whatever remains of `other` (at least one) fits.
                return otherTokens.count > index
            case .single:
                guard index < otherTokens.count, otherTokens[index] != .rest else { return false }
            case .literal(let literal):
                guard index < otherTokens.count, otherTokens[index] == .literal(literal) else { return false }
            }
        }
        return otherTokens.count == tokens.count
    }

    /// Whether some topic matches both filters.
    public func overlaps(_ other: TopicFilter) -> Bool {
        let mine = tokens, theirs = other.tokens
        var index = 0
        while index < mine.count, index < theirs.count {
            switch (mine[index], theirs[index]) {
            case (.rest, _), (_, .rest):
                return true
            case (.literal(let a), .literal(let b)) where a != b:
                return false
            default:
                index += 1
            }
        }
        return mine.count == theirs.count
    }
}
