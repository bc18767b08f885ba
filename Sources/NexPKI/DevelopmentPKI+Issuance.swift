import Foundation
import NexCrypto

extension DevelopmentPKI {
    /// What ``issue(nodeID:algorithm:validityDays:)`` did.
    public struct Issuance: Sendable {
        /// What became of the certificate the node had before.
        public enum Predecessor: Sendable, Equatable {
            /// The node had no certificate here.
            case none
            /// It was valid, so it was revoked first (key rotation is revoke + issue).
            case revoked(RevokedCertificate)
            /// It was already on the revocation list (serial).
            case alreadyRevoked(String)
            /// It was past its `notAfter` (serial): no longer accepted, nothing to revoke.
            case expired(String)
            /// It was issued by another CA (serial): this CA's list cannot revoke it.
            case otherAuthority(String)
        }

        /// The new certificate, now in `nodes/<id>.pem`.
        public var certificate: Certificate
        /// The old certificate's fate.
        public var predecessor: Predecessor
    }

    /// Issues node `nodeID` a new clientAuth certificate and key (the profile ``create(nodeIDs:algorithm:validityDays:)``
    /// uses), replacing `nodes/<id>.pem` and `.key`.
    ///
    /// A node's current certificate that is still valid is revoked first, so a re-issue never
    /// leaves an old certificate usable (and, once its file is replaced, forgotten). The new
    /// certificate is made before anything is written; then the old one is revoked, then the key
    /// and certificate files are replaced.
    /// - Returns: The new certificate and what became of the old one.
    /// - Throws: ``PKIError`` for an invalid node id, an unreadable current certificate or a
    ///   missing CA key; ``CryptoError`` when issuance fails.
    @discardableResult
    public func issue(nodeID: String, algorithm: SignatureAlgorithm = .ecdsaP256SHA256, validityDays: Int = 825) throws -> Issuance {
        try Self.checkNodeID(nodeID)
        let authority = try loadAuthority()
        let previous: Certificate? = FileManager.default.fileExists(atPath: nodeCertificatePath(nodeID))
            ? try loadNodeCertificate(nodeID) : nil
        if !FileManager.default.fileExists(atPath: nodesDirectory) {
            try FileManager.default.createDirectory(atPath: nodesDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let now = Date()
        let (key, certificate) = try issueLeaf(
            nodeID, usage: .clientAuth,
            validity: now.addingTimeInterval(-3600)...now.addingTimeInterval(Double(validityDays) * 86_400),
            algorithm: algorithm, authority: authority)
        let predecessor = try retire(previous, authority: authority, now: now)
        // Key first: a certificate next to a stale key would be unusable, the reverse only unused.
        try Self.writeAtomically(key.pemEncoded(), to: nodeKeyPath(nodeID), mode: 0o600)
        try Self.writeAtomically(certificate.pemEncoded(), to: nodeCertificatePath(nodeID), mode: 0o644)
        return Issuance(certificate: certificate, predecessor: predecessor)
    }

    /// Revokes `previous` unless there is nothing to revoke.
    private func retire(_ previous: Certificate?, authority: Authority, now: Date) throws -> Issuance.Predecessor {
        guard let previous else { return .none }
        let serial = previous.serialNumberHex
        guard previous.isSigned(by: authority.certificate) else { return .otherAuthority(serial) }
        guard previous.notValidAfter >= now else { return .expired(serial) }
        let entry = RevokedCertificate(previous, revocationDate: now)
        return try appendToRevocationList(entry, validityDays: Self.revocationListValidityDays, authority: authority)
            ? .revoked(entry) : .alreadyRevoked(serial)
    }
}
