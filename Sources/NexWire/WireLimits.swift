/// Limits of wire protocol version 1.
///
/// These are the defaults and hard caps every peer agrees on; a server may announce a smaller
/// maximum frame size in its `welcome`. See `docs/PROTOCOL.md`.
public enum WireLimits {
    /// The protocol version this module speaks, carried in `hello` and `welcome`.
    public static let protocolVersion: UInt8 = 1

    /// The default largest frame length `L` (type byte plus body) a decoder accepts: 64 KiB.
    public static let defaultMaximumFrameSize = 65_536

    /// The largest topic, in UTF-8 bytes, an envelope may carry.
    public static let maximumTopicLength = 255

    /// The largest notice payload, in bytes, an envelope may carry.
    ///
    /// Chosen so that a publish of a full payload with modest restrictions still fits in a
    /// default-sized frame.
    public static let maximumPayloadSize = 60_000

    /// The largest number of entries in each of an envelope's four restriction lists.
    public static let maximumRestrictionEntries = 256

    /// The length, in bytes, of a certificate fingerprint (SHA-256 of the certificate's DER).
    public static let fingerprintLength = 32
}
