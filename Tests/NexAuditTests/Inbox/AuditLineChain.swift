@testable import NexAudit

/// Record lines made from events in memory, chained from record 1 as the writer chains them (each
/// event split into its records first): for verifier walks and ledger tables without a log on disk.
enum AuditLineChain {
    static func lines(_ events: [AuditEvent]) -> [[UInt8]] {
        var previous = AuditLine.genesisHash
        var lines: [[UInt8]] = []
        for event in events.flatMap({ $0.splitIntoRecords() }) {
            let made = AuditLine.make(sequence: UInt64(lines.count + 1), members: event.encodedMembers(), previous: previous)
            lines.append(Array(made.line.dropLast()))  // without its newline
            previous = made.hash
        }
        return lines
    }

    static func records(_ events: [AuditEvent]) -> [AuditRecord] {
        lines(events).enumerated().map { AuditRecord(segment: "memory", line: $0.offset + 1, bytes: $0.element)! }
    }
}
