import Foundation
import NexCrypto

extension SignedCheckpoint {
    /// The members of the `checkpoint` record that stores this checkpoint in the log (the writer adds
    /// `seq`, `prev`, `hash`): `time`, `event`, `size`, `root`, `cert`, `signature`, and the tree's
    /// `frontier` (its perfect-subtree roots, largest first) so that nexd can resume the tree at
    /// start-up from the last checkpoint instead of re-reading the whole log.
    ///
    /// A `note` (a crash seal's) adds `reason` and `detail` after `event`.
    func recordMembers(frontier: MerkleFrontier, note: (reason: String, detail: String)? = nil) -> [UInt8] {
        var out: [UInt8] = []
        var first = true
        JSONText.appendKey("time", first: &first, to: &out)
        JSONText.appendString(Timestamp.format(millis: timeMillis), to: &out)
        JSONText.appendKey("event", first: &first, to: &out)
        JSONText.appendString("checkpoint", to: &out)
        if let note {
            JSONText.appendKey("reason", first: &first, to: &out)
            JSONText.appendString(note.reason, to: &out)
            JSONText.appendKey("detail", first: &first, to: &out)
            JSONText.appendString(note.detail, to: &out)
        }
        JSONText.appendKey("size", first: &first, to: &out)
        JSONText.appendInteger(treeSize, to: &out)
        JSONText.appendKey("root", first: &first, to: &out)
        JSONText.appendString(rootHash.hex, to: &out)
        JSONText.appendKey("cert", first: &first, to: &out)
        JSONText.appendString(certificateFingerprint.hex, to: &out)
        JSONText.appendKey("signature", first: &first, to: &out)
        JSONText.appendString(Data(signature).base64EncodedString(), to: &out)
        JSONText.appendKey("frontier", first: &first, to: &out)
        out.append(UInt8(ascii: "["))
        for (index, hash) in frontier.hashes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(hash.hex, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// Reads a `checkpoint` record back: the checkpoint and the stored frontier.
    /// - Throws: ``AuditError`` (`malformed`) naming what is missing.
    static func fromRecord(_ record: AuditRecord) throws(AuditError) -> (SignedCheckpoint, MerkleFrontier) {
        let checkpoint = try SignedCheckpoint(jsonObject: record.members)
        guard let texts = record.members["frontier"] as? [String] else {
            throw AuditError(.malformed, "checkpoint record has no \"frontier\"")
        }
        let hashes = texts.compactMap(SHA256Digest.init(hex:))
        guard hashes.count == texts.count, let frontier = MerkleFrontier(size: checkpoint.treeSize, hashes: hashes) else {
            throw AuditError(.malformed, "checkpoint record's \"frontier\" does not fit its tree size \(checkpoint.treeSize)")
        }
        return (checkpoint, frontier)
    }
}
