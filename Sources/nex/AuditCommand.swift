import ArgumentParser
import NexAudit

/// `nex audit`: review and verify the audit trail.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Review and verify the audit trail.",
        subcommands: [Verify.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain and re-verify every stored notice signature.",
            discussion: """
                Exit status: 0 intact; 1 tampered or damaged (the first bad record is named); \
                3 only a torn final record (a crash artefact nexd repairs at its next start).
                """
        )

        @Option(name: .long, help: "Audit directory.")
        var dir: String = "var/audit"

        func run() throws {
            let result = try AuditVerifier.verify(directory: dir)
            if let problem = result.problem {
                print("TAMPERED: \(problem)")
                print("checked \(plural(result.recordCount, "record")) before it in \(plural(result.segmentCount, "segment"))")
                throw ExitCode(1)
            }
            let state = result.tornTail == nil ? "chain intact" : "chain intact up to a torn tail"
            print("audit log \(dir): \(plural(result.recordCount, "record")) in \(plural(result.segmentCount, "segment")), \(state), \(plural(result.verifiedSignatures, "notice signature")) verified")
            print("head: sequence \(result.recordCount), hash \(result.lastHash.hex)")
            if let torn = result.tornTail {
                if result.tornTailIsCompleteRecord {
                    print("TORN TAIL: \(torn.segment) line \(torn.line) (record \(torn.sequence)) is complete but lacks its line end; nexd restores it and records the repair at its next start")
                } else {
                    print("TORN TAIL: \(torn.segment) line \(torn.line) (record \(torn.sequence)) is incomplete; nexd cuts it off and records the repair at its next start")
                }
                throw ExitCode(3)
            }
        }
    }
}

/// "1 record", "2 records".
func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
