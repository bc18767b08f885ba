/// The body of a `nack` frame (server → client): the publish was refused.
public struct Nack: Sendable, Equatable {
    /// The id of the refused envelope, or `MessageID.zero` if it could not be parsed.
    public var messageID: MessageID
    /// The stable reason code.
    public var code: WireErrorCode
    /// A readable reason (never internal details); truncated to 65 535 bytes when encoded.
    public var reason: String

    /// A nack with every field.
    public init(messageID: MessageID, code: WireErrorCode, reason: String) {
        self.messageID = messageID
        self.code = code
        self.reason = reason
    }
}
