import NexCrypto

/// The outcome of ``AuditVerifier/verify(directory:options:)``: findings are values.
public struct AuditVerification: Sendable {
    /// Where in the log.
    public struct Location: Sendable, Equatable {
        public var segment: String
        public var line: Int
        public var sequence: UInt64
    }

    /// The first problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var segment: String
        public var line: Int
        /// The sequence number the record should have (for a truncation: the first missing one).
        public var sequence: UInt64
        public var reason: String
        /// Set when the problem was found through a witness checkpoint: names the witness.
        public var witness: String?

        public var description: String {
            if let witness { return "witness \(witness): \(reason)" }
            return "record \(sequence) (\(segment) line \(line)): \(reason)"
        }
    }

    public var segmentCount = 0
    public var recordCount = 0
    public var verifiedSignatures = 0
    public var lastHash = AuditLine.genesisHash
    /// Leaves in the Merkle tree (the records verified) and its root.
    public var treeSize: UInt64 = 0
    public var rootHash = MerkleHash.emptyRoot
    /// Checkpoint records verified; the last one.
    public var checkpointCount = 0
    public var lastCheckpoint: SignedCheckpoint?
    /// Checkpoints whose signature was not checked because no audit certificate was given.
    public var uncheckedCheckpointSignatures = 0
    /// Witness checkpoints the log was found to extend (their labels).
    public var witnessesChecked: [String] = []
    /// Set when the log has been tampered with (or damaged beyond a torn tail).
    public var problem: Problem?
    /// Set when the last record is torn (a crash artefact nexd repairs at its next start).
    public var tornTail: Location?
    /// True when the torn final line is a complete, valid record that lacks only its line end
    /// (nexd restores the line end and keeps the record).
    public var tornTailIsCompleteRecord = false

    /// Records after the last checkpoint: protected by the chain only until the next checkpoint.
    public var recordsAfterLastCheckpoint: UInt64 {
        treeSize - (lastCheckpoint.map { $0.treeSize + 1 } ?? 0)
    }

    /// True when the log verified completely and has no torn tail.
    public var isIntact: Bool { problem == nil && tornTail == nil }
}
