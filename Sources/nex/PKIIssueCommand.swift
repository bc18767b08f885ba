import ArgumentParser
import NexServer

/// `nex pki issue NODE`: a new client certificate for a node.
struct PKIIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a node a new client certificate and key (nodes/<id>.pem and .key).",
        discussion: """
            Replaces the node's files if they exist: use it after `nex pki revoke NODE` to let the node \
            back in with a new key, or to add a node that is not on the roster. A revoked old certificate \
            stays revoked. The key is unencrypted PEM, mode 0600; the node must be on nexd's roster to \
            connect.
            """
    )

    @Argument(help: "Node id (becomes the certificate's CN, e.g. bcp.rw.rusumo).")
    var node: String

    @OptionGroup var directory: PKIDirectoryOptions

    @Option(name: .long, help: "Key algorithm: ecdsa-p256 (default) or ed25519.")
    var algorithm: String = "ecdsa-p256"

    @Option(name: .long, help: "Days the certificate is valid.")
    var days: Int = 825

    func validate() throws {
        guard PKIAlgorithm.parse(algorithm) != nil else {
            throw ValidationError("--algorithm must be \(PKIAlgorithm.names.joined(separator: " or "))")
        }
        guard days > 0 else { throw ValidationError("--days must be at least 1") }
    }

    func run() throws {
        let pki = directory.files
        let certificate = try pki.issue(nodeID: node, algorithm: PKIAlgorithm.parse(algorithm)!, validityDays: days)
        print("issued \(certificate.subjectCommonName ?? node) (serial \(certificate.serialNumberHex), clientAuth, valid until \(certificate.notValidAfter.pkiText))")
        print("  \(pki.nodeCertificatePath(node))")
        print("  \(pki.nodeKeyPath(node))")
    }
}
