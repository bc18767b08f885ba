import NexWire

/// The topic grammar shared by `Topic` and `TopicFilter`.
///
/// A topic is dot-separated tokens; each token is 1–64 bytes of `[a-z0-9_-]`; at most 16 tokens
/// and 255 bytes in all. A filter may also use `*` (one token) and `>` (one or more remaining
/// tokens, last only).
enum TopicSyntax {
    static let maximumTokenLength = 64
    static let maximumTokenCount = 16
    static let maximumLength = WireLimits.maximumTopicLength

    /// Splits and validates `string`; returns its tokens. `isFilter` allows wildcards.
    static func tokens(of string: String, isFilter: Bool) throws(TopicError) -> [Substring] {
        let noun = isFilter ? "filter" : "publish topic"
        let code: WireErrorCode = isFilter ? .invalidFilter : .invalidTopic
        // Only error messages quote the text: built on a throw, not per publish (`count` walks the
        // whole string's characters).
        var quoted: String { "\"\(string.count > 80 ? String(string.prefix(80)) + "…" : string)\"" }
        guard !string.isEmpty else { throw TopicError(code, "\(noun) is empty") }
        guard string.utf8.count <= maximumLength else {
            throw TopicError(code, "\(noun) \(quoted) is \(string.utf8.count) bytes; the limit is \(maximumLength)")
        }
        let tokens = string.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count <= maximumTokenCount else {
            throw TopicError(code, "\(noun) \(quoted) has \(tokens.count) tokens; the limit is \(maximumTokenCount)")
        }
        for (position, token) in tokens.enumerated() {
            guard !token.isEmpty else {
                throw TopicError(
                    code,
                    "\(noun) \(quoted) has an empty token at position \(position + 1); remove the extra \".\""
                )
            }
            if token == "*" || token == ">" {
                guard isFilter else {
                    throw TopicError(
                        code,
                        "\(noun) \(quoted) contains wildcard \"\(token)\"; wildcards are allowed in subscriptions only"
                    )
                }
                if token == ">" && position != tokens.count - 1 {
                    throw TopicError(code, "\(noun) \(quoted) has \">\" before its last token; \">\" may only end a filter")
                }
                continue
            }
            guard token.utf8.count <= maximumTokenLength else {
                throw TopicError(
                    code,
                    "\(noun) \(quoted) has a token of \(token.utf8.count) bytes; the limit is \(maximumTokenLength)"
                )
            }
            for byte in token.utf8 where !isTokenByte(byte) {
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: ">") {
                    throw TopicError(
                        code,
                        "\(noun) \(quoted) has token \"\(token)\" mixing a wildcard with other characters; a wildcard must be a whole token"
                    )
                }
                throw TopicError(
                    code,
                    "\(noun) \(quoted) has token \"\(token)\" with a character outside [a-z0-9_-]; use lowercase letters, digits, '_' or '-'"
                )
            }
        }
        return tokens
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
