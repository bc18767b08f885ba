import ArgumentParser
import Foundation
import NexAudit

/// `nex audit check-proof`.
struct AuditCheckProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Verify an inclusion or consistency proof file offline, with only the audit certificate.",
        discussion: "Exit status: 0 every claim holds; 1 a claim fails (named); 2 the proof file cannot be read; 64 usage."
    )

    @Argument(help: "Proof file written by `nex audit prove` or `nex audit consistency`.")
    var file: String

    @OptionGroup var certificate: AuditCertificateOptions

    func validate() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("no proof file at \(file); save the output of `nex audit prove` to a file first")
        }
    }

    func run() throws {
        guard let auditCertificate = try certificate.load(required: true),
              let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ExitCode(2) }
        let check = AuditProofCheck(text: text, certificate: auditCertificate)
        for finding in check.findings {
            print(finding.failure == nil ? "ok: \(finding.claim)" : "FAILED: \(finding.claim): \(finding.failure!)")
        }
        for (sequence, text) in check.records {
            print("record \(sequence): \(TerminalText.inertJSON(text.count > 300 ? String(text.prefix(300)) + "…" : text))")
        }
        print(check.isValid ? "proof valid" : "PROOF INVALID")
        if !check.isValid { throw ExitCode(1) }
    }
}
