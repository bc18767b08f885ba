import Foundation
import NexCrypto
import NexWire

/// Event-specific checks of the verification walk: originator certificates, accepted notices and
/// checkpoints (docs/AUDIT.md §Verification).
extension AuditVerifierWalk {
    /// Checks what a record claims beyond its framing; returns the reason it fails, or `nil`.
    mutating func checkContent(_ record: AuditRecord, fullChecks: Bool) -> String? {
        switch record.event {
        case "certificate":
            return checkCertificate(record)
        case "checkpoint":
            return checkCheckpoint(record)
        case "batch":
            return checkBatch(record, verifiesSignature: fullChecks)
        case "publish" where record.string("outcome") == "accepted" && fullChecks:
            if let reason = checkOriginator(record) { return reason }
            result.verifiedSignatures += 1
        default:
            break
        }
        return nil
    }

    /// A stored originator certificate: its fingerprint, and — with CAs given — issued by one of
    /// them, not a CA itself, for TLS clients (the certificates nexd accepts from nodes) or, for
    /// nexd's own `expire` messages, the audit certificate (timeStamping, D61).
    private mutating func checkCertificate(_ record: AuditRecord) -> String? {
        guard let der = record.base64("certificate"), let certificate = try? Certificate(der: der) else {
            return "stored certificate cannot be decoded"
        }
        guard certificate.fingerprint.hex == record.string("cert") else {
            return "stored certificate does not match its fingerprint"
        }
        var issuer: Certificate?
        if options.certificateAuthorities.isEmpty {
            result.uncheckedCertificates += 1
        } else {
            let name = "originator certificate \(certificate.fingerprint.hex) (\(certificate.subjectDescription))"
            issuer = certificate.issuer(among: options.certificateAuthorities)
            guard issuer != nil else { return "\(name) is not issued by a given CA" }
            guard !certificate.isCertificateAuthority else { return "\(name) is a CA certificate" }
            guard certificate.extendedKeyUsage?.contains(.clientAuth) == true || certificate.hasAuditPurpose else {
                return "\(name) lacks the clientAuth extended key usage (a node's) and the timeStamping one (nexd's audit key)"
            }
            // An audit certificate as originator (nexd's expire) is format 5 content (D61).
            if certificate.extendedKeyUsage?.contains(.clientAuth) != true, runFormat < 5 {
                return "\(name) lacks the clientAuth extended key usage (an audit certificate as originator is audit format 5 content, but this run's start record declares format \(runFormat))"
            }
            result.verifiedCertificates += 1
        }
        certificates[certificate.fingerprint.hex] = StoredCertificate(certificate: certificate, issuer: issuer)
        return nil
    }

    /// An accepted publish: the stored envelope and its signature, and the originator certificate
    /// named for the node that sent it and valid (with its CA) when nexd accepted the notice.
    private func checkOriginator(_ record: AuditRecord) -> String? {
        let sequence = expectedSequence
        let batches = self.batches
        let source: AuditVerifier.BatchSignatures = runFormat >= 6
            ? .recorded { batches.contains($1, before: sequence) } : .inSeal
        if let reason = AuditVerifier.checkSignature(record, certificates: certificates.mapValues(\.certificate), batches: source) {
            return reason
        }
        // checkSignature found the certificate.
        let stored = certificates[record.string("cert") ?? ""]!
        let certificate = stored.certificate
        guard certificate.subjectCommonName == record.string("node") else {
            return "originator certificate is issued to \(certificate.subjectCommonName ?? "no common name"), not to the sender \(record.string("node") ?? "?")"
        }
        if let reason = Self.validityProblem(of: stored, at: record, when: "accepted the notice") { return reason }
        // Only nexd's audit key signs an `expire`, and it signs nothing else (D61); with audit
        // certificates given, it is one of them.
        let signedByAuditKey = certificate.hasAuditPurpose
        if signedByAuditKey != (record.string("kind") == "expire") {
            return signedByAuditKey
                ? "a \(record.string("kind") ?? "?") signed with the audit certificate: nexd's audit key signs only expire messages"
                : "an expire signed by a node's certificate: only nexd's audit key signs expire messages"
        }
        if signedByAuditKey, !options.auditCertificates.isEmpty, !options.auditCertificates.contains(where: { $0.fingerprint == certificate.fingerprint }) {
            return "an expire signed with audit certificate \(certificate.fingerprint.hex), which is not a given audit certificate (--audit-cert)"
        }
        return nil
    }

