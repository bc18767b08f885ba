/// The signed part of a notice: who sends what, on which topic, to whom, and the opaque payload.
///
/// `encodedBody()` is the canonical binary form (version 1, see `docs/PROTOCOL.md`); the
/// signature covers `signingDomain ‖ body`. An `Envelope` is only the fields: to sign or verify,
/// use `SignedEnvelope`, which keeps the exact bytes that were parsed.
public struct Envelope: Sendable, Equatable {
    /// The envelope format version; this module writes and reads version 1.
    public var version: UInt8
    /// The message id (a UUIDv7), unique per sender.
    public var messageID: MessageID
    /// The node id of the originator; must equal its TLS identity.
    public var sender: String
    /// The publish topic (no wildcards), at most `WireLimits.maximumTopicLength` bytes.
    public var topic: String
    /// The notice kind's raw value (e.g. `"red"`).
    public var kind: String
    /// When the originator issued the notice, Unix time in milliseconds.
    public var issuedAtMillis: Int64
    /// Countries (lowercase ISO 3166 alpha-2) allowed to receive; empty means no country restriction.
    public var allowedCountries: [String]
    /// Countries that must not receive; deny wins over allow.
    public var deniedCountries: [String]
    /// Node ids allowed to receive; empty means no node restriction.
    public var allowedNodes: [String]
    /// Node ids that must not receive; deny wins over allow.
    public var deniedNodes: [String]
    /// The signature algorithm, one of `Envelope.SignatureAlgorithm`.
    public var signatureAlgorithm: UInt8
    /// The notice document (JSON), carried opaquely and never re-serialized.
    public var payload: [UInt8]

    /// The values of `signatureAlgorithm`.
    public enum SignatureAlgorithm {
        /// ECDSA over P-256 with SHA-256, DER-encoded signature (the default).
        public static let ecdsaP256SHA256: UInt8 = 1
        /// Ed25519 (RFC 8032), 64-byte signature.
        public static let ed25519: UInt8 = 2
    }

    /// The current envelope version.
    public static let currentVersion: UInt8 = 1

    /// The domain-separation prefix of the signed bytes: `"NoticeExchange" 0x00 "v1" 0x00 "env"`
    /// (21 bytes), so an envelope signature can never be mistaken for a signature over any other
    /// structure signed with the same key.
    public static let signingDomain: [UInt8] = Array("NoticeExchange".utf8) + [0] + Array("v1".utf8) + [0]
        + Array("env".utf8)

    /// An envelope with every field; restriction lists default to empty.
    public init(
        version: UInt8 = Envelope.currentVersion,
        messageID: MessageID,
        sender: String,
        topic: String,
        kind: String,
        issuedAtMillis: Int64,
        allowedCountries: [String] = [],
        deniedCountries: [String] = [],
        allowedNodes: [String] = [],
        deniedNodes: [String] = [],
        signatureAlgorithm: UInt8 = SignatureAlgorithm.ecdsaP256SHA256,
        payload: [UInt8]
    ) {
        self.version = version
        self.messageID = messageID
        self.sender = sender
        self.topic = topic
        self.kind = kind
        self.issuedAtMillis = issuedAtMillis
        self.allowedCountries = allowedCountries
        self.deniedCountries = deniedCountries
        self.allowedNodes = allowedNodes
        self.deniedNodes = deniedNodes
        self.signatureAlgorithm = signatureAlgorithm
        self.payload = payload
    }

    /// The canonical body bytes of this envelope (the signed part, without the domain prefix).
    public func encodedBody() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + sender.utf8.count + topic.utf8.count + kind.utf8.count + payload.count)
        out.writeU8(version)
        out.writeMessageID(messageID)
        out.writeStr16(sender)
        out.writeStr16(topic)
        out.writeStr16(kind)
        out.writeU64(UInt64(bitPattern: issuedAtMillis))
        out.writeStringList(allowedCountries)
        out.writeStringList(deniedCountries)
        out.writeStringList(allowedNodes)
        out.writeStringList(deniedNodes)
        out.writeU8(signatureAlgorithm)
        out.writeBytes32(payload)
        return out
    }

    /// The bytes a signer signs: `signingDomain ‖ encodedBody()`.
    public func bytesToSign() -> [UInt8] {
        Envelope.signingDomain + encodedBody()
    }
}
