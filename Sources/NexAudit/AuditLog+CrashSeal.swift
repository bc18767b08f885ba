import Foundation
import NexCrypto

extension AuditLog {
    /// Start-up, after a run that did not stop cleanly left records after its last checkpoint:
    /// re-verifies the log (chain, tree, checkpoints signed with this audit key, format, time
    /// order, stored originator certificates against ``Configuration/certificateAuthorities``, and
    /// every notice after the last checkpoint), then queues a checkpoint that seals those records,
    /// with `reason` `sealed-after-crash` and a `detail` naming them. It is the first record of the
    /// new run: nothing of this run is sealed by it.
    ///
    /// - Throws: ``AuditError/Code/corrupt`` naming the first problem, without sealing anything: an
    ///   auditor must look at the log before nexd vouches for it.
    func sealAfterCrash(recordsSinceCheckpoint: Int) throws(AuditError) {
        let signer = configuration.checkpointSigner!
        var options = AuditVerifier.Options()
        options.checksSignatures = false
        let firstUnsealed = lastSequence - UInt64(recordsSinceCheckpoint) + 1
        options.checksSignaturesAfter = firstUnsealed - 1
        options.certificateAuthorities = configuration.certificateAuthorities
        options.auditCertificates = [signer.certificate]
        // A checkpoint signed by an earlier audit key (a rotation) is checked by an auditor who has
        // that key's certificate; nexd only has its own.
        options.skipsCheckpointsOfOtherSigners = true
        let verification: AuditVerification
        do {
            verification = try AuditVerifier.verify(directory: configuration.directory, options: options)
        } catch {
            throw AuditError(.corrupt, "cannot re-verify the records a crashed nexd left: \(error)")
        }
        if let problem = verification.problem {
            throw AuditError(.corrupt, "refusing to seal the records a crashed nexd left: \(problem); run `nex audit verify` and investigate before starting nexd")
        }
        let detail = "covers records \(firstUnsealed)…\(lastSequence) written before a crash (no clean stop); re-verified by nexd at start-up"
        enqueue(PendingEntry(members: [], isCheckpoint: true,
                             checkpointNote: (AuditFormat.sealedAfterCrashReason, detail)))
        sealedAfterCrash = (firstUnsealed, lastSequence)
    }
}
