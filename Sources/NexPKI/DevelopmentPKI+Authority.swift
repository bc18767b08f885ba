import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

extension DevelopmentPKI {
    /// The CA certificate and the private key that signs with it.
    typealias Authority = (certificate: Certificate, key: PrivateKey)

    /// Days a revocation list written here stays valid (its `nextUpdate`) unless told otherwise.
    public static let revocationListValidityDays = 30

    /// The CA certificate (`ca.pem`).
    /// - Throws: ``PKIError`` when it is missing, or ``CryptoError`` when it cannot be read.
    public func loadCACertificate() throws -> Certificate {
        guard FileManager.default.fileExists(atPath: caCertificatePath) else {
            throw PKIError("no CA certificate at \(caCertificatePath): run `nex pki init` first, or pass --pki with the directory of your CA")
        }
        guard let certificate = try Certificate.certificates(pemFile: caCertificatePath).first else {
            throw PKIError("\(caCertificatePath) holds no certificate")
        }
        return certificate
    }

    /// The CA certificate and key, checked to belong together.
    /// - Throws: ``PKIError`` when either is missing or they do not match, ``CryptoError`` when unreadable.
    func loadAuthority() throws -> Authority {
        let certificate = try loadCACertificate()
        guard FileManager.default.fileExists(atPath: caKeyPath) else {
            throw PKIError("no CA key at \(caKeyPath): certificates and revocation lists are signed with it; use the directory that holds ca.key (--pki)")
        }
        let key = try PrivateKey(pemFile: caKeyPath)
        guard key.publicKey == certificate.publicKey else {
            throw PKIError("\(caKeyPath) is not the key of \(caCertificatePath) (\(certificate.subjectDescription))")
        }
        return (certificate, key)
    }

    /// The CA's current revocation list (`ca.crl.pem`), checked to be signed by the CA.
    /// - Throws: ``PKIError`` when it is missing or not the CA's, ``CryptoError`` when unreadable.
    public func loadRevocationList() throws -> CertificateRevocationList {
        guard FileManager.default.fileExists(atPath: crlPath) else {
            throw PKIError("no revocation list at \(crlPath): run `nex pki crl --refresh --pki \(directory)` to publish one")
        }
        let list = try CertificateRevocationList(pemFile: crlPath)
        let ca = try loadCACertificate()
        guard list.isSigned(by: ca) else {
            throw PKIError("\(crlPath) is not signed by the CA \(ca.subjectDescription) in \(caCertificatePath)")
        }
        return list
    }

    /// The current list, or `nil` when there is none yet.
    func loadRevocationListIfPresent() throws -> CertificateRevocationList? {
        FileManager.default.fileExists(atPath: crlPath) ? try loadRevocationList() : nil
    }

    /// A list of `authority` valid from now for `validityDays` days.
    func signRevocationList(
        revoked: [RevokedCertificate], number: UInt64, validityDays: Int, authority: Authority
    ) throws -> CertificateRevocationList {
        guard validityDays > 0 else {
            throw PKIError("a revocation list must be valid for at least one day (got \(validityDays))")
        }
        // Whole seconds: the list stores second precision, and callers compare what they read back.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        return try CertificateRevocationList.issue(
            issuer: authority.certificate, issuerKey: authority.key, revoked: revoked, thisUpdate: now,
            nextUpdate: now.addingTimeInterval(Double(validityDays) * 86_400), crlNumber: number)
    }

    /// Writes `text` to a temporary file beside `path` with `mode`, then renames it over `path`, so a
    /// reader (nexd reloading) sees the old file or the new one, never half of one; then syncs the
    /// directory, so the rename itself survives a crash.
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws {
        // Unique per call, not per process: two threads writing the same file must not share one.
        let temporary = path + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw PKIError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        // open() applies the umask; fchmod sets exactly the mode asked for.
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let ok = written == bytes.count && fchmod(fd, mode) == 0 && fsync(fd) == 0
        let failure = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let reason = ok ? String(cString: strerror(errno)) : failure
            unlink(temporary)
            throw PKIError("cannot write \(path): \(reason)")
        }
        try syncDirectory(of: path)
    }

    /// fsyncs the directory holding `path`: a rename is durable only once its directory is.
    private static func syncDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw PKIError("cannot sync the directory of \(path): \(reason)")
        }
        close(fd)
    }
}
