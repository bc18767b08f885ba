/// The error of the wire module: a stable code and a readable reason.
///
/// The reason says what failed on which field, e.g.
/// `nack: field "reason" is not valid UTF-8`. Decoders throw it; a server maps it to a
/// `nack` or `error` frame with the same code.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable wire code.
    public let code: WireErrorCode
    /// What failed, on which frame and field.
    public let reason: String

    /// An error with a code and a reason.
    public init(_ code: WireErrorCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The code's name followed by the reason.
    public var description: String { "\(code.name): \(reason)" }
}
