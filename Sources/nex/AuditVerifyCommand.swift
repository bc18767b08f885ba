import ArgumentParser
import Foundation
import NexAudit
import NexCrypto

/// `nex audit verify`: the auditor's verdict on a log, with anchors the auditor chose.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit log against the CA and audit certificate you trust: chain, tree, checkpoints, witnesses, originators and notice signatures.",
        discussion: """
            The anchors come from you: --ca and --audit-cert (defaults: the development PKI in Certs/dev). Their \
            fingerprints are printed first; compare them with the ones you pinned. The log must also extend \
            <dir>/checkpoint.json (nexd's latest checkpoint) and every --witness checkpoint (a file a node saved). \
            docs/AUDIT.md §Verification says what each check guarantees.

            Exit status: 0 INTACT (every record verified and sealed by a checkpoint signed with a given audit key); \
            1 TAMPERED (the first bad record or witness is named); 2 CANNOT VERIFY (anchors missing or unusable, or \
            a record of a newer audit format); 3 TORN TAIL (only the final record is incomplete: a crash artefact \
            nexd repairs at its next start); 4 UNSEALED (everything verified, but records after the last checkpoint \
            that only a later checkpoint or a witness can vouch for); 64 usage error.
            """
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var anchors: AuditAnchorOptions

    @Option(name: .long, help: "A checkpoint a node saw (JSON, as `nex subscribe --witness` saves it); repeatable.")
    var witness: [String] = []

    @Flag(name: .long, help: "Skip re-verifying notice signatures and originators (and parsing every record as JSON): much faster.")
    var noSignatures = false

    func run() throws {
        let dir = directory.dir
        var options = AuditVerifier.Options()
        options.checksSignatures = !noSignatures
        let authorities = try anchors.certificateAuthorities()
        let auditCertificates = try anchors.auditCertificates()
        var witnessProblem: String?
        for path in witness {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ValidationError("cannot read --witness \(path); pass --witness with a checkpoint JSON file")
            }
            do {
                options.witnesses.append((path, try SignedCheckpoint(contentsOfFile: path)))
            } catch {
                // A readable witness that is not a checkpoint is a finding, as in verify_audit.py.
                witnessProblem = witnessProblem ?? "TAMPERED: witness \(path): cannot be parsed: \(error.message)"
            }
        }
        options.certificateAuthorities = authorities.map(\.certificate)
        options.auditCertificates = auditCertificates.map(\.certificate)
        for anchor in authorities { print("anchor CA \(describe(anchor))") }
        for anchor in auditCertificates { print("anchor audit certificate \(describe(anchor))") }
        if let problem = AuditVerifier.anchorProblem(options) {
            print("CANNOT VERIFY: \(problem)")
            throw ExitCode(2)
        }
        if let witnessProblem {
            print(witnessProblem)
            throw ExitCode(1)
        }
        let result = try AuditVerifier.verify(directory: dir, options: options)
        report(result, directory: dir)
        let verdict = result.verdict
        print(VerdictText.line(verdict, result: result, running: AuditDirectoryLockProbe.isHeld(directory: dir),
                               checkedNotices: !noSignatures))
        if verdict.exitStatus != 0 { throw ExitCode(verdict.exitStatus) }
    }

    private func describe(_ anchor: AuditAnchorOptions.Anchor) -> String {
        let origin = anchor.isDefault ? "\(anchor.path), the development default: an auditor pins their own" : anchor.path
        return "\(anchor.certificate.fingerprint.hex) \(anchor.certificate.subjectDescription) (\(origin))"
    }

    /// What was checked, before the verdict line.
    private func report(_ result: AuditVerification, directory dir: String) {
        let signatures = noSignatures
            ? "notice signatures and originators not re-verified (--no-signatures)"
            : "\(plural(result.verifiedSignatures, "notice signature")) verified, \(plural(result.verifiedCertificates, "originator certificate")) issued by a given CA"
        print("audit log \(dir): \(plural(result.recordCount, "record")) in \(plural(result.segmentCount, "segment")), \(signatures)")
        guard result.problem == nil else {
            if result.problem?.witness == nil || result.recordCount > 0 {
                print("checked \(plural(result.recordCount, "record")) before the problem")
            }
            return
        }
        print("head: sequence \(result.recordCount), hash \(result.lastHash.hex)")
        print("tree: size \(result.treeSize), root \(result.rootHash.hex)")
        if let last = result.lastCheckpoint {
            print("checkpoints: \(result.checkpointCount) verified; the last covers records 1…\(last.treeSize)")
        } else {
            print("checkpoints: none")
        }
        for (seal, range) in zip(result.crashSeals, result.crashSealRanges) {
            print("checkpoint record \(seal) sealed records \(range.lowerBound)…\(range.upperBound) a crashed nexd left (reason sealed-after-crash): nexd re-verified them at its next start; no key vouched for them as they were written")
        }
        for label in result.witnessesChecked { print("witness \(label): the log extends it") }
        if FileManager.default.fileExists(atPath: dir + "/index") {
            print("index: \(dir)/index is a cache the host can write, not part of the verified record; not used")
        }
    }
}

/// The verdict line of `nex audit verify`: one word for the verdict, then one sentence.
enum VerdictText {
    static func line(_ verdict: AuditVerification.Verdict, result: AuditVerification, running: Bool, checkedNotices: Bool = true) -> String {
        switch verdict {
        case .intact:
            let seals = result.crashSeals.isEmpty ? "" : "; \(plural(result.crashSeals.count, "checkpoint")) sealed records after a crash (listed above): nexd re-verified them at its next start, no key vouched for them as they were written"
            // --no-signatures: the chain, tree and checkpoints are verified, the notices are not.
            let notices = checkedNotices ? "" : "; notice signatures and originators were not re-verified (--no-signatures)"
            return "INTACT: every record (1…\(result.treeSize)) is verified and sealed by a checkpoint signed with a given audit key\(seals)\(notices)"
        case .tampered(let problem):
            return "TAMPERED: \(problem)"
        case .cannotVerify(let reason):
            return "CANNOT VERIFY: \(reason)"
        case .tornTail(let torn):
            let state = result.tornTailIsCompleteRecord
                ? "is complete but lacks its line end; nexd restores it and records the repair at its next start"
                : "is incomplete; nexd cuts it off and records the repair at its next start"
            let unsealed = result.unsealedRecords > 0 ? "; \(plural(Int(result.unsealedRecords), "record")) before it are not sealed by a checkpoint yet" : ""
            return "TORN TAIL: \(torn.segment) line \(torn.line) (record \(torn.sequence)) \(state)\(unsealed)"
        case .unsealed(let first, let last):
            let count = last - first + 1
            let why = running
                ? " (nexd.lock is held: a running nexd seals them at its next checkpoint; verify again then)"
                : result.lastCheckpoint == nil ? " (the log has no checkpoint)" : ""
            return "UNSEALED: \(plural(Int(count), "record")) (record \(first) to record \(last)) \(count == 1 ? "is" : "are") after the last checkpoint; only a later checkpoint or a witness can vouch for them\(why)"
        }
    }
}
