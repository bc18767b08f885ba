import Foundation
import NexCrypto

extension DevelopmentPKI {
    /// One certificate of the PKI directory, as `nex pki list` shows it.
    public struct Entry: Sendable, Equatable {
        /// Whether the certificate can be used now.
        public enum Status: String, Sendable {
            /// Within its validity period and not revoked.
            case valid
            /// Listed in the CA's revocation list.
            case revoked
            /// Past its `notAfter`.
            case expired
            /// Before its `notBefore`.
            case notYetValid = "not-yet-valid"
        }

        /// What the certificate is: `"ca"`, `"nexd"`, `"audit"` or `"node"`.
        public var role: String
        /// The certificate file.
        public var path: String
        /// The subject common name (for a node, its id).
        public var commonName: String
        /// The serial number, as ``Certificate/serialNumberHex`` spells it.
        public var serialNumberHex: String
        /// The end of the validity period.
        public var notValidAfter: Date
        /// The usage: `"CA"`, or the extended key usage purposes (e.g. `"clientAuth"`).
        public var usage: String
        /// Revocation wins over expiry: a revoked certificate is reported revoked.
        public var status: Status
    }

    /// Every certificate in the directory: the CA, nexd, the audit identity, then the nodes by id,
    /// each with its status against the clock and the CA's revocation list (none revoked if there
    /// is no list yet).
    /// - Throws: ``PKIError`` when there is no CA or the list is not the CA's; ``CryptoError``
    ///   when a file cannot be read.
    public func list() throws -> [Entry] {
        let ca = try loadCACertificate()
        let revocationList = try loadRevocationListIfPresent()
        let now = Date()
        func entry(_ role: String, _ path: String, _ certificate: Certificate) -> Entry {
            let status: Entry.Status =
                if certificate != ca, revocationList?.isRevoked(serialNumberHex: certificate.serialNumberHex) == true {
                    .revoked
                } else if certificate.notValidAfter < now {
                    .expired
                } else if certificate.notValidBefore > now {
                    .notYetValid
                } else {
                    .valid
                }
            return Entry(role: role, path: path, commonName: certificate.subjectCommonName ?? "",
                         serialNumberHex: certificate.serialNumberHex, notValidAfter: certificate.notValidAfter,
                         usage: Self.usage(of: certificate), status: status)
        }
        var entries = [entry("ca", caCertificatePath, ca)]
        let files = [("nexd", serverCertificatePath), ("audit", auditCertificatePath)]
            + nodeIDs().map { ("node", nodeCertificatePath($0)) }
        for (role, path) in files where FileManager.default.fileExists(atPath: path) {
            guard let certificate = try Certificate.certificates(pemFile: path).first else { continue }
            entries.append(entry(role, path, certificate))
        }
        return entries
    }

    private static func usage(of certificate: Certificate) -> String {
        if certificate.isCertificateAuthority { return "CA" }
        guard let usage = certificate.extendedKeyUsage else { return "any" }
        let names: [(ExtendedKeyUsage, String)] = [
            (.serverAuth, "serverAuth"), (.clientAuth, "clientAuth"), (.codeSigning, "codeSigning"),
            (.emailProtection, "emailProtection"), (.timeStamping, "timeStamping"), (.ocspSigning, "OCSPSigning"),
        ]
        let listed = names.filter { usage.contains($0.0) }.map(\.1)
        return listed.isEmpty ? "other" : listed.joined(separator: ",")
    }
}
