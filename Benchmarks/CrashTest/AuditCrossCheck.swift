import NexAudit
import NexWire

/// The audit log read back against what the clients were told: every message must have exactly one
/// accepted `publish` record, carrying the audit sequence of the ACK the client saw.
struct AuditCrossCheck: Sendable {
    /// A message whose log entries do not match its ACK.
    struct Finding: Sendable, CustomStringConvertible {
        var id: MessageID
        /// The audit sequence the client was told, if it was ACKed.
        var toldSequence: UInt64?
        /// The sequences of its accepted publish records.
        var loggedSequences: [UInt64]

        var description: String {
            "\(id): told audit-seq \(toldSequence.map(String.init) ?? "none"), log has accepted records \(loggedSequences)"
        }
    }

    /// Accepted publish records of the run's messages, and retry records (`duplicate` outcome).
    var acceptedRecords = 0
    var retryRecords = 0
    /// `repair` records: torn final records nexd cut off (or completed) when it restarted.
    var repairRecords = 0
    /// Accepted publish records for ids the run never sent.
    var foreignRecords = 0
    /// Messages ACKed and found exactly once, with the told sequence.
    var foundOnce = 0
    /// ACKed, but no accepted record.
    var missing: [Finding] = []
    /// More than one accepted record.
    var duplicates: [Finding] = []
    /// One accepted record, but not at the sequence the client was told.
    var wrongSequence: [Finding] = []
    /// Never ACKed (and not in the log either).
    var lost: [Finding] = []

    /// Reads every record of the log in `directory` and checks each message of `ledgers`; every
    /// record also goes to `inboxRoutes` (one pass over the log for both).
    /// - Throws: ``AuditError`` when the log cannot be read.
    static func check(directory: String, messages: [PreSignedMessages], ledgers: [PublisherLedger],
                      inboxRoutes: inout InboxRouteCheck) throws -> AuditCrossCheck {
        var check = AuditCrossCheck()
        var told: [String: (id: MessageID, sequence: UInt64?)] = [:]
        for (publisher, ledger) in zip(messages, ledgers) {
            for (index, id) in publisher.ids.enumerated() {
                told[id.description] = (id, ledger.acknowledgedSequence[index])
            }
        }
        var logged: [String: [UInt64]] = [:]
        try AuditReader(directory: directory).forEachRecord { record in
            inboxRoutes.apply(record)
            if record.event == AuditEvent.Kind.repair.rawValue { check.repairRecords += 1 }
            guard record.event == AuditEvent.Kind.publish.rawValue, let id = record.string("msg") else { return true }
            switch record.string("outcome") {
            case AuditEvent.Outcome.accepted.rawValue:
                guard told[id] != nil else { check.foreignRecords += 1; return true }
                check.acceptedRecords += 1
                logged[id, default: []].append(record.sequence ?? .max)
            case AuditEvent.Outcome.duplicate.rawValue:
                check.retryRecords += 1
            default:
                break
            }
            return true
        }
        for (key, message) in told {
            let finding = Finding(id: message.id, toldSequence: message.sequence, loggedSequences: logged[key] ?? [])
            switch (finding.loggedSequences.count, message.sequence) {
            case (0, nil): check.lost.append(finding)
            case (0, _): check.missing.append(finding)
            case (1, nil): check.lost.append(finding)
            case (1, let sequence?) where finding.loggedSequences[0] == sequence: check.foundOnce += 1
            case (1, _): check.wrongSequence.append(finding)
            default: check.duplicates.append(finding)
            }
        }
        for list in [\AuditCrossCheck.missing, \.duplicates, \.wrongSequence, \.lost] {
            check[keyPath: list].sort { $0.id < $1.id }
        }
        return check
    }

    /// Whether every message was found once with its ACK's sequence.
    var holds: Bool { missing.isEmpty && duplicates.isEmpty && wrongSequence.isEmpty && lost.isEmpty && foreignRecords == 0 }
}
