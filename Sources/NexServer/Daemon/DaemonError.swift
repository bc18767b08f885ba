/// nexd cannot start or keep running: the message says what failed and what to do.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
