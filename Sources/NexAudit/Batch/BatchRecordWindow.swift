import NexCrypto

/// The `batch` records of the last ``records`` records of the log, by claim (format 6, D74):
/// a batch-signed notice's `publish` is bound to a `batch` record of its claim at most this many
/// records before it, so writer, verifiers and the inbox rebuild each remember a bounded window,
/// never every batch of the log (docs/AUDIT.md §Batch signatures).
///
/// A value: the writer keeps one under its append lock, the verifiers one per walk. `Value` is what
/// a reader keeps of the record (nothing for the writer, the root signature for the inbox rebuild).
public struct BatchRecordWindow<Value> {
    /// How far back a `publish` may find its `batch` record: `seq(publish) − seq(batch) ≤ 65536`.
    public static var records: UInt64 { 65_536 }

    private var latest: [SHA256Digest: (sequence: UInt64, value: Value)] = [:]
    /// Every noted record in log order, for eviction (a re-noted claim leaves a stale entry here,
    /// which eviction skips).
    private var order: [(key: SHA256Digest, sequence: UInt64)] = []
    private var head = 0

    public init() {}

    /// How many claims the window holds.
    public var count: Int { latest.count }

    /// What the latest `batch` record of `key` kept, if it is within the window of a record at
    /// `sequence` (and before it).
    public func value(of key: SHA256Digest, before sequence: UInt64) -> Value? {
        guard let entry = latest[key], entry.sequence < sequence, sequence - entry.sequence <= Self.records else { return nil }
        return entry.value
    }

    /// Notes the `batch` record of `key` at `sequence` (log order), forgetting records that fell out
    /// of the window.
    public mutating func note(_ key: SHA256Digest, at sequence: UInt64, value: Value) {
        latest[key] = (sequence, value)
        order.append((key, sequence))
        while head < order.count, order[head].sequence + Self.records < sequence {
            let old = order[head]
            if latest[old.key]?.sequence == old.sequence { latest[old.key] = nil }
            head += 1
        }
        if head > 4096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Forgets every record (the writer after a failed write: the numbers it gave are not the log's).
    public mutating func removeAll() {
        latest = [:]
        order = []
        head = 0
    }
}

extension BatchRecordWindow where Value == Void {
    /// Notes the `batch` record of `key` at `sequence`.
    public mutating func note(_ key: SHA256Digest, at sequence: UInt64) {
        note(key, at: sequence, value: ())
    }

    /// Whether a `batch` record of `key` is within the window of a record at `sequence`.
    public func contains(_ key: SHA256Digest, before sequence: UInt64) -> Bool {
        value(of: key, before: sequence) != nil
    }
}
