import ArgumentParser
import Foundation
import NexCrypto

/// `--ca` and `--audit-cert` of `nex audit verify`: the trust anchors come from the auditor.
///
/// Defaults point at the development PKI for convenience; the command always prints the
/// fingerprints of the anchors it used, so an auditor can compare them with the ones they pinned.
struct AuditAnchorOptions: ParsableArguments {
    static let defaultCA = "Certs/dev/ca.pem"
    static let defaultAuditCertificate = "Certs/dev/audit.pem"

    @Option(name: .customLong("ca"), help: ArgumentHelp(
        "CA certificate (PEM) that issued the nodes' and the audit certificates; repeatable (a rotated CA). Default: \(defaultCA) if it exists.",
        valueName: "file"))
    var ca: [String] = []

    @Option(name: .customLong("audit-cert"), help: ArgumentHelp(
        "Certificate (PEM) of the key that signs checkpoints; repeatable (a rotated audit key). Default: \(defaultAuditCertificate) if it exists.",
        valueName: "file"))
    var auditCert: [String] = []

    /// An anchor and where it came from.
    struct Anchor {
        var certificate: Certificate
        var path: String
        var isDefault: Bool
    }

    /// The CA certificates given (every certificate in each file), or the default if none was given.
    func certificateAuthorities() throws -> [Anchor] {
        try load(ca, default: Self.defaultCA, what: "CA")
    }

    /// The audit certificates given, or the default if none was given.
    func auditCertificates() throws -> [Anchor] {
        try load(auditCert, default: Self.defaultAuditCertificate, what: "audit certificate")
    }

    private func load(_ paths: [String], default path: String, what: String) throws -> [Anchor] {
        let isDefault = paths.isEmpty
        let files = isDefault ? (FileManager.default.fileExists(atPath: path) ? [path] : []) : paths
        return try files.flatMap { file -> [Anchor] in
            do {
                return try Certificate.certificates(pemFile: file).map { Anchor(certificate: $0, path: file, isDefault: isDefault) }
            } catch {
                throw ValidationError("cannot read the \(what) \(file): \(error); pass a PEM certificate")
            }
        }
    }
}
