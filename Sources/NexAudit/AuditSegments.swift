import Foundation

/// Naming and listing of the log's segment files: `segment-<first sequence, 12 digits>.jsonl`.
///
/// Every directory entry whose name starts with `segment-` must be exactly such a name, the one
/// ``fileName(firstSequence:)`` makes for its number (docs/AUDIT.md §Files): a stray
/// `segment-+11.jsonl` or `segment-11.jsonl` is refused, never read and never skipped.
public enum AuditSegments {
    /// What every segment file name starts with.
    public static let namePrefix = "segment-"

    /// The segment nexd prepared for its next rotation (``AuditNextSegment``): empty while nexd
    /// runs; after a crash it may hold the records of the last segment, whose own name was not yet
    /// durable. Start-up names it by its first record; verifiers read it, when not empty, as the
    /// last segment (docs/AUDIT.md §Files).
    public static let preparedName = "next-segment.jsonl"

    /// The file name of the segment whose first record is `firstSequence`.
    public static func fileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return namePrefix + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".jsonl"
    }

    /// The first sequence a segment file name announces, or `nil` unless `name` is exactly
    /// ``fileName(firstSequence:)`` of some sequence (ASCII digits only, 12 or more, zero-padded to 12).
    public static func firstSequence(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix(namePrefix), name.hasSuffix(".jsonl") else { return nil }
        let digits = name.utf8.dropFirst(8).dropLast(6)
        guard digits.count >= 12, digits.allSatisfy({ (48...57).contains($0) }),
              let sequence = UInt64(String(decoding: digits, as: UTF8.self)),
              fileName(firstSequence: sequence) == name
        else { return nil }
        return sequence
    }

    /// The directory's segment files in sequence order, and the entries named like a segment
    /// (`segment-…`) that are not one.
    /// - Throws: ``AuditError`` (`unreadable`) when the directory cannot be listed.
    public static func scan(in directory: String) throws(AuditError) -> (segments: [String], strays: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw AuditError(.unreadable, "cannot list audit directory \(directory): \(error.localizedDescription)")
        }
        var segments: [(String, UInt64)] = []
        var strays: [String] = []
        for name in names where name.hasPrefix(namePrefix) {
            if let sequence = firstSequence(ofFileName: name) { segments.append((name, sequence)) } else { strays.append(name) }
        }
        return (segments.sorted { $0.1 < $1.1 }.map(\.0), strays.sorted())
    }

    /// Segment file names in `directory`, in sequence order.
    /// - Throws: ``AuditError`` when the directory cannot be listed (`unreadable`) or holds an entry
    ///   named like a segment that is not one (`corrupt`: nexd refuses to start on it).
    public static func list(in directory: String) throws(AuditError) -> [String] {
        let (segments, strays) = try scan(in: directory)
        if let stray = strays.first {
            throw AuditError(.corrupt, "\(directory)/\(stray) is \(strayReason); move it out of the audit directory after an auditor has looked at it")
        }
        return segments
    }

    /// Why an entry named `segment-…` that is not a segment name is refused.
    public static let strayReason = "named like a segment but is not one (segment-<first sequence, 12 or more ASCII digits>.jsonl, as nexd names them): a file was added or renamed"
}
