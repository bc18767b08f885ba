/// A validated publish topic such as `notice.red.fr`: dot-separated tokens, no wildcards.
///
/// Only `Topic(validating:)` makes one, so holding a `Topic` means the grammar was checked.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    /// The topic as text.
    public let description: String
    /// The tokens, in order.
    public let tokens: [String]

    /// Validates a publish topic.
    ///
    /// - Throws: `TopicError` (code `.invalidTopic`) for an empty topic or token, a character
    ///   outside `[a-z0-9_-]`, a wildcard, a token over 64 bytes, more than 16 tokens, or more
    ///   than 255 bytes.
    public init(validating string: String) throws(TopicError) {
        tokens = try TopicSyntax.tokens(of: string, isFilter: false).map(String.init)
        description = string
    }

    /// Topics are equal when their text is.
    public static func == (lhs: Topic, rhs: Topic) -> Bool { lhs.description == rhs.description }

    /// Hashes the text.
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
