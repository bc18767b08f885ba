import NexCrypto
import NexWire

/// Why a session with nexd ended or could not start, judged by whether trying again can help.
///
/// **Permanent**: nexd refused this node's identity or request, and will refuse it the same way
/// on every attempt until an operator changes something (a revoked, expired or foreign
/// certificate; a node not on the roster or not permitted; a filter nexd rejects; a protocol
/// this client does not speak). **Transient**: everything else — nexd down or restarting, the
/// network, time-outs, `shutting-down`, `overloaded`, `audit-unavailable`, a close without a
/// frame (an idle time-out, a slow consumer). Judged from codes (TLS alert numbers, wire error
/// codes), never from message text. docs/DECISIONS.md D53.
public enum ConnectionFailure: Sendable, Equatable, CustomStringConvertible {
    /// Trying again later can succeed. The reason is a short phrase for the user.
    case transient(String)
    /// nexd will refuse every attempt the same way. The reason is a short phrase for the user.
    case permanent(String)

    /// The TLS alerts nexd sends when it refuses a client certificate (docs/PROTOCOL.md §6.1):
    /// 42 bad certificate, 43 unsupported certificate, 44 certificate revoked, 45 certificate
    /// expired, 48 unknown CA, 70 protocol version, 116 certificate required.
    public static let permanentAlerts: Set<UInt8> = [42, 43, 44, 45, 48, 70, 116]

    /// Judges a failed connect or a session that ended with `error`.
    public init(_ error: ClientError) {
        switch error.code {
        case .refused(let code):
            let reason = "\(code.name)" + Self.detail(of: error)
            self = Self.isPermanent(code) ? .permanent(reason) : .transient(reason)
        case .tlsRefused:
            if let alert = error.tlsError?.alert {
                let reason = "TLS alert \(alert)"
                self = Self.permanentAlerts.contains(alert.code) ? .permanent(reason) : .transient(reason)
            } else {
                // A reset, a TLS failure without an alert, or this client rejecting nexd's own
                // certificate (which nexd's operator may renew): worth another try.
                self = .transient(error.message)
            }
        case .protocolError:
            self = .permanent(error.message)
        case .credentials:
            self = .permanent(error.message)
        case .connectFailed, .timedOut, .closed:
            self = .transient(error.message)
        }
    }

    /// Judges a refused subscription (a `subnack`, asked for or a withdrawal).
    public init(refusal nack: SubscribeNack) {
        let reason = "\(nack.code.name): \(nack.reason)"
        self = Self.isPermanent(nack.code) ? .permanent(reason) : .transient(reason)
    }

    /// Whether nexd will refuse every attempt the same way.
    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }

    /// The short phrase for the user.
    public var reason: String {
        switch self {
        case .transient(let reason), .permanent(let reason): reason
        }
    }

    public var description: String { reason }

    /// Whether a wire error code says retrying cannot help. Exhaustive on purpose: a new code
    /// must be judged here.
    public static func isPermanent(_ code: WireErrorCode) -> Bool {
        switch code {
        // Identity and permission: nexd refuses this node until its operator changes something.
        case .notInRoster, .permissionDenied, .invalidFilter:
            true
        // This client and this nexd do not speak the same protocol: every attempt repeats it.
        case .unsupportedVersion, .malformedFrame, .frameTooLarge, .unknownFrameType, .protocolViolation:
            true
        // Server conditions: retry later.
        case .auditUnavailable, .overloaded, .internalError, .shuttingDown:
            false
        // A fresh connection starts with no subscriptions; the node's other (perhaps dead)
        // connections may still hold some until nexd notices them gone.
        case .tooManySubscriptions, .duplicateSubscription, .unknownSubscription:
            false
        // Answers to publishes, which a subscriber does not send; not a reason to stop.
        case .malformedEnvelope, .badSignature, .senderMismatch, .invalidTopic, .replay, .outsideReplayWindow,
             .unknownKind, .unsupportedAlgorithm, .payloadTooLarge, .invalidNotice:
            false
        }
    }

    /// `": <nexd's reason>"` from an error frame's message (`nexd refused: <code>: <reason>`), or "".
    private static func detail(of error: ClientError) -> String {
        guard case .refused(let code) = error.code else { return "" }
        let prefix = "nexd refused: \(code.name): "
        guard error.message.hasPrefix(prefix) else { return "" }
        let text = error.message.dropFirst(prefix.count)
        return text.isEmpty ? "" : ": \(text)"
    }
}
