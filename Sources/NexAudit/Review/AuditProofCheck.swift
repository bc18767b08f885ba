import Foundation
import NexCrypto

/// Offline verification of a proof file with only the audit certificate. Findings are values.
public struct AuditProofCheck: Sendable {
    /// One verified (or failed) claim, in the file's order.
    public struct Finding: Sendable, Equatable {
        public var claim: String
        public var failure: String?
    }

    public private(set) var findings: [Finding] = []
    /// The record lines an inclusion proof carried (for display), by sequence.
    public private(set) var records: [(sequence: UInt64, text: String)] = []
    /// True when every claim holds.
    public var isValid: Bool { !findings.isEmpty && findings.allSatisfy { $0.failure == nil } }

    /// Checks `text` (an inclusion or consistency proof file) with `certificate`.
    public init(text: String, certificate: Certificate) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            findings = [.init(claim: "proof file", failure: "not a JSON object")]
            return
        }
        guard (object["version"] as? NSNumber)?.intValue == 1 else {
            findings = [.init(claim: "proof file", failure: "version is not 1")]
            return
        }
        switch object["type"] as? String {
        case "inclusion": checkInclusion(object, certificate)
        case "consistency": checkConsistency(object, certificate)
        default: findings = [.init(claim: "proof file", failure: "type must be \"inclusion\" or \"consistency\"")]
        }
    }

    private mutating func checkpoint(_ value: Any?, _ name: String, _ certificate: Certificate) -> SignedCheckpoint? {
        guard let object = value as? [String: Any] else {
            findings.append(.init(claim: "\(name) checkpoint", failure: "missing"))
            return nil
        }
        do {
            let checkpoint = try SignedCheckpoint(jsonObject: object)
            let claim = "\(name) checkpoint (tree size \(checkpoint.treeSize), root \(checkpoint.rootHash.hex), \(Timestamp.format(millis: checkpoint.timeMillis))) is signed by the audit key"
            findings.append(.init(claim: claim, failure: checkpoint.isValid(signedBy: certificate)
                ? nil : "signature does not verify with the audit certificate \(certificate.fingerprint.hex)"))
            return checkpoint
        } catch {
            findings.append(.init(claim: "\(name) checkpoint", failure: error.message))
            return nil
        }
    }

    private static func hashes(_ value: Any?) -> [SHA256Digest]? {
        guard let texts = value as? [String] else { return nil }
        let hashes = texts.compactMap(SHA256Digest.init(hex:))
        return hashes.count == texts.count ? hashes : nil
    }

    private mutating func checkInclusion(_ object: [String: Any], _ certificate: Certificate) {
        guard let checkpoint = checkpoint(object["checkpoint"], "the", certificate) else { return }
        let items = object["records"] as? [[String: Any]] ?? []
        if items.isEmpty { findings.append(.init(claim: "records", failure: "the proof holds no record")) }
        for item in items {
            let sequence = (item["seq"] as? NSNumber)?.uint64Value ?? 0
            let claim = "record \(sequence) is in the tree of \(checkpoint.treeSize) records"
            guard sequence > 0, let line = (item["line"] as? String).flatMap({ Data(base64Encoded: $0) }).map({ [UInt8]($0) }),
                  let proof = Self.hashes(item["proof"])
            else {
                findings.append(.init(claim: claim, failure: "malformed entry (needs seq, base64 line, hex proof)"))
                continue
            }
            records.append((sequence, String(decoding: line, as: UTF8.self)))
            guard AuditVerifierWalk.leadingSequence(line[...]) == sequence else {
                findings.append(.init(claim: claim, failure: "the record line does not carry sequence \(sequence)"))
                continue
            }
            guard let (core, stored) = AuditLine.split(line[...]), SHA256.hash(core) == stored else {
                findings.append(.init(claim: claim, failure: "the record line does not match its own hash"))
                continue
            }
            let valid = MerkleVerifier.isValidInclusion(leafHash: MerkleHash.leaf(line), index: sequence - 1,
                                                       size: checkpoint.treeSize, proof: proof, root: checkpoint.rootHash)
            findings.append(.init(claim: claim, failure: valid ? nil : "the audit path does not lead to the checkpoint's root"))
        }
    }

    private mutating func checkConsistency(_ object: [String: Any], _ certificate: Certificate) {
        let old = checkpoint(object["old"], "old", certificate)
        let new = checkpoint(object["new"], "new", certificate)
        guard let old, let new else { return }
        let claim = "the tree of \(new.treeSize) records extends the tree of \(old.treeSize) records"
        guard let proof = Self.hashes(object["proof"]) else {
            findings.append(.init(claim: claim, failure: "malformed proof (needs a list of hex hashes)"))
            return
        }
        let valid = MerkleVerifier.isValidConsistency(oldSize: old.treeSize, oldRoot: old.rootHash, newSize: new.treeSize,
                                                     newRoot: new.rootHash, proof: proof)
        findings.append(.init(claim: claim, failure: valid ? nil : "the consistency proof does not connect the two roots"))
    }
}
