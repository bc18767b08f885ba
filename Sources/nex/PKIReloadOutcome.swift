import Foundation
import NexAudit

extension NexdReload {
    /// nexd's verdict on a reload, as its audit log records it.
    enum Outcome: Equatable {
        /// The new configuration, CA and list are in force (the record's detail).
        case accepted(String)
        /// nexd kept its previous configuration (the record's reason and detail).
        case refused(reason: String, detail: String)
        /// No reload record appeared; the sentence says what is known.
        case unknown(String)
    }

    /// Waits up to `timeout` for the first `reload` record that nexd `pid` appends to its audit log
    /// in `auditDirectory` at or after `sinceMillis` (taken just before the signal), polling the
    /// newest segments. Stops early when nexd is no longer running.
    static func awaitOutcome(auditDirectory: String, pid: Int32, sinceMillis: Int64, timeout: Duration) -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var problem = ""
        while true {
            do {
                if let outcome = try firstReload(in: auditDirectory, sinceMillis: sinceMillis) { return outcome }
                problem = ""
            } catch {
                problem = " (cannot read it: \(error))"
            }
            guard isNexd(pid) else {
                return .unknown("nexd (pid \(pid)) is no longer running and wrote no reload record to \(auditDirectory)\(problem): see its log")
            }
            guard ContinuousClock.now < deadline else {
                return .unknown("nexd (pid \(pid)) wrote no reload record to its audit log \(auditDirectory) within \(timeout)\(problem), so whether it uses the new list is unknown: see its log")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The first reload record at or after `sinceMillis` in the two newest segments (a reload may
    /// land just after a segment rotation), or `nil`.
    private static func firstReload(in directory: String, sinceMillis: Int64) throws -> Outcome? {
        let reader = AuditReader(directory: directory)
        let segments = Array(try reader.segments().suffix(2))
        var found: Outcome?
        try reader.forEachRecord(in: segments) { record in
            guard record.event == "reload", let time = record.timeMillis, time >= sinceMillis else { return true }
            found = record.string("outcome") == "accepted"
                ? .accepted(record.string("detail") ?? "")
                : .refused(reason: record.string("reason") ?? "unknown", detail: record.string("detail") ?? "")
            return false
        }
        return found
    }
}
