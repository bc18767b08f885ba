import ArgumentParser
import Foundation
import NexAudit
import NexCrypto

/// `nex audit`: review and verify the audit trail.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Review and verify the audit trail.",
        subcommands: [
            AuditVerifyCommand.self, AuditProveCommand.self, AuditCheckProofCommand.self, AuditConsistencyCommand.self,
            AuditQueryCommand.self, AuditTailCommand.self, AuditTraceCommand.self, AuditStatsCommand.self, AuditIndexCommand.self,
        ]
    )
}

/// `--dir`, shared by every audit subcommand.
struct AuditDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Audit directory.")
    var dir: String = "var/audit"

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("no audit directory at \(dir); pass --dir with the daemon's audit.directory")
        }
    }
}

/// `--audit-cert`, shared by the commands that check checkpoint signatures.
struct AuditCertificateOptions: ParsableArguments {
    static let defaultPath = "Certs/dev/audit.pem"

    @Option(name: .customLong("audit-cert"), help: "Audit certificate (PEM) that signs checkpoints.")
    var auditCert: String = defaultPath

    /// The certificate, or `nil` when the default path does not exist.
    func load(required: Bool) throws -> Certificate? {
        guard FileManager.default.fileExists(atPath: auditCert) else {
            if required || auditCert != Self.defaultPath {
                throw ValidationError("no audit certificate at \(auditCert); pass --audit-cert with the PEM the CA issued for nexd's audit key")
            }
            return nil
        }
        do {
            guard let certificate = try Certificate.certificates(pemFile: auditCert).first else {
                throw ValidationError("\(auditCert) holds no certificate; pass --audit-cert with a PEM certificate")
            }
            return certificate
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot read the audit certificate \(auditCert): \(error)")
        }
    }
}

/// "1 record", "2 records".
func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
