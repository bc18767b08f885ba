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
        var checkpoint = try SignedCheckpoint(jsonObject: record.members)
        if let sealedFrom = try crashSealRange(record, size: checkpoint.treeSize) {
            checkpoint = SignedCheckpoint(
                treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, timeMillis: checkpoint.timeMillis,
                certificateFingerprint: checkpoint.certificateFingerprint, signature: checkpoint.signature, sealedFrom: sealedFrom)
        }
        guard let texts = record.members["frontier"] as? [String] else {
            throw AuditError(.malformed, "checkpoint record has no \"frontier\"")
        }
        let hashes = texts.compactMap(SHA256Digest.init(hex:))
        guard hashes.count == texts.count, let frontier = MerkleFrontier(size: checkpoint.treeSize, hashes: hashes) else {
            throw AuditError(.malformed, "checkpoint record's \"frontier\" does not fit its tree size \(checkpoint.treeSize)")
        }
        return (checkpoint, frontier)
    }

    /// The `detail` of a crash seal: `covers records X…Y written before a crash (no clean stop);
    /// re-verified by nexd at start-up`, with Y its tree size.
    static func crashSealDetail(from first: UInt64, through last: UInt64) -> String {
        "covers records \(first)…\(last) written before a crash (no clean stop); re-verified by nexd at start-up"
    }

    /// X of a crash seal's `detail`, or `nil` for a plain checkpoint (no `reason`, no `detail`).
    /// - Throws: ``AuditError`` (`malformed`) for another reason, a detail of another form, or a
    ///   range that does not end at the checkpoint's tree size.
    static func crashSealRange(_ record: AuditRecord, size: UInt64) throws(AuditError) -> UInt64? {
        let reason = record.string("reason"), detail = record.string("detail")
        if reason == nil, detail == nil { return nil }
        guard reason == AuditFormat.sealedAfterCrashReason, let detail else {
            throw AuditError(.malformed, "a checkpoint record carries reason \"\(reason ?? "")\" and detail only as a crash seal (reason \(AuditFormat.sealedAfterCrashReason))")
        }
        let prefix = "covers records "
        guard detail.hasPrefix(prefix), let dots = detail.range(of: "…"),
              let first = UInt64(detail[detail.index(detail.startIndex, offsetBy: prefix.count)..<dots.lowerBound]),
              first >= 1, first <= size, detail == crashSealDetail(from: first, through: size)
        else {
            throw AuditError(.malformed, "crash seal detail \"\(detail)\" is not \"\(crashSealDetail(from: 1, through: size))\" with its first record")
        }
        return first
    }
}
