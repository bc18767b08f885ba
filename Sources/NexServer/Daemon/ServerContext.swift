import Dispatch
import Logging
import NexAudit
import NexBroker
import NexConfig
import NexCrypto
import NexSync
import Synchronization

/// What every connection shares: immutable settings and the shared services. Created once per run.
final class ServerContext: Sendable {
    let audit: AuditLog
    let broker: Broker
    let logger: Logger
    /// What the metrics endpoint reports (counted whether or not it is enabled).
    let metrics: DaemonMetrics
    /// The configuration, TLS context and permissions in force; replaced whole by a reload.
    private let currentSettings: Locked<DaemonSettings>
    /// Verify signatures off the I/O queues: `limits.verificationThreads` serial queues (default one
    /// per core), fed round-robin so that even one publisher uses every core.
    let verificationQueues: [DispatchQueue]
    private let verificationTurn = Atomic<UInt64>(0)
    /// Verifies urgent publishes (D58): its own serial queue, so an urgent notice does not wait
    /// behind the routine checks already queued on the pool's queues; it competes with them for
    /// the cores instead (one more thread). Only kinds the validator lets be urgent reach it.
    let urgentVerificationQueue = DispatchQueue(label: "nex.verify.urgent", qos: .userInteractive)
    /// Connections accepted whose TLS handshake has not ended yet (capped separately, so peers
    /// that never authenticate cannot take every connection slot; the oldest is evicted at the cap).
    let pendingHandshakes = PendingHandshakeQueue<Connection>()
    /// Open connections per node (limits.maxConnectionsPerNode).
    let nodeConnections = PerNodeCounter()
    /// Subscriptions per node over all its connections (limits.maxSubscriptionsPerNode).
    let nodeSubscriptions = PerNodeCounter()
    /// Refusals recorded individually only up to a limit per source and interval: unauthenticated
    /// ones per address, refused publishes and subscribes per node.
    let refusals: RefusalAggregator
    /// limits.publishRatePerNode / publishBurstPerNode.
    let publishRate: PerNodeBudget
    /// limits.failedVerificationsPerSecondPerNode / failedVerificationsBurstPerNode.
    let failedVerifications: PerNodeBudget
    /// limits.connectsPerSecondPerNode / connectsBurstPerNode.
    let connectRate: ConnectRateLimit
    /// limits.subscribesPerSecondPerNode (burst: limits.maxSubscriptionsPerNode); read at each subscribe.
    let subscribeRate = SubscribeRateLimiter()
    /// Serial queues that connection queues target (about one per core), so a connect storm does not
    /// make libdispatch spawn a thread per connection.
    let ioQueues: [DispatchQueue]

    init(settings: DaemonSettings, audit: AuditLog, broker: Broker, refusals: RefusalAggregator, metrics: DaemonMetrics, logger: Logger) {
        let configuration = settings.configuration
        self.metrics = metrics
        self.currentSettings = Locked(settings)
        self.audit = audit
        self.broker = broker
        self.logger = logger
        self.refusals = refusals
        self.publishRate = PerNodeBudget(ratePerSecond: configuration.limits.publishRatePerNode,
                                         burst: configuration.limits.publishBurstPerNode)
        self.failedVerifications = PerNodeBudget(ratePerSecond: configuration.limits.failedVerificationsPerSecondPerNode,
                                                 burst: configuration.limits.failedVerificationsBurstPerNode)
        self.connectRate = ConnectRateLimit(ratePerSecond: configuration.limits.connectsPerSecondPerNode,
                                            burst: configuration.limits.connectsBurstPerNode)
        let cores = max(1, System.coreCount)
        let verifiers = configuration.limits.verificationThreads == 0 ? cores : configuration.limits.verificationThreads
        self.verificationQueues = (0..<verifiers).map { DispatchQueue(label: "nex.verify.\($0)", qos: MessagePath.qos) }
        self.ioQueues = (0..<cores).map { DispatchQueue(label: "nex.io.\($0)", qos: MessagePath.qos) }
    }
}

extension ServerContext {
    /// The settings in force now (a reload may replace them at any moment: read once per decision).
    /// Takes a process-wide lock: per-publish and per-delivery paths read their connection's
    /// generation (`Connection.settings`) instead.
    var settings: DaemonSettings { currentSettings.withLock { $0 } }

    /// The configuration in force now. Limits fixed at start-up (queues, rate limiter) keep their
    /// start-up values; see ``NexDaemon/reload()``.
    var configuration: DaemonConfiguration { settings.configuration }

    /// The limits in force now (a struct of numbers, behind the settings lock).
    var limits: DaemonConfiguration.Limits { settings.configuration.limits }

    /// Installs reloaded settings; returns the previous ones.
    func replaceSettings(_ new: DaemonSettings) -> DaemonSettings {
        currentSettings.withLock { current in
            let old = current
            current = new
            return old
        }
    }

    /// Waits until every publish handed to the verification pool has been verified and handled by
    /// the broker (its audit records appended). For shutdown.
    func drainPipeline() {
        for queue in verificationQueues + [urgentVerificationQueue] { queue.sync {} }
        broker.queue.sync {}
    }

    /// How many verification queues there are.
    var verifierCount: Int { verificationQueues.count }

    /// The next verification queue, round-robin over every publish of every connection.
    func nextVerificationQueue() -> DispatchQueue {
        let turn = verificationTurn.add(1, ordering: .relaxed).oldValue
        return verificationQueues[Int(turn % UInt64(verificationQueues.count))]
    }
}

extension ServerContext {
    /// Records an unauthenticated refusal, individually or (past the per-source limit) only
    /// counted for the interval's summary record. `log` runs only for recorded ones.
    func recordRefusal(_ event: AuditEvent, peer: String, log: () -> Void) {
        switch refusals.note(reason: event.reason ?? "refused", peer: peer) {
        case .record:
            // The detail may quote the peer (a TLS error, a certificate subject): bounded.
            audit.append([event.boundedForRefusal()])
            log()
        case .count(let isFirstSuppressed):
            if isFirstSuppressed {
                logger.warning("refusal flood: further refusals from this source are counted, not recorded one by one", metadata: [
                    "peer.addr": "\(RefusalAggregator.address(of: peer))", "reason": "\(event.reason ?? "")",
                ])
            }
        }
    }

    /// Writes one summary record per source whose refusals were only counted this interval.
    func recordRefusalSummaries() {
        let now = WallClock.nowMillis()
        let events = refusals.drainSuppressed().map { entry -> AuditEvent in
            let key = entry.key
            var event = AuditEvent(key.event, timeMillis: now, outcome: .refused)
            event.reason = key.reason
            event.count = UInt64(entry.suppressed)
            if key.event == .connect {
                event.peer = key.source
                event.detail = "\(entry.suppressed) more refusals (\(key.reason)) from \(key.source) this interval, counted, not recorded one by one"
            } else {
                // Refused publishes and subscribes of an identified node: the source is its id.
                event.node = key.source
                event.detail = "\(entry.suppressed) more \(key.event.rawValue) refusals (\(key.reason)) from node \(key.source) this interval, counted, not recorded one by one"
            }
            return event
        }
        if !events.isEmpty { audit.append(events) }
    }
}

/// Machine facts.
enum System {
    /// Online processor count.
    static var coreCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
