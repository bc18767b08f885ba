import Foundation
import NexCrypto

extension DevelopmentPKI {
    /// Revokes node `nodeID`'s current certificate (`nodes/<id>.pem`): adds its serial number to the
    /// revocation list, keeping the entries already there, and re-signs the list with the next CRL
    /// number, valid for `validityDays` days. The list is replaced atomically (mode 0644) under
    /// ``crlLockPath``, so concurrent revocations all land and nexd picks them up on its next reload.
    /// - Parameter startingNewList: Whether a lost `ca.crl.pem` may be started anew (from the record
    ///   of the newest list, ``nextListBasis(authority:startingNewList:)``); without it, that is an error.
    /// - Returns: The new entry.
    /// - Throws: ``PKIError`` for an unknown node, a certificate already revoked, a certificate of
    ///   another CA, a missing CA key or a lost list; ``CryptoError`` when a file cannot be read or
    ///   signing fails.
    @discardableResult
    public func revoke(nodeID: String, validityDays: Int = revocationListValidityDays,
                       startingNewList: Bool = false) throws -> RevokedCertificate {
        let certificate = try loadNodeCertificate(nodeID)
        let authority = try loadAuthority()
        guard certificate.isSigned(by: authority.certificate) else {
            throw PKIError("\(nodeCertificatePath(nodeID)) was not issued by the CA in \(caCertificatePath); nothing to revoke here")
        }
        let entry = RevokedCertificate(certificate, revocationDate: Date())
        guard try appendToRevocationList(entry, validityDays: validityDays, authority: authority,
                                         startingNewList: startingNewList) else {
            throw PKIError("the certificate of \(nodeID) (serial \(entry.serialNumberHex)) is already revoked in \(crlPath); issue a new one with `nex pki issue \(nodeID)`")
        }
        return entry
    }

    /// Revokes the certificate with serial number `serialNumberHex`, whether or not its file is still
    /// here (an old certificate replaced by ``issue(nodeID:algorithm:validityDays:)``, one handed out
    /// and lost). The development CA keeps no register of what it issued, so any serial is accepted
    /// except the CA's own.
    /// - Parameters:
    ///   - serialNumberHex: Hexadecimal, in any case, with or without `:` separators or `0x`.
    ///   - startingNewList: As for ``revoke(nodeID:validityDays:startingNewList:)``.
    /// - Returns: The new entry, with the serial in its canonical spelling.
    /// - Throws: ``PKIError`` for a serial that is not hexadecimal, the CA's serial, one already
    ///   revoked, a missing CA key or a lost list; ``CryptoError`` when a file cannot be read or
    ///   signing fails.
    @discardableResult
    public func revoke(serialNumberHex: String, validityDays: Int = revocationListValidityDays,
                       startingNewList: Bool = false) throws -> RevokedCertificate {
        let entry = RevokedCertificate(serialNumberHex: serialNumberHex, revocationDate: Date())
        let digits = entry.serialNumberHex.drop { $0 == "-" }
        guard !serialNumberHex.isEmpty, digits.allSatisfy(\.isHexDigit) else {
            throw PKIError("\"\(serialNumberHex)\" is not a serial number: give it in hexadecimal as `nex pki list` shows it, e.g. 4f:1a or 4F1A")
        }
        let authority = try loadAuthority()
        guard entry.serialNumberHex != authority.certificate.serialNumberHex else {
            throw PKIError("serial \(entry.serialNumberHex) is the CA's own certificate (\(caCertificatePath)); a CA cannot revoke itself: create a new PKI instead")
        }
        guard try appendToRevocationList(entry, validityDays: validityDays, authority: authority,
                                         startingNewList: startingNewList) else {
            throw PKIError("serial \(entry.serialNumberHex) is already revoked in \(crlPath)")
        }
        return entry
    }

    /// Re-signs the revocation list with the same entries (and any the record of the newest list
    /// has that it lacks), a new `thisUpdate`, a `nextUpdate` `validityDays` days ahead and the next
    /// CRL number. Run it before `nextUpdate` passes: nexd refuses every client once its list has expired.
    /// - Parameter startingNewList: Whether a lost `ca.crl.pem` may be started anew: from the record
    ///   of the newest list when there is one, else empty at number 1. Without it, a lost list is an
    ///   error saying what was lost.
    /// - Returns: The new list.
    /// - Throws: ``PKIError`` for a missing CA key, a list of another CA or a lost list;
    ///   ``CryptoError`` when a file cannot be read or signing fails.
    @discardableResult
    public func refreshCRL(validityDays: Int = revocationListValidityDays,
                           startingNewList: Bool = false) throws -> CertificateRevocationList {
        let authority = try loadAuthority()
        return try withRevocationListLock {
            let basis = try nextListBasis(authority: authority, startingNewList: startingNewList)
            let list = try signRevocationList(
                revoked: basis.revoked, number: basis.number, validityDays: validityDays, authority: authority)
            try publish(list, authority: authority)
            return list
        }
    }

    /// The node ids that have a certificate in `nodes/`, sorted.
    public func nodeIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: nodesDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pem") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Node `nodeID`'s certificate.
    /// - Throws: ``PKIError`` naming the known nodes when there is none.
    public func loadNodeCertificate(_ nodeID: String) throws -> Certificate {
        try Self.checkNodeID(nodeID)
        let path = nodeCertificatePath(nodeID)
        guard FileManager.default.fileExists(atPath: path) else {
            let known = nodeIDs()
            throw PKIError("no certificate for \(nodeID) in \(nodesDirectory) (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        guard let certificate = try Certificate.certificates(pemFile: path).first else {
            throw PKIError("\(path) holds no certificate")
        }
        return certificate
    }

    /// Refuses ids that would name a file outside `nodes/`.
    static func checkNodeID(_ nodeID: String) throws {
        guard !nodeID.isEmpty, !nodeID.contains("/"), !nodeID.hasPrefix("."), !nodeID.contains("\0") else {
            throw PKIError("invalid node id \"\(nodeID)\": use the roster id, e.g. bcp.rw.rusumo")
        }
    }
}
