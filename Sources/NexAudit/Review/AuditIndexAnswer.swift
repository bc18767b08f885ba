/// What ``AuditIndex/find(message:)`` answered, and from where.
public struct AuditIndexAnswer {
    /// The records, in log order.
    public var records: [AuditRecord]
    /// One warning per index entry that did not hold up against the log (an offset outside its
    /// segment, into the middle of a line, at a line that is not the record), or for records the
    /// index lacked. Non-empty means the index did not describe the log: the records come from a
    /// scan, and the index is rebuilt at its next update.
    public var ignoredEntries: [String]
    /// Whether the records were found by scanning the log rather than through the index (always
    /// the case for an empty answer).
    public var isFromScan: Bool
}
