import Foundation
import NexCrypto

/// Originator certificates by fingerprint: which ones the audit log already holds (so each is
/// recorded once, on first use) and their DER bytes for `certificate` requests.
///
/// Confined to the broker queue. The audit log is the record; a sidecar folder
/// `<audit dir>/certificates/<fingerprint>.der` (0600, ``CertificateFiles``) is a cache that lets
/// start-up know which certificates are recorded without reading the whole log. If the cache is
/// lost, a certificate is simply recorded again on its next use.
struct CertificateStore {
    /// The sidecar folder (written by the commit stage once a certificate's record is durable).
    let files: CertificateFiles
    private var known: [SHA256Digest: [UInt8]] = [:]

    /// Loads the fingerprints recorded so far from the sidecar folder.
    init(auditDirectory: String) {
        files = CertificateFiles(auditDirectory: auditDirectory)
        known = files.load()
    }

    /// Whether the log already holds this certificate.
    func contains(_ fingerprint: SHA256Digest) -> Bool { known[fingerprint] != nil }

    /// The DER bytes of a recorded certificate.
    func der(for fingerprint: SHA256Digest) -> [UInt8]? { known[fingerprint] }

    /// Marks a certificate as recorded in memory (call when its audit record is appended), so it is
    /// not recorded twice while that record is being synced.
    mutating func insert(_ certificate: Certificate) {
        known[certificate.fingerprint] = certificate.derBytes
    }

    /// Forgets a certificate whose audit record failed to be written, so its next use records it.
    mutating func forget(_ fingerprint: SHA256Digest) {
        known[fingerprint] = nil
    }
}

/// The sidecar folder of recorded certificates, `<audit dir>/certificates/<fingerprint>.der`.
struct CertificateFiles: Sendable {
    let directory: String

    /// Creates the folder (0700) if it is missing.
    init(auditDirectory: String) {
        directory = auditDirectory + "/certificates"
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Every intact file (its name is the SHA-256 of its bytes), by fingerprint.
    func load() -> [SHA256Digest: [UInt8]] {
        var known: [SHA256Digest: [UInt8]] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".der") {
            guard let digest = SHA256Digest(hex: String(name.dropLast(4))),
                  let data = FileManager.default.contents(atPath: directory + "/" + name),
                  SHA256.hash([UInt8](data)) == digest
            else { continue }
            known[digest] = [UInt8](data)
        }
        return known
    }

    /// Writes the index entry. Call only once the certificate's audit record is durable: an index
    /// ahead of the log would let a later start-up skip recording a certificate the log lacks.
    func persist(_ certificate: Certificate) {
        let path = directory + "/" + certificate.fingerprint.hex + ".der"
        _ = FileManager.default.createFile(atPath: path, contents: Data(certificate.derBytes), attributes: [.posixPermissions: 0o600])
    }
}
