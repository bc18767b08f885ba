import ArgumentParser
import Foundation
import NexConfig
import NexCrypto
import NexPKI

/// `--pki`, shared by the `nex pki` subcommands that work on an existing PKI directory.
struct PKIDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Development PKI directory (holds ca.pem, ca.key, ca.crl.pem and nodes/).")
    var pki: String = "Certs/dev"

    /// The PKI in ``pki``.
    var files: DevelopmentPKI { DevelopmentPKI(directory: pki) }
}

/// `--reload` and `--config`, shared by the subcommands that change the revocation list.
///
/// Exit statuses with `--reload`: 2 refused before writing anything; 3 written, but no nexd was
/// signalled or its verdict is unknown; 4 written, but nexd refused the reload.
struct ReloadOptions: ParsableArguments {
    @Flag(name: .long, help: "Then ask the running nexd (found through --config) to reload with SIGHUP, and wait for its verdict.")
    var reload = false

    @Option(name: .long, help: "Config of the running nexd: its audit.directory holds nexd.lock with nexd's pid and the audit log; its tls.crl must be the list written.")
    var config: String = DaemonConfiguration.defaultPath

    /// How long to wait for nexd's reload record.
    static let verdictTimeout = Duration.seconds(5)

    /// With `--reload`, the checks made before anything is written: the config loads, its `tls.crl`
    /// is `crlPath`, and its nexd.lock is readable if present.
    /// - Returns: The nexd to signal afterwards, or `nil` without `--reload`.
    /// - Throws: `ExitCode(2)` after saying why, when the change would not reach nexd.
    func prepare(crlPath: String) throws -> NexdReload.Target? {
        guard reload else { return nil }
        do {
            return try NexdReload.locate(configPath: config, crlPath: crlPath)
        } catch {
            Self.complain("\(error); nothing was written")
            throw ExitCode(2)
        }
    }

    /// Signals the nexd of `target` (from ``prepare(crlPath:)``) and reports its verdict from the
    /// audit log; does nothing for `nil`.
    /// - Throws: `ExitCode(3)` when no nexd was signalled or no verdict appeared, `ExitCode(4)` when
    ///   nexd refused the reload (the change on disk stays either way).
    func reload(_ target: NexdReload.Target?) throws {
        guard let target else { return }
        let pid: Int32
        do {
            pid = try target.process.get()
            // Whole milliseconds, as audit records carry them; taken before the signal.
            let sinceMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            try NexdReload.signal(pid)
            print("asked nexd (pid \(pid)) to reload")
            switch NexdReload.awaitOutcome(auditDirectory: target.auditDirectory, pid: pid, sinceMillis: sinceMillis,
                                           timeout: Self.verdictTimeout) {
            case .accepted(let detail):
                print("nexd reloaded: \(detail)")
            case .refused(let reason, let detail):
                Self.complain("nexd (pid \(pid)) refused the reload (\(reason)): \(detail); it keeps its previous configuration and revocation list, so this change is not in force yet: fix the problem, then run `nex pki crl --refresh --reload`")
                throw ExitCode(4)
            case .unknown(let sentence):
                Self.complain(sentence)
                throw ExitCode(3)
            }
        } catch let failure as NexdReload.Failure {
            Self.complain("\(failure); the revocation list on disk is updated, and nexd uses it once it (re)starts or reloads")
            throw ExitCode(3)
        }
    }

    private static func complain(_ message: String) {
        FileHandle.standardError.write(Data("nex pki: \(message)\n".utf8))
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
