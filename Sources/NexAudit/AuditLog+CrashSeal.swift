import Foundation
import NexCrypto

extension AuditLog {
    /// How far in the future a record's time may lie before start-up refuses to vouch for it: clocks
    /// differ a little between runs, a forged time is far ahead.
    static let futureTimeTolerance: Int64 = 5 * 60 * 1000

    /// Whether the log ends with a checkpoint this audit key signed over the whole log, by its
    /// parsed JSON (not a line that only looks like one), with nothing unsigned in it: then nothing
    /// is left to seal and start-up need not re-read the log.
    static func endsWithOwnCheckpoint(_ resumed: AuditTreeRecovery.Resumed, signer: CheckpointSigner, previous: [Certificate] = []) -> Bool {
        guard let latest = resumed.latest, resumed.recordsSinceCheckpoint == 0, resumed.latestIsPlainCheckpoint else {
            return false
        }
        // This key's, or an earlier audit key's the configuration names (a clean stop before a rotation).
        return latest.treeSize + 1 == resumed.frontier.size
            && ([signer.certificate] + previous).contains { latest.isValid(signedBy: $0) }
    }

    /// Start-up, when the log does not end with this key's checkpoint (a crash, a `stop` whose
    /// checkpoint was lost, or records someone added while nexd was down): re-verifies the whole log
    /// with nexd's anchors (its CAs and its audit certificate; checkpoints of an earlier audit key
    /// are skipped), then re-verifies every notice after the last checkpoint this key signed, refuses
    /// records dated in the future, and only then queues a checkpoint that seals the records after
    /// that checkpoint — `reason` `sealed-after-crash`, a `detail` naming them — as the first record
    /// of the new run. The writer resumes from the tree the verification recomputed.
    ///
    /// - Throws: ``AuditError/Code/corrupt`` naming the first problem, without sealing anything: an
    ///   auditor must look at the log before nexd vouches for it.
    func sealAfterCrash() throws(AuditError) {
        let signer = configuration.checkpointSigner!
        var options = AuditVerifier.Options()
        options.checksSignatures = false
        options.certificateAuthorities = configuration.certificateAuthorities
        options.auditCertificates = [signer.certificate] + configuration.previousAuditCertificates
        // A checkpoint signed by an earlier audit key the configuration does not name is checked by
        // an auditor who has that key's certificate.
        options.skipsCheckpointsOfOtherSigners = true
        // First pass: the chain, the tree, the format, and which records this key's checkpoints seal.
        var verification = try verify(options)
        let sealed = verification.sealedThrough
        guard sealed < lastSequence else { return }
        // Second pass: every notice after the last checkpoint this key signed.
        options.checksSignaturesAfter = sealed
        verification = try verify(options)
        let now = Self.nowMillis()
        guard verification.lastRecordTimeMillis <= now + Self.futureTimeTolerance else {
            throw AuditError(.corrupt, "refusing to seal the records a crashed nexd left: the last record is dated \(Timestamp.format(millis: verification.lastRecordTimeMillis)), later than now (\(Timestamp.format(millis: now))); check the clock, run `nex audit verify` and investigate before starting nexd")
        }
        tree = verification.frontier
        // Before the enqueue: from then on the writer queue moves lastSequence on.
        let last = lastSequence
        sealedAfterCrash = (sealed + 1, last)
        let detail = SignedCheckpoint.crashSealDetail(from: sealed + 1, through: last)
        enqueue(PendingEntry(members: [], isCheckpoint: true,
                             checkpointNote: (AuditFormat.sealedAfterCrashReason, detail), sealedFrom: sealed + 1))
    }

    private func verify(_ options: AuditVerifier.Options) throws(AuditError) -> AuditVerification {
        let verification: AuditVerification
        do {
            verification = try AuditVerifier.verify(directory: configuration.directory, options: options)
        } catch {
            throw AuditError(.corrupt, "cannot re-verify the records a crashed nexd left: \(error)")
        }
        if let problem = verification.problem {
            throw AuditError(.corrupt, "refusing to seal the records a crashed nexd left: \(problem); run `nex audit verify` and investigate before starting nexd")
        }
        guard verification.treeSize == lastSequence else {
            throw AuditError(.corrupt, "refusing to seal the records a crashed nexd left: the log verified up to record \(verification.treeSize) of \(lastSequence); run `nex audit verify`")
        }
        return verification
    }
}
