import Foundation

/// One entry of a ``CertificateRevocationList``: which certificate (by serial number) and since when.
///
/// Serial numbers are compared in one canonical spelling, that of ``Certificate/serialNumberHex``:
/// lowercase hexadecimal, two digits per byte, no leading zero bytes.
public struct RevokedCertificate: Sendable, Equatable {
    /// The revoked certificate's serial number, canonical (see the type's discussion).
    public var serialNumberHex: String
    /// When the certificate was revoked (second precision once encoded).
    public var revocationDate: Date

    /// An entry for the certificate with serial `serialNumberHex`, which may be upper case, use `:`
    /// separators or a `0x` prefix, or omit a leading zero; it is stored canonical.
    public init(serialNumberHex: String, revocationDate: Date) {
        self.serialNumberHex = Self.canonical(serialNumberHex)
        self.revocationDate = revocationDate
    }

    /// An entry for `certificate`, revoked at `revocationDate`.
    public init(_ certificate: Certificate, revocationDate: Date) {
        self.init(serialNumberHex: certificate.serialNumberHex, revocationDate: revocationDate)
    }

    /// `hex` in the canonical spelling: lowercase, no separators or prefix, even length, no leading
    /// zero bytes (`"00"` for zero), `-` kept for a negative number.
    static func canonical(_ hex: String) -> String {
        var digits = hex.lowercased().filter { $0 != ":" && !$0.isWhitespace }
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        if digits.hasPrefix("0x") { digits.removeFirst(2) }
        digits = String(digits.drop { $0 == "0" })
        if digits.isEmpty { return "00" }
        if digits.count % 2 == 1 { digits = "0" + digits }
        return negative ? "-" + digits : digits
    }
}
