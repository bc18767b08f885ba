/// A topic pattern for `nex audit query --topic`: dot-separated tokens, `*` for exactly one token,
/// `>` (last) for one or more remaining tokens — the subscription filter syntax of docs/PROTOCOL.md.
public struct TopicPattern: Sendable, Equatable {
    private let tokens: [Substring]

    /// A pattern; `nil` when empty, with an empty token, or with `>` before its end.
    public init?(_ text: String) {
        let tokens = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, !tokens.contains(where: \.isEmpty),
              !tokens.dropLast().contains(">") else { return nil }
        self.tokens = tokens
    }

    /// Whether `topic` matches.
    public func matches(_ topic: String) -> Bool {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            if token == ">" { return parts.count > index }
            guard index < parts.count, token == "*" || token == parts[index] else { return false }
        }
        return parts.count == tokens.count
    }
}
