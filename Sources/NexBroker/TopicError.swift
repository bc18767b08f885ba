public import NexWire

/// Why a string is not a valid topic or topic filter.
///
/// The reason quotes the input and says what to change, e.g.
/// `publish topic "a.*" contains wildcard "*"; wildcards are allowed in subscriptions only`.
public struct TopicError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The wire code to send a peer: `.invalidTopic` for a publish topic, `.invalidFilter` for a filter.
    public let code: WireErrorCode
    /// What is wrong with which input.
    public let reason: String

    init(_ code: WireErrorCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
