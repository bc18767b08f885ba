import Foundation
import NexCrypto

extension RevocationListFloor {
    /// Whom a line of the file is about.
    enum Key: Hashable, Sendable, Comparable {
        /// `spki:<hex>`: the SHA-256 of the CA's `SubjectPublicKeyInfo`, which a CA certificate
        /// re-issued with the same key (a renewal) keeps.
        case publicKey(String)
        /// `<hex>` alone: the SHA-256 of a CA certificate, as files written before D37 keyed it.
        /// Read, and rewritten under ``publicKey(_:)`` once a trust root has that fingerprint.
        case legacyCertificate(String)

        /// The key of `authority`'s lines from now on.
        static func of(_ authority: Certificate) -> Key { .publicKey(authority.publicKey.fingerprint.hex) }

        /// The field as the file spells it.
        var text: String {
            switch self {
            case .publicKey(let hex): "spki:" + hex
            case .legacyCertificate(let hex): hex
            }
        }

        /// The field parsed, hex in any case (kept lowercase); `nil` when it is not a key.
        init?(field: Substring) {
            let lowered = field.lowercased()
            let isPublicKey = lowered.hasPrefix("spki:")
            let hex = isPublicKey ? String(lowered.dropFirst(5)) : lowered
            guard SHA256Digest(hex: hex) != nil else { return nil }
            self = isPublicKey ? .publicKey(hex) : .legacyCertificate(hex)
        }

        /// Lines keyed by public key first, then the older ones, each by hex.
        static func < (lhs: Key, rhs: Key) -> Bool {
            switch (lhs, rhs) {
            case (.publicKey(let left), .publicKey(let right)), (.legacyCertificate(let left), .legacyCertificate(let right)):
                left < right
            case (.publicKey, .legacyCertificate): true
            case (.legacyCertificate, .publicKey): false
            }
        }
    }

    /// What the file records for one CA: the highest CRL number nexd has put in force and the
    /// serial numbers revoked in that list (canonical, as ``RevokedCertificate`` spells them).
    struct Entry: Equatable, Sendable {
        var number: UInt64
        var revoked: Set<String>

        /// The larger number and every serial of both: a floor only rises, and revocations in this
        /// PKI only grow, so two lines for one CA (an edited file) never lower it.
        func merged(with other: Entry?) -> Entry {
            guard let other else { return self }
            return Entry(number: max(number, other.number), revoked: revoked.union(other.revoked))
        }
    }

    /// The file's first line, saying what it holds.
    static let header = """
        # crl-floor: per CA, the highest CRL number nexd has put in force and the serials revoked in that list;
        # a line is `spki:<SHA-256 of the CA's SubjectPublicKeyInfo> <CRL number> [<revoked serial> ...]`
        # (a line without `spki:` is keyed by the CA certificate's SHA-256, as before D37). See docs/DECISIONS.md D31, D37.

        """

    /// Parses the file's text: one line per CA, `#` comments and blank lines ignored; keys in any
    /// case; a CA named twice keeps the higher number and every serial of both lines.
    /// - Throws: ``DaemonError`` naming `path` and the line of the first malformed one.
    static func parse(_ text: String, path: String) throws(DaemonError) -> [Key: Entry] {
        var entries: [Key: Entry] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            guard fields.count >= 2, let key = Key(field: first), let number = UInt64(fields[1]),
                  let revoked = serials(fields.dropFirst(2)) else {
                throw DaemonError("\(path):\(index + 1) is not `spki:<CA key SHA-256> <CRL number> [<revoked serial> ...]`; restore the file, or remove it to forget the highest CRL number and the revocations nexd has seen")
            }
            entries[key] = Entry(number: number, revoked: revoked).merged(with: entries[key])
        }
        return entries
    }

    /// The serials in canonical spelling, or `nil` when one is not hexadecimal.
    private static func serials(_ fields: ArraySlice<Substring>) -> Set<String>? {
        var serials: Set<String> = []
        for field in fields {
            let serial = RevokedCertificate(serialNumberHex: String(field), revocationDate: Date()).serialNumberHex
            guard serial.drop(while: { $0 == "-" }).allSatisfy(\.isHexDigit) else { return nil }
            serials.insert(serial)
        }
        return serials
    }

    /// The file's text for `entries`: the header, then one line per CA sorted by key, serials sorted.
    static func format(_ entries: [Key: Entry]) -> String {
        header + entries.sorted { $0.key < $1.key }.map { key, entry in
            ([key.text, String(entry.number)] + entry.revoked.sorted()).joined(separator: " ") + "\n"
        }.joined()
    }
}
