import Foundation
import NexCrypto

/// Proof files for `nex audit prove`, `consistency` and `check-proof` (format: docs/AUDIT.md).
///
/// Inclusion: `{"version":1,"type":"inclusion","checkpoint":{…},"records":[{"seq":N,"line":"<base64 of
/// the record line>","proof":["<hex>",…]}]}`. Consistency: `{"version":1,"type":"consistency",
/// "old":{…},"new":{…},"proof":[…]}`. Checkpoints are ``SignedCheckpoint/jsonText()`` objects.
public enum AuditProofs {
    /// An inclusion proof of every record of `messageID` against the newest checkpoint that covers
    /// them all (or the checkpoint of exactly `treeSize` records).
    /// - Throws: ``AuditError`` when the message has no records or no checkpoint covers them.
    public static func inclusion(directory: String, messageID: String, treeSize: UInt64? = nil) throws -> String {
        let quoted = Array("\"\(messageID)\"".utf8)
        let scan = try AuditTreeScan(directory: directory) { line in LineScan.find(quoted, in: line) != nil }
        let records = scan.selected.filter { selected in
            guard let record = AuditRecord(segment: "", line: 0, bytes: selected.line) else { return false }
            return record.string("msg") == messageID || record.strings("received").contains(messageID)
        }
        guard let last = records.last else {
            throw AuditError(.malformed, "no record names message \(messageID); check the id with `nex audit query --msg`")
        }
        let checkpoint: SignedCheckpoint
        if let treeSize {
            guard let chosen = scan.checkpoints[treeSize] else {
                throw AuditError(.malformed, "the log has no checkpoint of tree size \(treeSize); list them with `nex audit query --event checkpoint` (column detail: tree size)")
            }
            checkpoint = chosen
        } else {
            guard let latest = scan.latestCheckpoint else {
                throw AuditError(.malformed, "the log has no signed checkpoint yet; nexd writes one every few seconds and at shutdown")
            }
            checkpoint = latest
        }
        guard checkpoint.treeSize >= last.sequence else {
            throw AuditError(.malformed, "the checkpoint of tree size \(checkpoint.treeSize) does not cover record \(last.sequence) yet; wait for the next checkpoint")
        }
        let leaves = scan.leaves.prefix(Int(checkpoint.treeSize))
        let items = records.map { record in
            let proof = MerkleProof.inclusion(index: Int(record.sequence - 1), leaves: leaves).map { "\"\($0.hex)\"" }
            return #"{"seq":\#(record.sequence),"line":"\#(Data(record.line).base64EncodedString())","proof":[\#(proof.joined(separator: ","))]}"#
        }
        return #"{"version":1,"type":"inclusion","message":"\#(messageID)","checkpoint":\#(checkpoint.jsonText()),"records":[\#n"# + items.joined(separator: ",\n") + "\n]}\n"
    }

    /// A consistency proof between two checkpoints of the log (given by their tree sizes).
    /// - Throws: ``AuditError`` when the log has no checkpoint of a given size or they are out of order.
    public static func consistency(directory: String, oldSize: UInt64, newSize: UInt64) throws -> String {
        let scan = try AuditTreeScan(directory: directory)
        guard let old = scan.checkpoints[oldSize] else {
            throw AuditError(.malformed, "the log has no checkpoint of tree size \(oldSize); list them with `nex audit query --event checkpoint` (column detail: tree size)")
        }
        return try consistency(scan: scan, old: old, newSize: newSize)
    }

    /// A consistency proof from a checkpoint held outside the log (a witness file) to the log's
    /// checkpoint of `newSize` (its latest when `nil`).
    /// - Throws: ``AuditError`` when the log has no such checkpoint.
    public static func consistency(directory: String, old: SignedCheckpoint, newSize: UInt64?) throws -> String {
        let scan = try AuditTreeScan(directory: directory)
        return try consistency(scan: scan, old: old, newSize: newSize ?? scan.latestCheckpoint?.treeSize ?? 0)
    }

    private static func consistency(scan: AuditTreeScan, old: SignedCheckpoint, newSize: UInt64) throws -> String {
        guard let new = scan.checkpoints[newSize] else {
            throw AuditError(.malformed, "the log has no checkpoint of tree size \(newSize); list them with `nex audit query --event checkpoint` (column detail: tree size)")
        }
        guard old.treeSize <= new.treeSize else {
            throw AuditError(.malformed, "the old checkpoint (size \(old.treeSize)) is larger than the new one (size \(new.treeSize)); swap them")
        }
        let proof = MerkleProof.consistency(oldSize: Int(old.treeSize), leaves: scan.leaves.prefix(Int(new.treeSize))).map { "\"\($0.hex)\"" }
        return #"{"version":1,"type":"consistency","old":\#(old.jsonText()),"new":\#(new.jsonText()),"proof":[\#(proof.joined(separator: ","))]}"# + "\n"
    }
}
