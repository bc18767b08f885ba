import Foundation
import NexCrypto

extension DevelopmentPKI {
    /// Revokes node `nodeID`'s current certificate (`nodes/<id>.pem`): adds its serial number to the
    /// revocation list, keeping the entries already there, and re-signs the list with the next CRL
    /// number, valid for `validityDays` days. The list is replaced atomically (mode 0644) under
    /// ``crlLockPath``, so concurrent revocations all land and nexd picks them up on its next reload.
    /// - Returns: The new entry.
    /// - Throws: ``DaemonError`` for an unknown node, a certificate already revoked, a certificate of
    ///   another CA or a missing CA key; ``CryptoError`` when a file cannot be read or signing fails.
    @discardableResult
    public func revoke(nodeID: String, validityDays: Int = revocationListValidityDays) throws -> RevokedCertificate {
        let certificate = try loadNodeCertificate(nodeID)
        let authority = try loadAuthority()
        guard certificate.isSigned(by: authority.certificate) else {
            throw DaemonError("\(nodeCertificatePath(nodeID)) was not issued by the CA in \(caCertificatePath); nothing to revoke here")
        }
        let entry = RevokedCertificate(certificate, revocationDate: Date())
        guard try appendToRevocationList(entry, validityDays: validityDays, authority: authority) else {
            throw DaemonError("the certificate of \(nodeID) (serial \(entry.serialNumberHex)) is already revoked in \(crlPath); issue a new one with `nex pki issue \(nodeID)`")
        }
        return entry
    }

    /// Re-signs the revocation list with the same entries, a new `thisUpdate`, a `nextUpdate`
    /// `validityDays` days ahead and the next CRL number; writes an empty list (number 1) if there
    /// is none. Run it before `nextUpdate` passes: nexd refuses every client once its list has expired.
    /// - Returns: The new list.
    /// - Throws: ``DaemonError`` for a missing CA key or a list of another CA; ``CryptoError`` when a
    ///   file cannot be read or signing fails.
    @discardableResult
    public func refreshCRL(validityDays: Int = revocationListValidityDays) throws -> CertificateRevocationList {
        let authority = try loadAuthority()
        return try withRevocationListLock {
            let current = try loadRevocationListIfPresent()
            let list = try signRevocationList(
                revoked: current?.revoked ?? [], number: Self.nextNumber(after: current), validityDays: validityDays,
                authority: authority)
            try Self.writeAtomically(list.pemEncoded(), to: crlPath, mode: 0o644)
            return list
        }
    }

    /// Issues node `nodeID` a new clientAuth certificate and key (the profile ``create(nodeIDs:algorithm:validityDays:)``
    /// uses), replacing `nodes/<id>.pem` and `.key` if they exist. A revoked old certificate stays revoked.
    /// - Returns: The new certificate.
    /// - Throws: ``DaemonError`` for an invalid node id or a missing CA key; ``CryptoError`` when
    ///   issuance fails.
    @discardableResult
    public func issue(nodeID: String, algorithm: SignatureAlgorithm = .ecdsaP256SHA256, validityDays: Int = 825) throws -> Certificate {
        try Self.checkNodeID(nodeID)
        let authority = try loadAuthority()
        if !FileManager.default.fileExists(atPath: nodesDirectory) {
            try FileManager.default.createDirectory(atPath: nodesDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let now = Date()
        let (key, certificate) = try issueLeaf(
            nodeID, usage: .clientAuth,
            validity: now.addingTimeInterval(-3600)...now.addingTimeInterval(Double(validityDays) * 86_400),
            algorithm: algorithm, authority: authority)
        // Key first: a certificate next to a stale key would be unusable, the reverse only unused.
        try Self.writeAtomically(key.pemEncoded(), to: nodeKeyPath(nodeID), mode: 0o600)
        try Self.writeAtomically(certificate.pemEncoded(), to: nodeCertificatePath(nodeID), mode: 0o644)
        return certificate
    }

    /// The node ids that have a certificate in `nodes/`, sorted.
    public func nodeIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: nodesDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pem") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Node `nodeID`'s certificate.
    /// - Throws: ``DaemonError`` naming the known nodes when there is none.
    public func loadNodeCertificate(_ nodeID: String) throws -> Certificate {
        try Self.checkNodeID(nodeID)
        let path = nodeCertificatePath(nodeID)
        guard FileManager.default.fileExists(atPath: path) else {
            let known = nodeIDs()
            throw DaemonError("no certificate for \(nodeID) in \(nodesDirectory) (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        guard let certificate = try Certificate.certificates(pemFile: path).first else {
            throw DaemonError("\(path) holds no certificate")
        }
        return certificate
    }

    /// Refuses ids that would name a file outside `nodes/`.
    static func checkNodeID(_ nodeID: String) throws {
        guard !nodeID.isEmpty, !nodeID.contains("/"), !nodeID.hasPrefix("."), !nodeID.contains("\0") else {
            throw DaemonError("invalid node id \"\(nodeID)\": use the roster id, e.g. bcp.rw.rusumo")
        }
    }
}
