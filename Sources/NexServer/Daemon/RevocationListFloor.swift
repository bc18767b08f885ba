import Foundation
import NexCrypto

/// The highest CRL number nexd has put in force, per CA, kept across restarts in
/// `<audit.directory>/crl-floor` so that a restart refuses an older revocation list just as a reload
/// does (an older list, such as a restored backup, would un-revoke certificates).
///
/// CRL numbers only rise within one CA (RFC 5280 §5.2.3), so the floor is per CA: a line
/// `<SHA-256 of the CA certificate, hex> <CRL number>` for each CA nexd has run with. A new CA starts
/// with no floor; the certificates of the old one do not chain to it, so nothing is un-revoked.
/// The file is replaced atomically (mode 0600) and synced; the audit directory's lock (`nexd.lock`)
/// makes nexd its only writer. See docs/DECISIONS.md, "The CRL number survives a restart".
struct RevocationListFloor: Sendable {
    /// The file's name inside the audit directory.
    static let fileName = "crl-floor"

    /// Path of the file.
    let path: String

    /// The floor kept in `auditDirectory` (nothing is read yet).
    init(auditDirectory: String) {
        path = auditDirectory + "/" + Self.fileName
    }

    /// The recorded numbers by CA fingerprint (hex); empty when the file does not exist.
    /// - Throws: ``DaemonError`` when the file exists but cannot be read or parsed.
    func numbers() throws(DaemonError) -> [String: UInt64] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DaemonError("cannot read \(path): \(error.localizedDescription); it holds the highest CRL number nexd has used")
        }
        var numbers: [String: UInt64] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty && !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, SHA256Digest(hex: String(fields[0])) != nil, let number = UInt64(fields[1]) else {
                throw DaemonError("\(path):\(index + 1) is not `<CA SHA-256> <CRL number>`; restore the file, or remove it to forget the highest CRL number seen")
            }
            numbers[String(fields[0])] = number
        }
        return numbers
    }

    /// Refuses `list` (read from `listPath`, signed by `authority`) when it is older than the highest
    /// number recorded for that CA, or has no number while one is recorded.
    /// - Throws: ``DaemonError`` naming the list, the numbers and this file.
    func check(_ list: CertificateRevocationList, of authority: Certificate, listPath: String,
               configPath: String) throws(DaemonError) {
        guard let floor = try numbers()[authority.fingerprint.hex] else { return }
        guard let number = list.crlNumber else {
            throw DaemonError("the revocation list \(listPath) has no CRL number, while nexd has already used number \(floor) of this CA (\(configPath): tls.crl; recorded in \(path)); its order cannot be checked")
        }
        guard number >= floor else {
            throw DaemonError("the revocation list \(listPath) is number \(number), older than number \(floor) that nexd has already used (\(configPath): tls.crl; recorded in \(path)); an older list would un-revoke certificates. Put the newest list back; only if it is lost for good, remove \(path) and revoke again what was revoked")
        }
    }

    /// Records `list`'s number for `authority` when it is higher than the one recorded.
    /// - Returns: Whether the file was written.
    /// - Throws: ``DaemonError`` when the file cannot be read or written.
    @discardableResult
    func raise(to list: CertificateRevocationList, of authority: Certificate) throws(DaemonError) -> Bool {
        guard let number = list.crlNumber else { return false }
        var numbers = try numbers()
        let key = authority.fingerprint.hex
        if let recorded = numbers[key], recorded >= number { return false }
        numbers[key] = number
        let lines = numbers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }
        let text = "# highest CRL number nexd has used, per CA (SHA-256 of the CA certificate); see docs/DECISIONS.md D31\n"
            + lines.joined()
        do { try DevelopmentPKI.writeAtomically(text, to: path, mode: 0o600) } catch {
            throw DaemonError("cannot record CRL number \(number) in \(path): \(error)")
        }
        return true
    }
}

extension DaemonSettings {
    /// The CA certificate among ``trustRoots`` that signed ``revocationList``.
    var revocationListAuthority: Certificate? {
        guard let list = revocationList else { return nil }
        return trustRoots.first { list.isSigned(by: $0) }
    }
}
