import ArgumentParser
import Foundation
import NexCrypto
import NexServer

/// `--pki`, shared by the `nex pki` subcommands that work on an existing PKI directory.
struct PKIDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Development PKI directory (holds ca.pem, ca.key, ca.crl.pem and nodes/).")
    var pki: String = "Certs/dev"

    /// The PKI in ``pki``.
    var files: DevelopmentPKI { DevelopmentPKI(directory: pki) }
}

/// `--reload` and `--config`, shared by the subcommands that change the revocation list.
struct ReloadOptions: ParsableArguments {
    @Flag(name: .long, help: "Then ask the running nexd (found through --config) to reload with SIGHUP.")
    var reload = false

    @Option(name: .long, help: "Config of the running nexd: its audit.directory holds nexd.lock with nexd's pid.")
    var config: String = DaemonConfiguration.defaultPath

    /// Signals nexd when `--reload` was given; otherwise does nothing.
    /// - Throws: `ExitCode(3)` after saying why when no nexd could be signalled (the change on disk stays).
    func reloadIfAsked() throws {
        guard reload else { return }
        do {
            let pid = try NexdReload.signal(configPath: config)
            print("asked nexd (pid \(pid)) to reload")
        } catch {
            FileHandle.standardError.write(Data("nex pki: \(error); the revocation list on disk is updated, and nexd uses it once it (re)starts or reloads\n".utf8))
            throw ExitCode(3)
        }
    }
}

/// `--algorithm` as `nex pki init` spells it.
enum PKIAlgorithm {
    static let names = ["ecdsa-p256", "ed25519"]

    static func parse(_ name: String) -> SignatureAlgorithm? {
        switch name {
        case "ecdsa-p256": .ecdsaP256SHA256
        case "ed25519": .ed25519
        default: nil
        }
    }
}

extension Date {
    /// The date as `nex pki` prints it: ISO 8601 in UTC, to the second.
    var pkiText: String { ISO8601Format() }
}
