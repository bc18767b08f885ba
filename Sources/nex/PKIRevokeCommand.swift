import ArgumentParser
import NexPKI

/// `nex pki revoke NODE` / `nex pki revoke --serial HEX`: put a certificate on the CA's revocation list.
struct PKIRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a node's certificate, or any serial: add it to the CA's revocation list (ca.crl.pem).",
        discussion: """
            Adds the serial number of nodes/NODE.pem (or the one given with --serial, e.g. an old \
            certificate replaced by `nex pki issue`) to the list, keeps the entries already there, and \
            re-signs the list with the next CRL number and a next update 30 days ahead (--days). The file \
            is replaced atomically, under a lock (ca.crl.pem.lock) so that concurrent runs all land. \
            nexd refuses the certificate (certificate-revoked) once it has read the new list: pass \
            --reload to ask the running nexd to re-read it now (SIGHUP) and wait for its verdict, or \
            restart nexd. With --reload, nothing is written unless the config's tls.crl is this list. \
            A missing ca.crl.pem beside the CA is a lost list: revoke refuses to start a new one unless \
            --start-new-list is given (see `nex pki crl --help`).
            Exit status: 0 done (and, with --reload, nexd accepted the reload); 2 refused before \
            writing; 3 written but nexd not signalled or its verdict unknown; 4 written but nexd \
            refused the reload. To let a node back in, give it a new certificate with `nex pki issue NODE`.
            """
    )

    @Argument(help: "Node id whose certificate to revoke (nodes/<id>.pem).")
    var node: String?

    @Option(name: .long, help: "Revoke this serial number (hex, as `nex pki list` shows it) instead of a node's current certificate.")
    var serial: String?

    @OptionGroup var directory: PKIDirectoryOptions

    @Flag(name: .long, help: "When ca.crl.pem is lost, start a new list (from the record ca.crl.issued if present) instead of refusing.")
    var startNewList = false

    @Option(name: .long, help: "Days until the new list's next update.")
    var days: Int = DevelopmentPKI.revocationListValidityDays

    @OptionGroup var reload: ReloadOptions

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be at least 1") }
        guard (node == nil) != (serial == nil) else {
            throw ValidationError("give either a node id or --serial HEX (not both): `nex pki revoke gs.fr.lyon` or `nex pki revoke --serial 4f1a`")
        }
    }

    func run() throws {
        let pki = directory.files
        let target = try reload.prepare(crlPath: pki.crlPath)
        if let node {
            let certificate = try pki.loadNodeCertificate(node)
            let entry = try pki.revoke(nodeID: node, validityDays: days, startingNewList: startNewList)
            print("revoked \(certificate.subjectCommonName ?? node) (serial \(entry.serialNumberHex))")
        } else if let serial {
            let entry = try pki.revoke(serialNumberHex: serial, validityDays: days, startingNewList: startNewList)
            let known = (try? pki.list())?.first { $0.serialNumberHex == entry.serialNumberHex }
            print("revoked serial \(entry.serialNumberHex) (\(known.map { "\($0.commonName), \($0.path)" } ?? "no certificate file here has it"))")
        }
        let list = try pki.loadRevocationList()
        print("revocation list \(pki.crlPath): number \(list.crlNumber.map(String.init) ?? "?"), \(list.revoked.count) revoked, next update \(list.nextUpdate?.pkiText ?? "none")")
        try reload.reload(target)
    }
}
