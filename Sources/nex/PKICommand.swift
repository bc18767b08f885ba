import ArgumentParser
import NexConfig
import NexCrypto
import NexPKI

/// `nex pki`: the development PKI.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Development PKI (CA, nexd and audit identities, one certificate per roster node, revocation list).",
        discussion: """
            Typical revocation: `nex pki revoke NODE --reload` writes the node into the CA's revocation \
            list (ca.crl.pem) and asks the running nexd to re-read it; `nex pki issue NODE` gives the node \
            a new certificate. Refresh the list before its next update with `nex pki crl --refresh`.
            """,
        subcommands: [Init.self, PKIRevokeCommand.self, PKIIssueCommand.self, PKIListCommand.self, PKICRLCommand.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the development PKI for the config's roster. Existing files are kept.",
            discussion: """
                Keys are unencrypted PEM, mode 0600, for development only; Certs/ ignores them in git. \
                Also publishes an empty revocation list (ca.crl.pem) with a new CA. An existing CA is never \
                replaced: half of one (ca.pem without ca.key, or the reverse), or one whose ca.crl.pem is \
                gone, is an error, since making either anew would un-revoke certificates.
                """
        )

        @Option(name: .long, help: "Config file whose roster gets certificates.")
        var config: String = DaemonConfiguration.defaultPath

        @Option(name: .long, help: "Output directory (default: the config's development.pki).")
        var directory: String?

        @Option(name: .long, help: "Key algorithm: ecdsa-p256 (default) or ed25519.")
        var algorithm: String = "ecdsa-p256"

        @Option(name: .long, parsing: .upToNextOption, help: "Extra node ids to issue certificates for (not on the roster).")
        var extraNode: [String] = []

        @Flag(name: .long, help: "List every file written.")
        var verbose = false

        func validate() throws {
            guard ["ecdsa-p256", "ed25519"].contains(algorithm) else {
                throw ValidationError("--algorithm must be ecdsa-p256 or ed25519")
            }
        }

        func run() throws {
            let configuration = try DaemonConfiguration.load(path: config)
            let pki = DevelopmentPKI(directory: directory ?? configuration.development.pki)
            let ids = configuration.roster.entries.map(\.id) + extraNode
            let started = ContinuousClock.now
            let progress = ProgressLine(label: "node certificates")
            let summary = try pki.create(nodeIDs: ids, algorithm: algorithm == "ed25519" ? .ed25519 : .ecdsaP256SHA256) { done, total in
                progress.update(done, of: total)
            }
            progress.finish()
            let seconds = (ContinuousClock.now - started).components
            let elapsed = String(format: "%.1f", Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18)
            let issued = ids.count - summary.keptNodes.count
            print("development PKI in \(pki.directory): \(issued) node certificates issued, \(summary.keptNodes.count) kept, \(summary.writtenFiles.count) files written in \(elapsed) s")
            if verbose {
                for file in summary.writtenFiles { print("  \(file)") }
            }
        }
    }
}
