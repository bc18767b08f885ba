import Foundation
import NexCrypto

extension SignedCheckpoint {
    /// The checkpoint as one JSON object (a witness file, or the `checkpoint` member of a proof):
    /// `{"version":1,"size":N,"root":"<hex>","time":"<RFC 3339>","cert":"<hex>","signature":"<base64>"}`.
    public func jsonText() -> String {
        var out: [UInt8] = []
        out.append(contentsOf: Array(#"{"version":1,"size":"#.utf8))
        JSONText.appendInteger(treeSize, to: &out)
        out.append(contentsOf: Array(#","root":""#.utf8))
        JSONText.appendHex(rootHash.bytes, to: &out)
        out.append(contentsOf: Array(#"","time":"#.utf8))
        JSONText.appendString(Timestamp.format(millis: timeMillis), to: &out)
        out.append(contentsOf: Array(#","cert":""#.utf8))
        JSONText.appendHex(certificateFingerprint.bytes, to: &out)
        out.append(contentsOf: Array(#"","signature":""#.utf8))
        out.append(contentsOf: Array(Data(signature).base64EncodedString().utf8))
        out.append(contentsOf: Array(#""}"#.utf8))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses ``jsonText()``, optionally followed by one `\n`, and nothing else: the members in that
    /// order, no whitespace, `size` a plain integer, lowercase hex, the writer's time form and
    /// canonical base64 (docs/AUDIT.md §Witnesses). Anything else is refused.
    /// - Throws: ``AuditError`` (`malformed`) naming the member that is missing or wrong.
    public init(jsonText: String) throws(AuditError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any] else {
            throw AuditError(.malformed, "checkpoint is not a JSON object")
        }
        guard object["version"] != nil else { throw AuditError(.malformed, "checkpoint has no \"version\"") }
        try self.init(jsonObject: object)
        // Bytes, not String equality (which is Unicode canonical equivalence: U+212A would pass for K).
        let canonical = Array(self.jsonText().utf8), text = Array(jsonText.utf8)
        guard text == canonical || text == canonical + [UInt8(ascii: "\n")] else {
            throw AuditError(.malformed, "checkpoint is not in the form nexd writes ({\"version\":1,\"size\":N,\"root\":\"<hex>\",\"time\":\"<YYYY-MM-DDTHH:MM:SS.mmmZ>\",\"cert\":\"<hex>\",\"signature\":\"<base64>\"} and at most one line end)")
        }
    }

    /// Parses the members of ``jsonText()`` from a decoded object (also used for checkpoint records,
    /// whose `time` member is the checkpoint time).
    init(jsonObject object: [String: Any]) throws(AuditError) {
        if let version = object["version"] as? NSNumber, version.intValue != 1 {
            throw AuditError(.malformed, "checkpoint version \(version) is not supported (expected 1)")
        }
        guard let size = (object["size"] as? NSNumber)?.uint64Value else { throw AuditError(.malformed, "checkpoint has no \"size\"") }
        guard let root = (object["root"] as? String).flatMap(SHA256Digest.init(hex:)) else {
            throw AuditError(.malformed, "checkpoint has no valid \"root\" (64 hex digits)")
        }
        guard let time = (object["time"] as? String).flatMap({ Timestamp.parseCanonical(Array($0.utf8)) }) else {
            throw AuditError(.malformed, "checkpoint has no valid \"time\" (YYYY-MM-DDTHH:MM:SS.mmmZ)")
        }
        guard let cert = (object["cert"] as? String).flatMap(SHA256Digest.init(hex:)) else {
            throw AuditError(.malformed, "checkpoint has no valid \"cert\" fingerprint (64 hex digits)")
        }
        guard let signature = (object["signature"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw AuditError(.malformed, "checkpoint has no valid \"signature\" (base64)")
        }
        self.init(treeSize: size, rootHash: root, timeMillis: time, certificateFingerprint: cert, signature: [UInt8](signature))
    }

    /// Reads a witness file holding ``jsonText()``.
    /// - Throws: ``AuditError`` when it cannot be read or parsed.
    public init(contentsOfFile path: String) throws(AuditError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(.unreadable, "cannot read checkpoint file \(path)")
        }
        do {
            try self.init(jsonText: String(decoding: data, as: UTF8.self))
        } catch {
            throw AuditError(.malformed, "\(path): \(error.message)")
        }
    }
}
