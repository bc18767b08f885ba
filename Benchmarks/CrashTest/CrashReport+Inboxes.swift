import Foundation

/// The crash report's durable border posts: one row each, and the rows of the table.
extension CrashReport {
    /// What one durable border post received, against every ACKed message.
    struct Inbox: Codable, Sendable {
        var node: String
        /// `deliver` frames, duplicates included; distinct message ids; redeliveries of an id.
        var deliveries: Int
        var distinct: Int
        var duplicates: Int
        /// ACKed messages it never received (must be 0).
        var acknowledgedNeverDelivered: Int
        /// ACKed messages whose route record names neither its live inbox nor a queued entry for it (must be 0).
        var routeRecordsWithoutInbox: Int
        /// Durable subscribes accepted, and the notices they said were waiting.
        var attaches: Int
        var waitingAtAttach: Int
        var receipts: Int
        var unexpectedDisconnects: Int
    }

    /// ACKed notices the inbox subscribers never received, summed over them (0 unless a check failed).
    var inboxLost: Int { inboxes.reduce(0) { $0 + $1.acknowledgedNeverDelivered } }

    /// The table rows of the inbox subscribers (none without them).
    var inboxRows: [(String, String)] {
        guard !inboxes.isEmpty else { return [] }
        var rows: [(String, String)] = []
        for inbox in inboxes {
            rows.append(("inbox \(inbox.node)", "\(inbox.deliveries) deliveries, \(inbox.distinct) distinct, "
                + "\(inbox.duplicates) duplicates, \(inbox.receipts) receipts"))
            rows.append(("  attaches / notices waiting at them", "\(inbox.attaches) / \(inbox.waitingAtAttach)"))
            rows.append(("  ACKed notices never delivered", "\(inbox.acknowledgedNeverDelivered)"))
            rows.append(("  ACKed notices not routed to it in the log", "\(inbox.routeRecordsWithoutInbox)"))
            rows.append(("  unexpected disconnects", "\(inbox.unexpectedDisconnects)"))
        }
        let records = inboxRecords.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        rows.append(("inbox records in the log", records.isEmpty ? "none" : records.joined(separator: ", ")))
        return rows
    }
}
