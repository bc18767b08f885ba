extension InboxLedger {
    private static let inboxesKey = Array(#""inboxes":["#.utf8)
    private static let queuedKey = Array(#","queued":["#.utf8)
    private static let inboxKey = Array(#","inbox":""#.utf8)
    private static let acceptedKey = Array(#","outcome":"accepted""#.utf8)

    /// Whether a record line is an accepted `publish` (the record that holds a notice's envelope),
    /// read from its bytes without a parse. A false positive only costs a parse.
    public static func isAcceptedPublish(_ line: ArraySlice<UInt8>) -> Bool {
        guard let event = LineScan.event(of: line), event.elementsEqual("publish".utf8) else { return false }
        return LineScan.find(acceptedKey, in: line.prefix(160)) != nil
    }

    /// Whether a record line may say something about inboxes, read from its bytes without a parse:
    /// an `inbox` record, a `route` with `queued` or recipient `inboxes`, a `subscribe` or
    /// `continuation` naming an inbox. A `"` inside a JSON string is escaped, so these member
    /// names cannot be matched inside a value; a false positive only costs a parse.
    public static func mayConcernInboxes(_ line: ArraySlice<UInt8>) -> Bool {
        guard let event = LineScan.event(of: line) else { return false }
        if event.elementsEqual("inbox".utf8) { return true }
        if event.elementsEqual("route".utf8) {
            return LineScan.find(queuedKey, in: line) != nil || LineScan.find(inboxesKey, in: line) != nil
        }
        if event.elementsEqual("subscribe".utf8) || event.elementsEqual("continuation".utf8) {
            return LineScan.find(inboxKey, in: line) != nil
        }
        return false
    }

    /// Folds one record line in (log order), parsing it only when ``mayConcernInboxes(_:)``:
    /// the cheap way to feed every line of every segment at start-up.
    public mutating func apply(line: ArraySlice<UInt8>) {
        guard Self.mayConcernInboxes(line), let record = AuditRecord(segment: "", line: 0, bytes: Array(line)) else { return }
        apply(record)
    }

    /// The ledger of the log in `directory`: every complete line of every segment, in order.
    /// - Throws: ``AuditError`` when the log cannot be read.
    public static func read(directory: String, keepingHistoryOf scope: HistoryScope = .none) throws -> InboxLedger {
        var ledger = InboxLedger(keepingHistoryOf: scope)
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: reader.segments()) { line in
            if !line.isTorn { ledger.apply(line: line.bytes) }
            return true
        }
        return ledger
    }
}
