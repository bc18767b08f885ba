import Foundation

/// Naming and listing of the log's segment files: `segment-<first sequence, 12 digits>.jsonl`.
public enum AuditSegments {
    /// The file name of the segment whose first record is `firstSequence`.
    public static func fileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return "segment-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".jsonl"
    }

    /// The first sequence a segment file name announces, or `nil` if it is not a segment name.
    public static func firstSequence(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".jsonl") else { return nil }
        return UInt64(name.dropFirst(8).dropLast(6))
    }

    /// Segment file names in `directory`, in sequence order.
    /// - Throws: ``AuditError`` when the directory cannot be listed.
    public static func list(in directory: String) throws(AuditError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw AuditError(.unreadable, "cannot list audit directory \(directory): \(error.localizedDescription)")
        }
        return names.compactMap { name in firstSequence(ofFileName: name).map { (name, $0) } }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
    }
}
