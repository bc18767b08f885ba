import NexAudit
import NexCrypto
import NexWire

/// Start-up (before the listener opens).
extension Broker {
    /// Rebuilds the replay cache from the accepted publishes still inside the window. Reads the
    /// segments from the newest back and stops at the first segment that ends before the window.
    func rebuildReplayCache(from directory: String, nowMillis: Int64) throws -> Int {
        let reader = AuditReader(directory: directory)
        let segments = try reader.segments()
        // An entry expires at issuedAt + 2W and issuedAt ≤ record time + W: older records are moot.
        let horizon = nowMillis - 3 * replayWindowMillis
        var restored = 0
        for segment in segments.reversed() {
            var newest: Int64 = .min
            try reader.forEachRecord(in: [segment]) { record in
                newest = max(newest, record.timeMillis ?? .min)
                guard record.event == "publish", record.string("outcome") == "accepted",
                      let idText = record.string("msg"), let id = MessageID(string: idText),
                      let digest = record.string("digest").flatMap(SHA256Digest.init(hex:)),
                      let sequence = record.sequence, let node = record.string("node"),
                      let issuedAt = record.string("issuedAt").flatMap(Timestamp.parse)
                else { return true }
                let expiry = issuedAt + 2 * replayWindowMillis
                if expiry > nowMillis {
                    replay.insert(id, entry: .init(signedDigest: digest, sequence: sequence, expiresAtMillis: expiry, node: node))
                    restored += 1
                }
                return true
            }
            if newest < horizon { break }
        }
        return restored
    }
}
