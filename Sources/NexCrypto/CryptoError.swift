/// The error thrown by NexCrypto operations that cannot produce a value.
///
/// A failed signature check is not an error (it is `false`); `CryptoError` covers keys, certificates
/// and TLS contexts that cannot be loaded, made or used. `message` says what failed and includes the
/// drained OpenSSL error queue where OpenSSL was involved.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    /// What kind of operation failed.
    public enum Code: Sendable {
        /// A private or public key could not be parsed, generated or used, or has an unsupported algorithm.
        case invalidKey
        /// A certificate could not be parsed or encoded.
        case invalidCertificate
        /// Producing a signature failed.
        case signingFailed
        /// A certificate revocation list could not be parsed or encoded.
        case invalidRevocationList
        /// A file could not be read.
        case fileUnreadable
        /// Building or signing a certificate failed.
        case issuanceFailed
        /// A TLS context or session could not be created.
        case tlsSetupFailed
        /// Anything else.
        case other
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation, including OpenSSL's error queue text where relevant.
    public let message: String

    /// Creates an error with a code and a message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message, prefixed with the code.
    public var description: String { "\(code): \(message)" }
}
