import ArgumentParser
import NexAudit
import NexCrypto

/// `nex audit verify`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain, the Merkle tree against every signed checkpoint, witnesses and every stored notice signature.",
        discussion: """
            The log must also extend <dir>/checkpoint.json (nexd's latest checkpoint) and every --witness \
            checkpoint (a file a node saved). Exit status: 0 intact; 1 tampered or damaged (the first bad \
            record or the witness is named); 2 cannot verify (no audit certificate for the log's checkpoints); \
            3 only a torn final record (a crash artefact nexd repairs at its next start).
            """
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var certificate: AuditCertificateOptions

    @Option(name: .long, help: "A checkpoint a node saw (JSON, as `nex subscribe` saves it); repeatable.")
    var witness: [String] = []

    @Flag(name: .long, help: "Skip re-verifying notice signatures (and parsing every record as JSON): much faster.")
    var noSignatures = false

    func run() throws {
        let dir = directory.dir
        var options = AuditVerifier.Options()
        options.checksSignatures = !noSignatures
        options.auditCertificate = try certificate.load(required: !witness.isEmpty)
        for path in witness {
            do {
                options.witnesses.append((path, try SignedCheckpoint(contentsOfFile: path)))
            } catch {
                throw ValidationError("\(error.message); pass --witness with a checkpoint JSON file")
            }
        }
        if let auditCertificate = options.auditCertificate {
            for (path, checkpoint) in options.witnesses where !checkpoint.isValid(signedBy: auditCertificate) {
                print("BAD WITNESS: \(path) is not signed by the audit certificate \(auditCertificate.fingerprint.hex)")
                throw ExitCode(1)
            }
        }
        let result = try AuditVerifier.verify(directory: dir, options: options)
        if let problem = result.problem {
            print("TAMPERED: \(problem)")
            print("checked \(plural(result.recordCount, "record")) before it in \(plural(result.segmentCount, "segment"))")
            throw ExitCode(1)
        }
        let state = result.tornTail == nil ? "chain intact" : "chain intact up to a torn tail"
        let signatures = noSignatures ? "notice signatures not re-verified (--no-signatures)" : "\(plural(result.verifiedSignatures, "notice signature")) verified"
        print("audit log \(dir): \(plural(result.recordCount, "record")) in \(plural(result.segmentCount, "segment")), \(state), \(signatures)")
        print("head: sequence \(result.recordCount), hash \(result.lastHash.hex)")
        print("tree: size \(result.treeSize), root \(result.rootHash.hex)")
        if let last = result.lastCheckpoint {
            let signed = result.uncheckedCheckpointSignatures == 0 ? "signatures verified" : "SIGNATURES NOT CHECKED"
            print("checkpoints: \(result.checkpointCount) (\(signed)); the last covers \(last.treeSize) records; \(plural(Int(result.recordsAfterLastCheckpoint), "record")) after it")
        } else {
            print("checkpoints: none (records are protected by the chain only; a truncation at a record boundary would not show)")
        }
        for label in result.witnessesChecked { print("witness \(label): the log extends it") }
        if let torn = result.tornTail {
            if result.tornTailIsCompleteRecord {
                print("TORN TAIL: \(torn.segment) line \(torn.line) (record \(torn.sequence)) is complete but lacks its line end; nexd restores it and records the repair at its next start")
            } else {
                print("TORN TAIL: \(torn.segment) line \(torn.line) (record \(torn.sequence)) is incomplete; nexd cuts it off and records the repair at its next start")
            }
            throw ExitCode(3)
        }
        if result.uncheckedCheckpointSignatures > 0 {
            print("CANNOT VERIFY: the log has signed checkpoints but no audit certificate was found at \(certificate.auditCert); pass --audit-cert")
            throw ExitCode(2)
        }
    }
}
