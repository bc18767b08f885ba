/// A development-PKI operation failed: the message says what, on which file, and what to do.
///
/// Its description is the message alone, so a caller that prints it (nexd's start-up, `nex pki`)
/// shows the same text whichever module the error came from.
public struct PKIError: Error, Sendable, CustomStringConvertible {
    /// What failed and what to do.
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
