import Foundation
import NexCrypto

/// One pass over the log for proofs: every record's leaf hash, every checkpoint record, and the
/// lines a predicate selects. Costs one read of the log (no JSON parse except checkpoints).
struct AuditTreeScan {
    var leaves: [SHA256Digest] = []
    /// Checkpoint records by the tree size they cover.
    var checkpoints: [UInt64: SignedCheckpoint] = [:]
    /// Selected lines: sequence and exact bytes.
    var selected: [(sequence: UInt64, line: [UInt8])] = []

    init(directory: String, select: (ArraySlice<UInt8>) -> Bool = { _ in false }) throws {
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: reader.segments()) { line in
            guard !line.isTorn else { return false }
            let sequence = UInt64(leaves.count + 1)
            if LineScan.isCheckpoint(line.bytes), let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(line.bytes)),
               let (checkpoint, _) = try? SignedCheckpoint.fromRecord(record) {
                checkpoints[checkpoint.treeSize] = checkpoint
            }
            if select(line.bytes) { selected.append((sequence, Array(line.bytes))) }
            leaves.append(MerkleHash.leaf(line.bytes))
            return true
        }
    }

    /// The newest checkpoint (largest tree).
    var latestCheckpoint: SignedCheckpoint? { checkpoints.max { $0.key < $1.key }?.value }
}
