import Foundation

/// What a crash-test run measured and whether every check held.
struct CrashReport: Codable, Sendable {
    var kills = 0
    /// Kills that landed while publishes were awaiting an answer.
    var killsWithPublishesInFlight = 0
    /// Kills that landed while an inbox subscriber held deliveries it had not receipted.
    var killsWithInboxDeliveriesInFlight = 0
    /// Kills after every message was ACKed (no publish can be in flight; an unpaced run gets there early).
    var killsAfterLoad = 0
    /// The longest wait, after a kill's random delay, for publishes and inbox deliveries in flight.
    var longestKillMomentWaitMillis = 0
    /// Daemons started (the first, one per kill); the slowest start-to-listening time.
    var daemonStarts = 0
    var slowestStartMillis = 0
    var messages = 0
    var publishers = 0
    /// First sends per second per publisher (0: unpaced) and the in-flight window.
    var ratePerPublisher = 0.0
    var window = 0
    var acknowledgements = 0
    var resentMessages = 0
    var resentAnsweredWithOriginal = 0
    var resentAcceptedAnew = 0
    var probesSent = 0
    var probesAnsweredWithOriginal = 0
    var probesUnanswered = 0
    var nacks = 0
    var unexpectedDisconnects = 0
    /// The in-process verification: records walked, signatures re-verified, the problem if any.
    var logRecords = 0
    var logSignaturesVerified = 0
    var logProblem: String?
    /// Checkpoints with reason `sealed-after-crash`: one per kill that left records unsealed.
    var crashSeals = 0
    /// `nex audit verify`'s exit status (nil when no `nex` sits next to nexd).
    var nexAuditVerifyStatus: Int32?
    /// How the last nexd ended after SIGTERM ("exit status 0" is required).
    var finalExit = ""
    var acceptedRecords = 0
    var retryRecords = 0
    var repairRecords = 0
    var foundOnce = 0
    var duplicates = 0
    var wrongSequence = 0
    var missing = 0
    var lost = 0
    /// One row per durable border post.
    var inboxes: [Inbox] = []
    /// The log's `inbox` records for those inboxes, by reason (`receipted`, `redelivered`, `expired`).
    var inboxRecords: [String: Int] = [:]
    var seconds = 0.0
    var seed: UInt64 = 0
    /// One line per failed check (ids included), empty when the run passed.
    var failures: [String] = []
    /// `PASS` or `FAIL`, set by ``finish()`` (so the JSON carries it).
    var outcome = ""

    /// Sets ``outcome`` from the failures.
    mutating func finish() {
        outcome = passed ? "PASS" : "FAIL"
    }

    var passed: Bool { failures.isEmpty }

    /// The last line of the table; the executable tests look for it.
    var summary: String {
        "crash test: \(passed ? "PASS" : "FAIL") — \(kills) kills, \(messages) messages, \(foundOnce) found once, "
            + "\(duplicates) duplicates, \(missing) missing, \(lost) lost"
            + (inboxes.isEmpty ? "" : "; \(inboxes.count) inboxes, \(inboxLost) ACKed notices lost from inboxes")
    }

    /// A two-column table, the failures and the summary.
    var table: String {
        var rows: [(String, String)] = [
            ("kills (SIGKILL)", "\(kills)"),
            ("  with publishes awaiting an answer", "\(killsWithPublishesInFlight) of \(kills)"),
            ("  with inbox deliveries unreceipted", inboxes.isEmpty ? "no inbox subscribers" : "\(killsWithInboxDeliveriesInFlight) of \(kills)"),
            ("  after every message was ACKed", "\(killsAfterLoad)"),
            ("  longest wait for that moment", "\(longestKillMomentWaitMillis) ms after the random delay"),
            ("nexd starts (first + restarts)", "\(daemonStarts), slowest to listen \(slowestStartMillis) ms"),
            ("messages", "\(messages) from \(publishers) publishers, "
                + (ratePerPublisher > 0 ? String(format: "%.0f/s each", ratePerPublisher) : "unpaced") + ", window \(window)"),
            ("ACKs received (incl. re-ACKs)", "\(acknowledgements)"),
            ("messages re-sent after a kill", "\(resentMessages)"),
            ("  answered with the original ACK", "\(resentAnsweredWithOriginal)"),
            ("  accepted anew (not durable before the kill)", "\(resentAcceptedAnew)"),
            ("ACKed messages re-sent after a restart", "\(probesSent)"),
            ("  answered with the original ACK", "\(probesAnsweredWithOriginal)"),
            ("  unanswered (the next kill came first)", "\(probesUnanswered)"),
            ("NACKs", "\(nacks)"),
            ("unexpected disconnects", "\(unexpectedDisconnects)"),
            ("log verifies (NexAudit)", logProblem.map { "NO: \($0)" } ?? "yes, \(logRecords) records, \(logSignaturesVerified) signatures"),
            ("crashed runs sealed at the next start", "\(crashSeals)"),
            ("nex audit verify", nexAuditVerifyStatus.map { "exit status \($0)" } ?? "not run (no nex next to nexd)"),
            ("nexd after SIGTERM", finalExit),
            ("accepted publish records / retry records", "\(acceptedRecords) / \(retryRecords)"),
            ("torn tails repaired at a restart", "\(repairRecords)"),
            ("found once in the log, sequence as ACKed", "\(foundOnce)"),
            ("duplicates", "\(duplicates)"),
            ("wrong sequence", "\(wrongSequence)"),
            ("missing (ACKed, not in the log)", "\(missing)"),
            ("lost (never ACKed)", "\(lost)"),
        ]
        rows += inboxRows
        rows += [
            ("wall time", String(format: "%.1f s (seed %llu)", seconds, seed)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        var text = rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
        for failure in failures { text += "\nFAILED: " + failure }
        return text + "\n" + summary
    }

    /// The report as one JSON object.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
