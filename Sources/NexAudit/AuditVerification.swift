import NexCrypto

/// The outcome of ``AuditVerifier/verify(directory:options:)``: findings are values.
///
/// ``verdict`` is what an auditor may rely on; the counters say what was checked.
public struct AuditVerification: Sendable {
    /// Where in the log.
    public struct Location: Sendable, Equatable {
        public var segment: String
        public var line: Int
        public var sequence: UInt64
    }

    /// The first problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Tampering or damage, or content this verifier does not know (a newer format).
        public enum Kind: Sendable, Equatable {
            case tampered
            case unknownFormat
        }

        public var segment: String
        public var line: Int
        /// The sequence number the record should have (for a truncation: the first missing one).
        public var sequence: UInt64
        public var reason: String
        /// Set when the problem was found through a witness checkpoint: names the witness.
        public var witness: String?
        public var kind: Kind = .tampered
        /// Set when the problem is a file of the audit directory itself (a stray segment name).
        public var file: String?

        public var description: String {
            if let witness { return "witness \(witness): \(reason)" }
            if let file { return "file \(file): \(reason)" }
            return "record \(sequence) (\(segment) line \(line)): \(reason)"
        }
    }

    /// What the log proves, in the order of precedence the verifiers apply (docs/AUDIT.md §Verdicts).
    public enum Verdict: Sendable, Equatable {
        /// Every record verified and sealed by a checkpoint (or witness) the given keys vouch for.
        case intact
        /// The first record (or witness) that is not what it claims.
        case tampered(Problem)
        /// The anchors are missing or unusable, or the log holds what this verifier does not know.
        case cannotVerify(String)
        /// The last line is incomplete (a crash while writing); everything before it verified.
        case tornTail(Location)
        /// Everything verified, but records `first…last` are after the last checkpoint and no
        /// witness covers them: only a later checkpoint or a witness can vouch for them.
        case unsealed(first: UInt64, last: UInt64)

        /// The exit status of `nex audit verify` and scripts/verify_audit.py.
        public var exitStatus: Int32 {
            switch self {
            case .intact: 0
            case .tampered: 1
            case .cannotVerify: 2
            case .tornTail: 3
            case .unsealed: 4
            }
        }
    }

    public var segmentCount = 0
    public var recordCount = 0
    public var verifiedSignatures = 0
    /// Originator certificates found issued by a given CA.
    public var verifiedCertificates = 0
    public var lastHash = AuditLine.genesisHash
    /// Leaves in the Merkle tree (the records verified) and its root.
    public var treeSize: UInt64 = 0
    public var rootHash = MerkleHash.emptyRoot
    /// Checkpoint records verified; the last one.
    public var checkpointCount = 0
    public var lastCheckpoint: SignedCheckpoint?
    /// Checkpoints whose signature was not checked because no audit certificate was given.
    public var uncheckedCheckpointSignatures = 0
    /// Originator certificates not checked against a CA because none was given.
    public var uncheckedCertificates = 0
    /// Checkpoint records that sealed records a crashed nexd left (reason `sealed-after-crash`).
    public var crashSeals: [UInt64] = []
    /// The records each of ``crashSeals`` sealed (signed with the seal).
    public var crashSealRanges: [ClosedRange<UInt64>] = []
    /// Witness checkpoints the log was found to extend (their labels).
    public var witnessesChecked: [String] = []
    /// The highest sequence vouched for by a verified checkpoint record (itself included) or a
    /// verified witness.
    public var sealedThrough: UInt64 = 0
    /// Set when the anchors are missing or unusable (checked before the walk).
    public var anchorProblem: String?
    /// Set when the directory holds no segment file (a wrong `--dir`, or every segment removed).
    public var nothingToVerify: String?
    /// Set when the log has been tampered with (or damaged beyond a torn tail), or holds content of
    /// a newer format.
    public var problem: Problem?
    /// Set when the last record is torn (a crash artefact nexd repairs at its next start).
    public var tornTail: Location?
    /// True when the torn final line is a complete, valid record that lacks only its line end
    /// (nexd restores the line end and keeps the record).
    public var tornTailIsCompleteRecord = false

    /// The time of the last record walked (Unix milliseconds; `Int64.min` for none).
    public var lastRecordTimeMillis: Int64 = .min
    /// The tree the walk recomputed (its frontier), for nexd resuming after re-verification.
    var frontier = MerkleFrontier()

    /// Records after the last checkpoint: protected by the chain only until the next checkpoint.
    public var recordsAfterLastCheckpoint: UInt64 {
        treeSize - (lastCheckpoint.map { $0.treeSize + 1 } ?? 0)
    }

    /// Records no verified checkpoint or witness vouches for.
    public var unsealedRecords: UInt64 { treeSize - min(sealedThrough, treeSize) }

    /// True when the walk found nothing wrong and no torn tail. Not the auditor's verdict: an
    /// unanchored or unsealed log passes this too (see ``verdict``).
    public var foundNoProblem: Bool { problem == nil && tornTail == nil }

    /// The auditor's verdict, in order of precedence: anchors, the first problem, a torn tail,
    /// unchecked signatures or certificates, unsealed records; else intact.
    public var verdict: Verdict {
        if let anchorProblem { return .cannotVerify(anchorProblem) }
        if let nothingToVerify, problem == nil { return .cannotVerify(nothingToVerify) }
        if let problem {
            return problem.kind == .tampered ? .tampered(problem) : .cannotVerify(problem.description)
        }
        if let tornTail { return .tornTail(tornTail) }
        if uncheckedCheckpointSignatures > 0 {
            return .cannotVerify("\(uncheckedCheckpointSignatures) checkpoint signatures were not checked: no audit certificate was given")
        }
        if uncheckedCertificates > 0 {
            return .cannotVerify("\(uncheckedCertificates) originator certificates were not checked: no CA was given")
        }
        if unsealedRecords > 0 { return .unsealed(first: sealedThrough + 1, last: treeSize) }
        return .intact
    }
}
