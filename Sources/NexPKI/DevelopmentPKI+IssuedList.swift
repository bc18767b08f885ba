import Foundation
import NexCrypto

extension DevelopmentPKI {
    /// What the CA's newest revocation list held, kept beside it in `ca.crl.issued` so that a lost
    /// `ca.crl.pem` is known to be lost (every CA of this PKI publishes a list from its start) and
    /// can be re-published without un-revoking anything.
    ///
    /// The file, written after each list under the list's lock:
    /// ```
    /// # comment lines
    /// ca spki:<SHA-256 of the CA's SubjectPublicKeyInfo>
    /// number <CRL number>
    /// revoked <serial> <revocation date, ISO 8601>
    /// ```
    struct IssuedList: Equatable, Sendable {
        /// The SHA-256 (hex) of the public key of the CA that signed the list.
        var authorityKey: String
        /// The list's CRL number.
        var number: UInt64
        /// Its entries.
        var revoked: [RevokedCertificate]

        /// What `list`, signed by `authority`, holds.
        init(_ list: CertificateRevocationList, authority: Certificate) {
            self.init(authorityKey: authority.publicKey.fingerprint.hex, number: list.crlNumber ?? 0, revoked: list.revoked)
        }

        init(authorityKey: String, number: UInt64, revoked: [RevokedCertificate]) {
            self.authorityKey = authorityKey
            self.number = number
            self.revoked = revoked
        }

        /// The file's text.
        var text: String {
            "# the newest revocation list this CA signed (nex pki keeps it to re-publish a lost ca.crl.pem); see docs/DECISIONS.md D37\n"
                + "ca spki:\(authorityKey)\nnumber \(number)\n"
                + revoked.map { "revoked \($0.serialNumberHex) \($0.revocationDate.ISO8601Format())\n" }.joined()
        }

        /// Parses ``text``; `path` names the file in the error.
        /// - Throws: ``PKIError`` naming the line that is not understood.
        init(text: String, path: String) throws {
            var key: String?
            var number: UInt64?
            var revoked: [RevokedCertificate] = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let fields = line.split(separator: " ")
                guard let first = fields.first, !first.hasPrefix("#") else { continue }
                switch (first, fields.count) {
                case ("ca", 2) where fields[1].lowercased().hasPrefix("spki:"):
                    key = String(fields[1].lowercased().dropFirst(5))
                case ("number", 2) where UInt64(fields[1]) != nil:
                    number = UInt64(fields[1])
                case ("revoked", 3) where Self.date(fields[2]) != nil:
                    revoked.append(RevokedCertificate(serialNumberHex: String(fields[1]), revocationDate: Self.date(fields[2])!))
                default:
                    throw PKIError("\(path):\(index + 1) is not understood (`ca spki:<hex>`, `number <n>` or `revoked <serial> <date>`); restore it from a backup")
                }
            }
            guard let key, let number else {
                throw PKIError("\(path) lacks its `ca` or `number` line; restore it from a backup")
            }
            self.init(authorityKey: key, number: number, revoked: revoked)
        }

        /// A date as ``text`` writes it (ISO 8601, UTC, to the second).
        private static func date(_ field: Substring) -> Date? {
            try? Date.ISO8601FormatStyle().parse(String(field))
        }
    }

    /// The record of the newest list (`ca.crl.issued`).
    public var issuedListPath: String { directory + "/ca.crl.issued" }

    /// The record of `authority`'s newest list, or `nil` when there is none or it is another CA's.
    func loadIssuedList(of authority: Certificate) throws -> IssuedList? {
        guard FileManager.default.fileExists(atPath: issuedListPath) else { return nil }
        let record = try IssuedList(text: String(contentsOfFile: issuedListPath, encoding: .utf8), path: issuedListPath)
        return record.authorityKey == authority.publicKey.fingerprint.hex ? record : nil
    }

    /// Writes `list` as the CA's current list and records what it holds (caller holds the list's lock).
    func publish(_ list: CertificateRevocationList, authority: Authority) throws {
        try Self.writeAtomically(list.pemEncoded(), to: crlPath, mode: 0o644)
        try Self.writeAtomically(IssuedList(list, authority: authority.certificate).text, to: issuedListPath, mode: 0o644)
    }

    /// What the next list starts from: the current list's entries with any the record has and it
    /// lacks, and the number after the higher of the two.
    struct ListBasis {
        var revoked: [RevokedCertificate]
        var number: UInt64
        /// Whether the list on disk holds every recorded entry (it lacks some when it was put back
        /// from an older backup, or is missing).
        var isCurrentListComplete: Bool

        /// Whether the serial is revoked in the list on disk already, so there is nothing to write.
        func isListed(_ serialNumberHex: String) -> Bool {
            isCurrentListComplete && revoked.contains { $0.serialNumberHex == serialNumberHex }
        }
    }

    /// What the next list starts from (caller holds the list's lock), so that a list put back from
    /// an older backup does not un-revoke what a newer one revoked.
    ///
    /// A CA of this PKI has published a list since it was made, so a missing `ca.crl.pem` is a lost
    /// list: unless `startingNewList`, that is an error saying what was lost; with it, the new list
    /// carries on from the record (or starts at number 1, empty, when there is none).
    /// - Throws: ``PKIError`` for a lost list without `startingNewList`, or an unreadable record.
    func nextListBasis(authority: Authority, startingNewList: Bool) throws -> ListBasis {
        let current = try loadRevocationListIfPresent()
        let record = try loadIssuedList(of: authority.certificate)
        if current == nil, !startingNewList {
            throw PKIError(lostListMessage(record: record))
        }
        var revoked = current?.revoked ?? []
        let known = Set(revoked.map(\.serialNumberHex))
        let added = (record?.revoked ?? []).filter { !known.contains($0.serialNumberHex) }
        revoked += added
        let highest = max(current?.crlNumber ?? 0, record?.number ?? 0)
        let number = current == nil && record == nil ? 1 : (highest == .max ? .max : highest + 1)
        return ListBasis(revoked: revoked, number: number, isCurrentListComplete: current != nil && added.isEmpty)
    }

    /// Why a lost list is not started anew, what was lost and what to do.
    private func lostListMessage(record: IssuedList?) -> String {
        let lost = record.map { "the newest list this CA signed was number \($0.number) with \($0.revoked.count) revoked (recorded in \(issuedListPath))" }
            ?? "no record of it is left (\(issuedListPath) is gone too), so a new list would start at number 1 with no revocations"
        let remedy = record.map { "; or pass --start-new-list (`nex pki crl --refresh --start-new-list --pki \(directory)`) to sign number \($0.number == .max ? $0.number : $0.number + 1) with the \($0.revoked.count) recorded revocations" }
            ?? "; only if it is lost for good, pass --start-new-list (`nex pki crl --refresh --start-new-list --pki \(directory)`) and revoke again what was revoked (`nex pki revoke --serial`; nexd's <audit.directory>/crl-floor names the serials of the last list it used, and nexd refuses a new list without them)"
        return "no revocation list at \(crlPath), though the CA \(caCertificatePath) has published one: it was lost, and \(lost). Starting a new list could un-revoke certificates, so none is made. Put the newest list back from a backup\(remedy)"
    }
}
