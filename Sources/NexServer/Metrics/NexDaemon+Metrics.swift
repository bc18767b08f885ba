import Foundation
import NexConfig

/// What the metrics endpoint reads from nexd when scraped (issue 18, D70): the counters kept as
/// things happen, and gauges worked out now from the settings in force and the audit log's state.
extension NexDaemon {
    /// The Prometheus text of a scrape (the metrics endpoint's queue).
    func scrape() -> String {
        let metrics = context.metrics
        let settings = context.settings
        let now = Date()
        metrics.set("nexd_up", to: 1, help: "1 while nexd runs.")
        metrics.set("nexd_build_info", labels: [("version", NexVersion.current)], to: 1, help: "nexd's version.")
        metrics.set("nexd_settings_generation", to: Double(settings.generation), help: "1 at start, +1 per successful reload.")
        metrics.set("nexd_audit_writable", to: context.audit.failure == nil ? 1 : 0, help: "1 while the audit log can be written (0: failing closed).")
        metrics.set("nexd_audit_sequence", to: Double(context.audit.currentSequence), help: "The audit log's last sequence number.")
        if let list = settings.revocationList {
            metrics.set("nexd_crl_age_seconds", to: now.timeIntervalSince(list.thisUpdate), help: "Seconds since the revocation list in force was issued.")
            if let next = list.nextUpdate {
                metrics.set("nexd_crl_next_update_seconds", to: next.timeIntervalSince(now),
                            help: "Seconds until the revocation list's next update (past it every handshake is refused).")
            }
        }
        metrics.set("nexd_certificate_expiry_seconds", labels: [("certificate", "server")],
                    to: settings.serverCertificate.notValidAfter.timeIntervalSince(now), help: "Seconds until a certificate nexd relies on expires.")
        for (index, root) in settings.trustRoots.enumerated() {
            metrics.set("nexd_certificate_expiry_seconds", labels: [("certificate", "ca\(index + 1)")],
                        to: root.notValidAfter.timeIntervalSince(now), help: "Seconds until a certificate nexd relies on expires.")
        }
        return metrics.text()
    }

    /// Whether nexd is ready: listening, its audit log writable, its revocation list (if any) not past its next update.
    func readiness() -> MetricsRoutes.Readiness {
        var problems: [String] = []
        if !isAcceptingConnections { problems.append("not listening") }
        if let failure = context.audit.failure { problems.append("audit log not writable (\(failure.code.rawValue)): nexd fails closed") }
        if let next = context.settings.revocationList?.nextUpdate, next < Date() {
            problems.append("revocation list past its next update (\(next)): every handshake is refused")
        }
        return .init(problems: problems)
    }
}
