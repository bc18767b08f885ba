import Foundation
import NexConfig
import NexCrypto

/// What the metrics endpoint reads from nexd when scraped (issue 18, D70): the counters kept as
/// things happen, and gauges worked out now from the settings in force and the audit log's state.
extension NexDaemon {
    /// The Prometheus text of a scrape (the metrics endpoint's queue).
    func scrape() -> String {
        let metrics = context.metrics
        let settings = context.settings
        let now = Date()
        let expiry = "Seconds until a certificate nexd relies on expires (server: its own; a CA of tls.ca by subject CN, with its key's fingerprint when two share a CN)."
        var gauges: [(name: String, labels: [(String, String)], value: Double, help: String)] = [
            ("nexd_up", [], 1, "1 while nexd runs."),
            ("nexd_build_info", [("version", NexVersion.current)], 1, "nexd's version."),
            ("nexd_settings_generation", [], Double(settings.generation), "1 at start, +1 per successful reload."),
            ("nexd_audit_writable", [], context.audit.failure == nil ? 1 : 0, "1 while the audit log can be written (0: failing closed)."),
            ("nexd_audit_sequence", [], Double(metrics.lastAuditSequence), "The audit log's last durable sequence number."),
            ("nexd_certificate_expiry_seconds", [("certificate", "server")], settings.serverCertificate.notValidAfter.timeIntervalSince(now), expiry),
        ]
        let sessions = metrics.sessionsByAuthority.withLock { $0 }
        var counted: Set<SHA256Digest> = []
        for root in settings.trustRoots {
            // Sessions are known by the root's key: a key in two roots (a renewed CA certificate) counts once.
            if counted.insert(root.publicKey.fingerprint).inserted {
                gauges.append(("nexd_sessions_by_ca", [("ca", settings.label(ofAuthority: root))], Double(sessions[root.publicKey.fingerprint] ?? 0),
                           "Sessions whose certificate a CA of tls.ca vouched for (sampled each second): who a CA rotation has still to move."))
            }
            gauges.append(("nexd_certificate_expiry_seconds", [("certificate", "ca:" + settings.label(ofAuthority: root))],
                           root.notValidAfter.timeIntervalSince(now), expiry))
        }
        for entry in settings.revocationLists {
            let ca = [("ca", settings.label(ofAuthority: entry.authority))]
            gauges.append(("nexd_crl_age_seconds", ca, now.timeIntervalSince(entry.list.thisUpdate),
                           "Seconds since the revocation list in force for a CA (by subject CN) was issued."))
            if let next = entry.list.nextUpdate {
                gauges.append(("nexd_crl_next_update_seconds", ca, next.timeIntervalSince(now),
                               "Seconds until a CA's revocation list's next update (past it every handshake of its nodes is refused)."))
            }
        }
        metrics.setScraped(gauges)
        return metrics.text()
    }

    /// Whether nexd is ready: listening, its audit log writable, its revocation list (if any) not past its next update.
    func readiness() -> MetricsRoutes.Readiness {
        var problems: [String] = []
        if !isAcceptingConnections { problems.append("not listening (stopping)") }
        if context.settings.serverCertificate.notValidAfter < Date() { problems.append("nexd's certificate has expired") }
        if let failure = context.audit.failure { problems.append("audit log not writable (\(failure.code.rawValue)): nexd fails closed") }
        for entry in context.settings.revocationLists {
            if let next = entry.list.nextUpdate, next < Date() {
                problems.append("revocation list \(entry.path) past its next update (\(next)): every handshake of its CA's nodes is refused")
            }
        }
        return .init(problems: problems)
    }
}
