import Foundation
import Logging
import NexAudit
import NexConfig
import NexCrypto

/// Reload (SIGHUP): config, roster, permissions, CA, server certificate and revocation list are
/// loaded and checked completely, then swapped in as one; a bad new config is refused and the old
/// one keeps running. Live sessions are re-evaluated at once. Every reload is audited.
extension NexDaemon {
    /// What a reload did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The new settings are in force; the summary is also in the log and the audit record.
        case applied(String)
        /// The new settings were refused (the reason); the old ones stay in force.
        case refused(String)
    }

    /// Re-reads the config file nexd was started with (`configuration.sourcePath`) and applies it.
    @discardableResult
    public func reload() -> ReloadOutcome {
        reloadQueue.sync {
            let path = context.configuration.sourcePath
            do {
                return apply(try DaemonConfiguration.load(path: path))
            } catch {
                return refuseReload("\(error)")
            }
        }
    }

    /// Applies `configuration` as a reload would (tests build configurations in code).
    @discardableResult
    public func reload(to configuration: DaemonConfiguration) -> ReloadOutcome {
        reloadQueue.sync { apply(configuration) }
    }

    /// Reload queue.
    private func apply(_ loaded: DaemonConfiguration) -> ReloadOutcome {
        let old = context.settings
        let plan = ConfigReload(running: old.configuration, loaded: loaded)
        let configuration = plan.effective
        let needRestart = plan.keptUntilRestart
        let settings: DaemonSettings
        do throws(DaemonError) {
            settings = try DaemonSettings.make(configuration, generation: old.generation + 1, replacing: old)
            // The running lists are checked already; this catches a CA switched back to with an old list.
            for entry in settings.revocationLists {
                try revocationListFloor.check(entry.list, of: entry.authority, listPath: entry.path,
                                              configPath: configuration.sourcePath)
            }
        } catch {
            return refuseReload(error.message)
        }
        let oldIDs = Set(old.configuration.roster.entries.map { $0.id })
        let newIDs = Set(configuration.roster.entries.map { $0.id })
        var parts = ["generation \(settings.generation) from \(configuration.sourcePath)",
                     "roster \(newIDs.count) nodes (+\(newIDs.subtracting(oldIDs).count) −\(oldIDs.subtracting(newIDs).count))"]
        let oldShare = old.configuration.limits.replayCacheShare(rosterSize: old.configuration.roster.entries.count)
        let newShare = configuration.limits.replayCacheShare(rosterSize: configuration.roster.entries.count)
        if newShare != oldShare {
            parts.append("replay cache share \(oldShare) → \(newShare) ids per node")
        }
        parts.append(settings.revocationSummary(withNextUpdate: true))
        if !plan.appliedToNewConnections.isEmpty {
            parts.append("applied to connections opened from now on: \(plan.appliedToNewConnections.joined(separator: ", "))")
        }
        if !needRestart.isEmpty {
            parts.append("unchanged until a restart: \(needRestart.joined(separator: ", "))")
        }
        let summary = parts.joined(separator: "; ")
        var event = AuditEvent(.reload, timeMillis: WallClock.nowMillis(), outcome: .accepted)
        event.detail = summary
        // The broker switches at one point of its queue and records the reload there: no publish of
        // a session the new settings end is accepted after the reload record.
        let broker = context.broker
        let context = self.context
        let verdicts = broker.queue.sync {
            // Swapped here, so a handshake that reads the new settings registers with a broker that
            // already judges by them.
            _ = context.replaceSettings(settings)
            return broker.applyReload(settings, record: event)
        }
        context.logger.notice("configuration reloaded", metadata: ["reload.summary": "\(summary)"])
        for entry in settings.revocationLists {
            do throws(DaemonError) {
                try revocationListFloor.raise(to: entry.list, of: entry.authority, trustRoots: settings.trustRoots)
            } catch {
                // The new list is in force all the same (revocations must not wait); only a restart
                // would not know to refuse an older one.
                context.logger.error("the CRL number in force could not be recorded; a restart would not refuse an older list", metadata: [
                    "error": "\(error.message)",
                ])
            }
        }
        if let failure = context.audit.failure {
            context.logger.error("the reload is in force but could not be recorded: the audit log cannot be written", metadata: [
                "error": "\(failure.code.rawValue)",
            ])
        }
        if !needRestart.isEmpty {
            context.logger.warning("some changed settings take effect only after a restart", metadata: [
                "keys": "\(needRestart.joined(separator: ", "))",
            ])
        }
        checkRevocationListExpiry()
        Self.warnIfAuditCertificateIsUntrusted(auditCertificate, under: settings, logger: context.logger)
        for connection in connectionsForReload() {
            if let verdict = verdicts[connection.id] {
                connection.apply(verdict)
            } else {
                // Not registered with the broker yet (or still in its handshake): judged on its queue.
                connection.reevaluate(under: settings)
            }
        }
        return .applied(summary)
    }

    private func refuseReload(_ reason: String) -> ReloadOutcome {
        var event = AuditEvent(.reload, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.reason = "invalid-config"
        event.detail = reason
        context.audit.append([event])
        context.logger.error("reload refused; the running configuration stays in force", metadata: ["error": "\(reason)"])
        return .refused(reason)
    }

    /// The restart-only keys of ``ConfigKeyTable`` (the listener, the audit log, the verification
    /// pool, the replay cache and the rate limiters are built from them at start-up): the new config
    /// keeps their running values, and the keys that differ are named (a section whose keys are all
    /// restart-only as a whole). See ``ConfigReload``.
    public static func keepingStartupSettings(of running: DaemonConfiguration,
                                       in loaded: DaemonConfiguration) -> (DaemonConfiguration, [String]) {
        let plan = ConfigReload(running: running, loaded: loaded)
        return (plan.effective, plan.keptUntilRestart)
    }

    /// Warns (at start and after each reload) when no root of `tls.ca` issued the audit certificate.
    /// Not refused: auditors pin the audit certificate itself. But nodes check an expire's signer
    /// against their CAs, which are nexd's: a CA rotation rotates the audit key too.
    static func warnIfAuditCertificateIsUntrusted(_ auditCertificate: Certificate?, under settings: DaemonSettings, logger: Logger) {
        guard let certificate = auditCertificate, certificate.issuer(among: settings.trustRoots) == nil else { return }
        logger.warning("the audit certificate is not issued by a CA of tls.ca: nodes that trust only those CAs cannot verify nexd's expire messages; issue a new audit key from the current CA (docs/OPERATIONS.md, rotating the CA)", metadata: [
            "audit.certificate": "\(settings.configuration.audit.certificate ?? "?")", "audit.issuer": "\(certificate.issuerDescription)",
        ])
    }

    /// Warns when a revocation list is about to expire, and shouts once it has: every handshake of
    /// its CA's nodes is then refused (`crl-expired`) until `nex pki crl --refresh` and a reload.
    func checkRevocationListExpiry() {
        let settings = context.settings
        for entry in settings.revocationLists {
            guard let nextUpdate = entry.list.nextUpdate else { continue }
            let remaining = nextUpdate.timeIntervalSinceNow
            let metadata: Logger.Metadata = [
                "crl.path": "\(entry.path)", "crl.ca": "\(settings.label(ofAuthority: entry.authority))", "crl.nextUpdate": "\(nextUpdate)",
            ]
            if remaining <= 0 {
                context.logger.critical("the revocation list has expired: every TLS handshake of its CA's nodes is refused (crl-expired) until it is re-signed (`nex pki crl --refresh --reload`)",
                                        metadata: metadata)
            } else if remaining < Double(settings.configuration.tls.crlWarn.components.seconds) {
                context.logger.warning("the revocation list expires soon; re-sign it (`nex pki crl --refresh --reload`) or every handshake of its CA's nodes will be refused",
                                       metadata: metadata.merging(["crl.hoursLeft": "\(Int(remaining / 3600))"]) { $1 })
            }
        }
    }
}
