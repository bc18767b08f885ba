import ArgumentParser
import NexServer

/// `nex pki revoke NODE`: put a node's certificate on the CA's revocation list.
struct PKIRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a node's certificate: add it to the CA's revocation list (ca.crl.pem).",
        discussion: """
            Adds the serial number of nodes/NODE.pem to the list, keeps the entries already there, and \
            re-signs the list with the next CRL number and a next update 30 days ahead (--days). The file \
            is replaced atomically. nexd refuses the node (certificate-revoked) once it has read the new \
            list: pass --reload to ask the running nexd to re-read it now (SIGHUP), or restart nexd.
            To let the node back in, give it a new certificate with `nex pki issue NODE`.
            """
    )

    @Argument(help: "Node id whose certificate to revoke (nodes/<id>.pem).")
    var node: String

    @OptionGroup var directory: PKIDirectoryOptions

    @Option(name: .long, help: "Days until the new list's next update.")
    var days: Int = DevelopmentPKI.revocationListValidityDays

    @OptionGroup var reload: ReloadOptions

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be at least 1") }
    }

    func run() throws {
        let pki = directory.files
        let certificate = try pki.loadNodeCertificate(node)
        let entry = try pki.revoke(nodeID: node, validityDays: days)
        let list = try pki.loadRevocationList()
        print("revoked \(certificate.subjectCommonName ?? node) (serial \(entry.serialNumberHex))")
        print("revocation list \(pki.crlPath): number \(list.crlNumber.map(String.init) ?? "?"), \(list.revoked.count) revoked, next update \(list.nextUpdate?.pkiText ?? "none")")
        try reload.reloadIfAsked()
    }
}
