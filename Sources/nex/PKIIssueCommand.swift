import ArgumentParser

/// `nex pki issue NODE`: a new client certificate for a node.
struct PKIIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a node a new client certificate and key (nodes/<id>.pem and .key).",
        discussion: """
            Replaces the node's files if they exist. Key rotation is revoke + issue: a current \
            certificate that is still valid is first added to the CA's revocation list (ca.crl.pem), \
            so the old key stops working once nexd reloads (run `nex pki crl --refresh --reload`, or \
            restart nexd); one already revoked or expired is left as it is. Also adds a node that is \
            not on the roster. The key is unencrypted PEM, mode 0600; the node must be on nexd's \
            roster to connect. A lost ca.crl.pem is not started anew here: restore it, or see \
            `nex pki crl --help` (--start-new-list).
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
        let issuance = try pki.issue(nodeID: node, algorithm: PKIAlgorithm.parse(algorithm)!, validityDays: days)
        let certificate = issuance.certificate
        switch issuance.predecessor {
        case .none:
            break
        case .revoked(let entry):
            print("key rotation: revoked the previous certificate of \(node) (serial \(entry.serialNumberHex)) in \(pki.crlPath); nexd refuses it once it reloads (`nex pki crl --refresh --reload`)")
        case .alreadyRevoked(let serial):
            print("previous certificate of \(node) (serial \(serial)) was already revoked")
        case .expired(let serial):
            print("previous certificate of \(node) (serial \(serial)) had expired; not revoked")
        case .otherAuthority(let serial):
            print("previous certificate of \(node) (serial \(serial)) was issued by another CA; not revoked (this CA's list cannot revoke it)")
        }
        print("issued \(certificate.subjectCommonName ?? node) (serial \(certificate.serialNumberHex), clientAuth, valid until \(certificate.notValidAfter.pkiText))")
        print("  \(pki.nodeCertificatePath(node))")
        print("  \(pki.nodeKeyPath(node))")
    }
}
