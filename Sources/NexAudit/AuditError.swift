/// An error from the audit log: the log cannot be opened, written or read.
///
/// Verification findings are not errors: ``AuditVerifier`` reports them as values.
public struct AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed.
    public enum Code: String, Sendable {
        /// The directory or a segment cannot be created, opened or read.
        case unreadable = "audit-unreadable"
        /// A write or fsync failed; the log refuses appends (fail closed) until it has recorded the
        /// repair.
        case writeFailed = "audit-write-failed"
        /// The existing log's tail is not a valid record (not merely torn): it needs an auditor.
        case corrupt = "audit-corrupt"
        /// The log was closed.
        case closed = "audit-closed"
        /// Another process holds the audit directory's lock.
        case inUse = "audit-in-use"
        /// A checkpoint, proof or index file is not in the documented format.
        case malformed = "audit-malformed"
    }

    public let code: Code
    /// What failed, on which file, and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
