/// A validated subscription filter such as `notice.*.fr` or `alert.>`.
///
/// `*` matches exactly one token; `>` matches one or more remaining tokens and may only be last,
/// so `a.>` matches `a.b` and `a.b.c` but not `a`.
public struct TopicFilter: Hashable, Sendable, CustomStringConvertible {
    /// One token of a filter.
    public enum Token: Hashable, Sendable {
        /// A token that must equal the topic's token.
        case literal(String)
        /// `*`: any one token.
        case single
        /// `>`: one or more remaining tokens.
        case rest
    }

    /// The filter as text.
    public let description: String
    /// The tokens, in order.
    public let tokens: [Token]

    /// Validates a filter.
    ///
    /// - Throws: `TopicError` (code `.invalidFilter`) for the topic grammar errors, a wildcard
    ///   mixed into a token (`*x`), or `>` anywhere but last.
    public init(validating string: String) throws(TopicError) {
        tokens = try TopicSyntax.tokens(of: string, isFilter: true).map { token in
            switch token {
            case "*": .single
            case ">": .rest
            default: .literal(String(token))
            }
        }
        description = string
    }

    /// Whether the filter contains `*` or `>`.
    public var hasWildcards: Bool { tokens.contains { $0 == .single || $0 == .rest } }

    /// Whether `topic` matches this filter.
    public func matches(_ topic: Topic) -> Bool {
        let topicTokens = topic.tokens
        for (index, token) in tokens.enumerated() {
            switch token {
            case .rest:
                return topicTokens.count > index
            case .single:
                guard index < topicTokens.count else { return false }
            case .literal(let literal):
                guard index < topicTokens.count, topicTokens[index] == literal else { return false }
            }
        }
        return topicTokens.count == tokens.count
    }

    /// Filters are equal when their text is.
    public static func == (lhs: TopicFilter, rhs: TopicFilter) -> Bool { lhs.description == rhs.description }

    /// Hashes the text.
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
