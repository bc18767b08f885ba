import Foundation
import NexAudit
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the newest valid audit checkpoint a node has seen in a file: the node's witness that the
/// log reached at least that size with that root (`nex audit verify --witness FILE`).
///
/// A checkpoint that does not extend the kept one (smaller, or the same size with another root) is
/// evidence of a rewritten or forked log: it is saved beside the witness, never over it.
public final class WitnessKeeper {
    private let path: String
    private let certificate: Certificate
    /// The witness currently in the file (nil when none, or when the file did not verify).
    private var kept: SignedCheckpoint?

    /// Warnings go here (default: standard error).
    private let report: (String) -> Void

    /// - Throws: when the audit certificate cannot be read.
    public init(path: String, auditCertificatePath: String,
                report: @escaping (String) -> Void = { FileHandle.standardError.write(Data("nex subscribe: \($0)\n".utf8)) }) throws {
        guard let certificate = try Certificate.certificates(pemFile: auditCertificatePath).first else {
            throw CryptoError(code: .invalidCertificate, message: "no certificate in \(auditCertificatePath)")
        }
        self.path = path
        self.certificate = certificate
        self.report = report
        if let data = FileManager.default.contents(atPath: path) {
            if let text = String(data: data, encoding: .utf8), let existing = try? SignedCheckpoint(jsonText: text),
               existing.isValid(signedBy: certificate) {
                kept = existing
            } else {
                warn("the existing witness \(path) does not verify with the audit certificate; it will be replaced")
            }
        }
    }

    /// The checkpoint the file holds.
    public var witness: SignedCheckpoint? { kept }

    /// Saves `encoded` if it is validly signed and extends what the file holds.
    public func offer(_ encoded: [UInt8]) {
        guard let checkpoint = try? SignedCheckpoint(parsing: encoded) else {
            warn("nexd sent a checkpoint that cannot be decoded; ignored")
            return
        }
        guard checkpoint.isValid(signedBy: certificate) else {
            warn("nexd sent a checkpoint whose signature does not verify with the audit certificate; ignored")
            return
        }
        if let kept {
            if checkpoint.treeSize == kept.treeSize, checkpoint.rootHash == kept.rootHash { return }
            if checkpoint.treeSize <= kept.treeSize {
                // A smaller tree (the log went back) or the same size with another root (a second
                // history): evidence to keep, never to overwrite.
                let conflict = path + ".conflict-\(checkpoint.treeSize)"
                try? Data((checkpoint.jsonText() + "\n").utf8).write(to: URL(fileURLWithPath: conflict))
                warn("""
                    ALERT: nexd sent a signed checkpoint (size \(checkpoint.treeSize), root \(checkpoint.rootHash.hex)) \
                    that does not extend the witness (size \(kept.treeSize), root \(kept.rootHash.hex)); kept the witness, \
                    saved the new one as \(conflict). Run `nex audit verify --witness \(path)` on the log.
                    """)
                return
            }
        }
        kept = checkpoint
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
        report(message)
    }
}
