import Foundation
import NexAudit
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the newest valid audit checkpoint a node has seen in a file: the node's witness that the
/// log reached at least that size with that root (`nex audit verify --witness FILE`).
final class WitnessKeeper {
    private let path: String
    private let certificate: Certificate
    private var treeSize: UInt64 = 0

    /// - Throws: when the audit certificate cannot be read.
    init(path: String, auditCertificatePath: String) throws {
        guard let certificate = try Certificate.certificates(pemFile: auditCertificatePath).first else {
            throw CryptoError(code: .invalidCertificate, message: "no certificate in \(auditCertificatePath)")
        }
        self.path = path
        self.certificate = certificate
        if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
           let existing = try? SignedCheckpoint(jsonText: text), existing.isValid(signedBy: certificate) {
            treeSize = existing.treeSize
        }
    }

    /// Saves `encoded` if it is validly signed and newer than what the file holds.
    func offer(_ encoded: [UInt8]) {
        guard let checkpoint = try? SignedCheckpoint(parsing: encoded) else {
            warn("nexd sent a checkpoint that cannot be decoded; ignored")
            return
        }
        guard checkpoint.isValid(signedBy: certificate) else {
            warn("nexd sent a checkpoint whose signature does not verify with the audit certificate; ignored")
            return
        }
        guard checkpoint.treeSize >= treeSize else { return }
        treeSize = checkpoint.treeSize
        let temporary = path + ".tmp"
        do {
            // Written aside, then renamed over the old one: a reader never sees half a witness.
            try Data((checkpoint.jsonText() + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                throw CryptoError(code: .fileUnreadable, message: String(cString: strerror(errno)))
            }
        } catch {
            warn("cannot write the witness file \(path): \(error)")
        }
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("nex subscribe: \(message)\n".utf8))
    }
}
