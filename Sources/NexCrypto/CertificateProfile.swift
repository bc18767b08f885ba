import Foundation

/// What to put in a certificate made by ``CertificateIssuer``.
///
/// CA profiles get `basicConstraints=critical,CA:TRUE`, `keyUsage=critical,keyCertSign,cRLSign` and a
/// subject key identifier. Leaf profiles get `basicConstraints=CA:FALSE`,
/// `keyUsage=critical,digitalSignature`, subject and authority key identifiers. Both get the
/// extended key usage and subject alternative names given here.
public struct CertificateProfile: Sendable {
    /// The subject common name (CN); at most 64 characters.
    public var subjectCommonName: String
    /// The subject organisation (O), e.g. `"NoticeExchange development"`; `nil` omits it.
    public var organization: String?
    /// The start of the validity period (second precision).
    public var notValidBefore: Date
    /// The end of the validity period (second precision); not before ``notValidBefore``.
    public var notValidAfter: Date
    /// Whether the certificate may issue others.
    public var isCertificateAuthority: Bool
    /// The extended key usage purposes; `nil` omits the extension. Must not be empty when given.
    public var extendedKeyUsage: ExtendedKeyUsage?
    /// DNS names for the subject alternative name extension.
    public var dnsNames: [String]
    /// IPv4 or IPv6 addresses (text form) for the subject alternative name extension.
    public var ipAddresses: [String]

    /// Creates a profile with an explicit validity period.
    public init(
        subjectCommonName: String,
        organization: String? = nil,
        notValidBefore: Date,
        notValidAfter: Date,
        isCertificateAuthority: Bool = false,
        extendedKeyUsage: ExtendedKeyUsage? = nil,
        dnsNames: [String] = [],
        ipAddresses: [String] = []
    ) {
        self.subjectCommonName = subjectCommonName
        self.organization = organization
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.isCertificateAuthority = isCertificateAuthority
        self.extendedKeyUsage = extendedKeyUsage
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
    }

    /// Creates a profile valid over `validity`.
    public init(
        subjectCommonName: String,
        organization: String? = nil,
        validity: ClosedRange<Date>,
        isCertificateAuthority: Bool = false,
        extendedKeyUsage: ExtendedKeyUsage? = nil,
        dnsNames: [String] = [],
        ipAddresses: [String] = []
    ) {
        self.init(
            subjectCommonName: subjectCommonName, organization: organization,
            notValidBefore: validity.lowerBound, notValidAfter: validity.upperBound,
            isCertificateAuthority: isCertificateAuthority, extendedKeyUsage: extendedKeyUsage,
            dnsNames: dnsNames, ipAddresses: ipAddresses)
    }

    /// The `subjectAltName` configuration value, or `nil` when there are no names.
    /// - Throws: `CryptoError.issuanceFailed` for a name that would corrupt the value.
    func subjectAltNameValue() throws(CryptoError) -> String? {
        let entries = dnsNames.map { ("DNS", $0) } + ipAddresses.map { ("IP", $0) }
        guard !entries.isEmpty else { return nil }
        for (_, name) in entries where name.isEmpty || name.contains(",") || name.contains("\n") {
            throw CryptoError(code: .issuanceFailed, message: "invalid subject alternative name \"\(name)\"")
        }
        return entries.map { "\($0.0):\($0.1)" }.joined(separator: ",")
    }
}
