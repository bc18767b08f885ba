import Foundation
import NexCrypto
import NexPKI

/// What nexd has put in force from each CA's revocation lists, kept across restarts in
/// `<audit.directory>/crl-floor` so that neither a restart nor a reload takes a list that would
/// un-revoke certificates: an older list (a restored backup), or a list started anew without the
/// revocations of the one it replaces (a lost `ca.crl.pem` re-created).
///
/// Per CA, the file keeps the highest CRL number in force (CRL numbers only rise within one CA,
/// RFC 5280 §5.2.3) and the serials that list revoked. A CA is named by the SHA-256 of its
/// `SubjectPublicKeyInfo`, so a CA certificate renewed with the same key keeps its floor; a new CA
/// key starts with none (the old CA's certificates do not chain to it, so nothing is un-revoked).
/// The file format is in ``header``; files keyed by certificate fingerprint (before D37) are read
/// through the trust roots. The file is replaced atomically (mode 0600) and synced; the audit
/// directory's lock (`nexd.lock`) makes nexd its only writer. See docs/DECISIONS.md D31 and D37.
struct RevocationListFloor: Sendable {
    /// The file's name inside the audit directory.
    static let fileName = "crl-floor"

    /// Path of the file.
    let path: String

    /// The floor kept in `auditDirectory` (nothing is read yet).
    init(auditDirectory: String) {
        path = auditDirectory + "/" + Self.fileName
    }

    /// The recorded entries by key; empty when the file does not exist.
    /// - Throws: ``DaemonError`` when the file exists but cannot be read or parsed.
    func entries() throws(DaemonError) -> [Key: Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DaemonError("cannot read \(path): \(error.localizedDescription); it holds the highest CRL number and the revocations nexd has used")
        }
        return try Self.parse(text, path: path)
    }

    /// What is recorded for `authority`: its own line, merged with a line keyed by its certificate's
    /// fingerprint (a file from before D37).
    func entry(for authority: Certificate) throws(DaemonError) -> Entry? {
        let entries = try entries()
        let legacy = entries[.legacyCertificate(authority.fingerprint.hex)]
        return entries[Key.of(authority)].map { $0.merged(with: legacy) } ?? legacy
    }

    /// Refuses `list` (read from `listPath`, signed by `authority`) when it is older than the highest
    /// number recorded for that CA, has no number while one is recorded, or omits a serial that the
    /// recorded list revoked.
    /// - Throws: ``DaemonError`` naming the list, the numbers or serials, and this file.
    func check(_ list: CertificateRevocationList, of authority: Certificate, listPath: String,
               configPath: String) throws(DaemonError) {
        guard let floor = try entry(for: authority) else { return }
        guard let number = list.crlNumber else {
            throw DaemonError("the revocation list \(listPath) has no CRL number, while nexd has already used number \(floor.number) of this CA (\(configPath): tls.crl; recorded in \(path)); its order cannot be checked")
        }
        guard number >= floor.number else {
            throw DaemonError("the revocation list \(listPath) is number \(number), older than number \(floor.number) that nexd has already used (\(configPath): tls.crl; recorded in \(path)); an older list would un-revoke certificates. Put the newest list back; only if it is lost for good, publish a list numbered above \(floor.number) that revokes again every serial recorded there for this CA")
        }
        let missing = floor.revoked.subtracting(list.revoked.map(\.serialNumberHex)).sorted()
        guard missing.isEmpty else {
            let shown = missing.prefix(10).joined(separator: ", ") + (missing.count > 10 ? ", … (\(missing.count) in all)" : "")
            let (noun, them) = missing.count == 1 ? ("serial", "it") : ("serials", "them")
            throw DaemonError("the revocation list \(listPath) (number \(number)) omits \(noun) \(shown), revoked in list number \(floor.number) that nexd has already used (\(configPath): tls.crl; recorded in \(path)); it would un-revoke \(missing.count == 1 ? "that certificate" : "those certificates"). Put the newest list back, or revoke \(them) again in a newer list (`nex pki revoke --serial`); only if the CA dropped \(them) on purpose (certificates past their notAfter), remove \(them) from this CA's line in \(path)")
        }
    }

    /// Records `list`'s number and serials for `authority` when they add to what is recorded, and
    /// rewrites the lines of any of `trustRoots` still keyed by certificate fingerprint under its
    /// public key. Lines that match no trust root are kept as they are.
    /// - Returns: Whether the file was written.
    /// - Throws: ``DaemonError`` when the file cannot be read or written.
    @discardableResult
    func raise(to list: CertificateRevocationList, of authority: Certificate,
               trustRoots: [Certificate] = []) throws(DaemonError) -> Bool {
        guard let number = list.crlNumber else { return false }
        let recorded = try entries()
        var updated = recorded
        for root in trustRoots + [authority] {
            guard let legacy = updated.removeValue(forKey: .legacyCertificate(root.fingerprint.hex)) else { continue }
            updated[Key.of(root)] = legacy.merged(with: updated[Key.of(root)])
        }
        let key = Key.of(authority)
        updated[key] = Entry(number: number, revoked: Set(list.revoked.map(\.serialNumberHex))).merged(with: updated[key])
        guard updated != recorded else { return false }
        do { try DevelopmentPKI.writeAtomically(Self.format(updated), to: path, mode: 0o600) } catch {
            throw DaemonError("cannot record CRL number \(number) in \(path): \(error)")
        }
        return true
    }

    /// The fingerprint-keyed lines (from before D37) that match none of `trustRoots`: they apply to
    /// no CA nexd trusts now, and stay in the file in case that CA certificate comes back.
    func unmatchedLegacyKeys(trustRoots: [Certificate]) throws(DaemonError) -> [String] {
        let roots = Set(trustRoots.map(\.fingerprint.hex))
        return try entries().keys.compactMap { key in
            guard case .legacyCertificate(let hex) = key, !roots.contains(hex) else { return nil }
            return hex
        }.sorted()
    }
}