    /// A `batch` record (format 6): a node's certificate stored earlier, issued to `node`, valid
    /// (with its CA) at the record's time, whose key verifies `signature` over the batch header.
    /// Remembered for the notices after it (``BatchRecordWindow``). Re-verifying only a crashed
    /// run's tail, a record before it is remembered unchecked (a checkpoint sealed it).
    private mutating func checkBatch(_ record: AuditRecord, verifiesSignature: Bool) -> String? {
        guard let claim = EnvelopeBatch.claim(ofBatchRecord: record) else {
            return "batch record lacks a valid size (1…\(BatchSeal.maximumBatchSize)), root, restrictionsDigest or signature"
        }
        guard let fingerprint = record.string("cert"), let stored = certificates[fingerprint],
              let digest = SHA256Digest(hex: fingerprint) else {
            return "originator certificate \(record.string("cert") ?? "?") is not stored earlier in the log"
        }
        if verifiesSignature {
            let certificate = stored.certificate
            guard certificate.extendedKeyUsage?.contains(.clientAuth) == true else {
                return "a batch signed with certificate \(fingerprint), which is not a node's (no clientAuth): nexd's audit key never signs a batch"
            }
            guard certificate.subjectCommonName == record.string("node") else {
                return "originator certificate is issued to \(certificate.subjectCommonName ?? "no common name"), not to the sender \(record.string("node") ?? "?")"
            }
            guard EnvelopeBatch.isAuthentic(claim, key: certificate.publicKey) else {
                return "batch signature does not verify with the stored originator certificate"
            }
            if let reason = Self.validityProblem(of: stored, at: record, when: "recorded the batch") { return reason }
        }
        batches.note(claim.recordKey(certificate: digest), at: expectedSequence)
        return nil
    }

    /// Why `record`'s time lies outside the validity of `stored`'s certificate or of the CA that
    /// issued it (`when` says what nexd did then), or `nil`.
    private static func validityProblem(of stored: StoredCertificate, at record: AuditRecord, when: String) -> String? {
        guard let time = record.timeMillis else { return "record has no RFC 3339 time" }
        for (what, held) in [("originator certificate", Optional(stored.certificate)), ("its CA's certificate", stored.issuer)] {
            guard let held else { continue }
            guard millis(held.notValidBefore) <= time, time <= millis(held.notValidAfter) else {
                return "\(what) was not valid when nexd \(when) (\(Timestamp.format(millis: time)); valid \(Timestamp.format(millis: millis(held.notValidBefore)))…\(Timestamp.format(millis: millis(held.notValidAfter))))"
            }
        }
        return nil
    }

    static func millis(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) * 1000
    }

    /// A checkpoint record covers every record before it: its root must be the recomputed one, and
    /// its signature must verify with a given audit certificate valid at the checkpoint's time.
    /// It seals itself too only when it has no `reason` or `detail` (docs/AUDIT.md §Sealing).
    private mutating func checkCheckpoint(_ record: AuditRecord) -> String? {
        let checkpoint: SignedCheckpoint, stored: MerkleFrontier
        do { (checkpoint, stored) = try SignedCheckpoint.fromRecord(record) } catch {
            return "checkpoint record is malformed: \(error.message)"
        }
        let covered = expectedSequence - 1
        guard checkpoint.treeSize == covered else {
            return "checkpoint claims tree size \(checkpoint.treeSize) but covers the \(covered) records before it"
        }
        let knowsSigner = options.auditCertificates.contains { $0.fingerprint == checkpoint.certificateFingerprint }
        if options.auditCertificates.isEmpty || (!knowsSigner && options.skipsCheckpointsOfOtherSigners) {
            result.uncheckedCheckpointSignatures += 1
        } else {
            guard let signer = options.auditCertificates.first(where: { $0.fingerprint == checkpoint.certificateFingerprint }) else {
                return "checkpoint names signing certificate \(checkpoint.certificateFingerprint.hex), not a given audit certificate: a forged checkpoint"
            }
            guard checkpoint.isValid(signedBy: signer) else {
                return "checkpoint signature does not verify with the audit certificate: a forged checkpoint"
            }
            guard Self.millis(signer.notValidBefore) <= checkpoint.timeMillis, checkpoint.timeMillis <= Self.millis(signer.notValidAfter) else {
                return "checkpoint signed outside the audit certificate's validity"
            }
        }
        guard checkpoint.rootHash == frontier.root else {
            return "checkpoint root does not match the tree of records 1…\(covered): \(suspects(upTo: covered)) (and the chain re-hashed)"
        }
        guard stored == frontier else { return "checkpoint's stored frontier does not match the tree" }
        if let previous = result.lastCheckpoint, checkpoint.timeMillis < previous.timeMillis {
            return "checkpoint time goes back before the previous checkpoint's"
        }
        // A crash seal's signature covers the first record it seals: every record no checkpoint
        // sealed before it must be in its range, so none escapes the label.
        if let first = checkpoint.sealedFrom, knowsSigner, first > result.sealedThrough + 1 {
            return "crash seal covers records \(first)…\(covered), but records \(result.sealedThrough + 1)…\(first - 1) were not sealed before it"
        }
        // Both roots were recomputed from the same leaves, so this checkpoint is consistent with
        // the previous one by construction.
        result.lastCheckpoint = checkpoint
        result.checkpointCount += 1
        // Its `reason` and `detail` are not signed: a checkpoint carrying them (a crash seal) vouches
        // for the records it covers, not for itself; the next checkpoint seals it.
        let vouchesForItself = record.members["reason"] == nil && record.members["detail"] == nil
        if knowsSigner { result.sealedThrough = max(result.sealedThrough, vouchesForItself ? expectedSequence : covered) }
        if let first = checkpoint.sealedFrom {
            result.crashSeals.append(expectedSequence)
            result.crashSealRanges.append(first...covered)
        }
        return nil
    }
}
