/// A stable numeric error code carried by `nack`, `subnack` and `error` frames.
///
/// Codes never change meaning; new codes come with a new protocol version. The ranges group
/// them: 1–99 framing, 100–199 publishing, 200–299 subscribing, 300–399 identity,
/// 500–599 server conditions. See `docs/PROTOCOL.md` for the table.
public enum WireErrorCode: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// A frame or its body does not follow the format (short, trailing bytes, bad UTF-8, zero length).
    case malformedFrame = 1
    /// A frame's length prefix exceeds the receiver's maximum frame size.
    case frameTooLarge = 2
    /// A frame's type byte is not one this version defines.
    case unknownFrameType = 3
    /// The peer's protocol or envelope version is not supported.
    case unsupportedVersion = 4
    /// A well-formed frame arrived where the protocol does not allow it (e.g. publish before hello).
    case protocolViolation = 5
    /// A published envelope could not be parsed.
    case malformedEnvelope = 100
    /// An envelope's signature does not verify against the sender's certificate.
    case badSignature = 101
    /// An envelope's sender is not the node identified by the TLS connection.
    case senderMismatch = 102
    /// An envelope's topic is not a valid publish topic.
    case invalidTopic = 103
    /// A message id was already used with different signed bytes.
    case replay = 104
    /// An envelope's issued-at time is outside the server's replay window.
    case outsideReplayWindow = 105
    /// An envelope's notice kind is not known.
    case unknownKind = 106
    /// An envelope's signature algorithm is not supported.
    case unsupportedAlgorithm = 107
    /// An envelope's payload exceeds the maximum payload size.
    case payloadTooLarge = 108
    /// The notice document is not valid for its kind, or the kind does not fit the topic; the
    /// reason names the field.
    case invalidNotice = 109
    /// A subscription filter is not valid.
    case invalidFilter = 200
    /// The node already holds the maximum number of subscriptions.
    case tooManySubscriptions = 201
    /// The subscription id is already in use on this connection.
    case duplicateSubscription = 202
    /// The subscription id is not in use on this connection.
    case unknownSubscription = 203
    /// The node's permissions do not allow the publish or subscription.
    case permissionDenied = 204
    /// The peer's certificate identity is not in the server's roster.
    case notInRoster = 300
    /// The audit log cannot be written; the server fails closed.
    case auditUnavailable = 500
    /// The server is overloaded; retry later.
    case overloaded = 501
    /// An internal server error; details are in the server's log, never on the wire.
    case internalError = 502
    /// nexd is shutting down (SIGTERM/SIGINT); the connection closes after this error frame.
    case shuttingDown = 503

    /// The stable kebab-case name of the code, e.g. `"bad-signature"`, for logs and audit records.
    public var name: String {
        switch self {
        case .malformedFrame: "malformed-frame"
        case .frameTooLarge: "frame-too-large"
        case .unknownFrameType: "unknown-frame-type"
        case .unsupportedVersion: "unsupported-version"
        case .protocolViolation: "protocol-violation"
        case .malformedEnvelope: "malformed-envelope"
        case .badSignature: "bad-signature"
        case .senderMismatch: "sender-mismatch"
        case .invalidTopic: "invalid-topic"
        case .replay: "replay"
        case .outsideReplayWindow: "outside-replay-window"
        case .unknownKind: "unknown-kind"
        case .unsupportedAlgorithm: "unsupported-algorithm"
        case .payloadTooLarge: "payload-too-large"
        case .invalidNotice: "invalid-notice"
        case .invalidFilter: "invalid-filter"
        case .tooManySubscriptions: "too-many-subscriptions"
        case .duplicateSubscription: "duplicate-subscription"
        case .unknownSubscription: "unknown-subscription"
        case .permissionDenied: "permission-denied"
        case .notInRoster: "not-in-roster"
        case .auditUnavailable: "audit-unavailable"
        case .overloaded: "overloaded"
        case .internalError: "internal-error"
        case .shuttingDown: "shutting-down"
        }
    }

    /// The code whose stable name is `name`, or `nil` if there is none.
    public init?(name: String) {
        guard let code = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = code
    }

    /// The name and number, e.g. `bad-signature (101)`.
    public var description: String { "\(name) (\(rawValue))" }
}
