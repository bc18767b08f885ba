import Foundation

extension DevelopmentPKI {
    /// Creates a whole development PKI (``create(nodeIDs:algorithm:validityDays:)``), but only in an
    /// empty or absent ``directory``: what nexd does with `development.createMissingPKI`. A directory
    /// with anything in it is a PKI in use, partly lost or moved; nexd does not guess which.
    /// - Throws: ``PKIError`` naming what the directory holds, or what `create` throws.
    @discardableResult
    public func createInEmptyDirectory(nodeIDs: [String], progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> Summary {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard entries.isEmpty else {
            let shown = entries.sorted().prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", …" : "")
            throw PKIError("a development PKI is created only in an empty directory, and \(directory) holds \(shown): restore the missing files, complete the PKI with `nex pki init` (it keeps what exists and never replaces the CA), or move \(directory) away to start afresh")
        }
        return try create(nodeIDs: nodeIDs, progress: progress)
    }

    /// Refuses half a CA, and a CA whose revocation list is gone: making either anew would
    /// un-revoke every certificate revoked so far.
    /// - Throws: ``PKIError`` saying which file is missing and how to get it back.
    func checkAuthorityIsWhole() throws {
        let hasCertificate = FileManager.default.fileExists(atPath: caCertificatePath)
        let hasKey = FileManager.default.fileExists(atPath: caKeyPath)
        if hasCertificate != hasKey {
            let (missing, present) = hasCertificate ? (caKeyPath, caCertificatePath) : (caCertificatePath, caKeyPath)
            throw PKIError("\(missing) is missing while \(present) exists: a new CA would replace the one every certificate here chains to, so none is made. Restore \(missing) from a backup, or move \(directory) away to start a new PKI (every node then needs a new certificate)")
        }
        if hasCertificate, !FileManager.default.fileExists(atPath: crlPath) {
            throw PKIError(Self.missingRevocationListMessage(crlPath: crlPath, caPath: caCertificatePath, pkiDirectory: directory))
        }
    }

    /// Why a missing revocation list beside an existing CA is not re-created, and what to do.
    public static func missingRevocationListMessage(crlPath: String, caPath: String, pkiDirectory: String) -> String {
        "no revocation list at \(crlPath), though the CA \(caPath) exists: an empty list would un-revoke every revoked certificate, so none is made. Put the newest list back from a backup; only if it is lost for good, `nex pki crl --refresh --start-new-list --pki \(pkiDirectory)` re-publishes what the PKI recorded of it (ca.crl.issued)"
    }
}
