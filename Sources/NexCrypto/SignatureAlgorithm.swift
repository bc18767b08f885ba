/// The signature algorithms NoticeExchange accepts. Raw values are stable wire codes.
public enum SignatureAlgorithm: UInt8, Sendable, CaseIterable {
    /// ECDSA over NIST P-256 with SHA-256; signatures are DER-encoded `ECDSA-Sig-Value`
    /// ([RFC 5480](https://www.rfc-editor.org/rfc/rfc5480)).
    case ecdsaP256SHA256 = 1
    /// Ed25519 ([RFC 8032](https://www.rfc-editor.org/rfc/rfc8032)); signatures are 64 raw bytes.
    case ed25519 = 2

    /// The algorithm's stable text name: `"ecdsa-p256-sha256"` or `"ed25519"`.
    public var name: String {
        switch self {
        case .ecdsaP256SHA256: "ecdsa-p256-sha256"
        case .ed25519: "ed25519"
        }
    }

    /// The algorithm with the given ``name``, or `nil`.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
