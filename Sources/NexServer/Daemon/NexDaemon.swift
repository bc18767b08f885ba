import Dispatch
import Foundation
import Logging
import NexAudit
import NexConfig
import NexCrypto
import NexSync
import NexWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The NoticeExchange daemon: listens for mutual-TLS connections from roster nodes, verifies every
/// notice, routes it and records everything in the audit log.
///
/// Create it with a validated ``DaemonConfiguration``, call ``start()`` and keep the process alive
/// (`dispatchMain()` in `nexd`); ``stop()`` closes every connection and the audit log. Tests run it in
/// process on port 0.
public final class NexDaemon: @unchecked Sendable {
    let context: ServerContext
    private let listenerQueue = DispatchQueue(label: "nex.listener")
    private var listener: ListeningSocket?
    private var acceptSource: DispatchSourceRead?
    private let nextConnectionID = Atomic<UInt64>(1)
    private let liveConnections = Atomic<Int>(0)
    /// Serialises ``stop()``; `isStopped` is confined to it.
    /// At the message path's QoS: a stop runs blocks on the broker queue with `sync` (D77).
    private let stopQueue = DispatchQueue(label: "nex.stop", qos: MessagePath.qos)
    private var isStopped = false
    /// Writes the refusal-flood summaries every `limits.refusalIntervalSeconds` (listener queue).
    private var refusalTimer: DispatchSourceTimer?
    /// Listener-queue state: whether the accept source is suspended after EMFILE.
    private var isAcceptPaused = false
    /// Every live connection, handshaking or open (for shutdown, reloads and checkpoint broadcasts).
    private let registry: ConnectionRegistry
    /// Serialises reloads.
    /// At the message path's QoS: a reload holds the broker queue through `sync` while it applies
    /// the new settings, and must not do so on a lower-weighted thread (D77).
    let reloadQueue = DispatchQueue(label: "nex.reload", qos: MessagePath.qos)
    /// Checks the revocation list's next-update date hourly (listener queue).
    private var revocationListTimer: DispatchSourceTimer?
    /// The metrics and health endpoint, when `metrics.enabled` (set by ``start()``).
    private let metricsEndpoint = Locked<MetricsEndpoint?>(nil)
    /// Samples the state on other queues once a second, when `metrics.enabled`.
    private let metricsSampler = Locked<MetricsSampler?>(nil)
    /// Whether nexd accepts connections (between ``start()`` and ``stop()``), for `/readyz`.
    private let isListening = Atomic<Bool>(false)
    /// The highest CRL number put in force so far per CA, and the serials it revoked, kept in the
    /// audit directory across restarts.
    let revocationListFloor: RevocationListFloor
    /// The certificate of the audit key (checkpoints, expire messages), if one is configured.
    let auditCertificate: Certificate?

    /// Loads the TLS identity, opens the audit log (repairing a torn tail) and rebuilds the replay
    /// cache. Does not listen yet.
    /// - Throws: ``DaemonError`` with a message naming the file or key at fault.
    public init(configuration: DaemonConfiguration, logger: Logger) throws(DaemonError) {
        // OpenSSL's socket BIO writes with plain write(): a peer that vanishes must not kill the
        // process with SIGPIPE (the write fails with EPIPE instead). Process-wide, and nexd's need.
        signal(SIGPIPE, SIG_IGN)
        let settings = try DaemonSettings.make(configuration, generation: 1)
        // Before the audit log opens (and repairs anything): an older list than nexd has used stops it here.
        let floor = RevocationListFloor(auditDirectory: configuration.audit.directory)
        for entry in settings.revocationLists {
            try floor.check(entry.list, of: entry.authority, listPath: entry.path, configPath: configuration.sourcePath)
        }
        if settings.revocationLists.isEmpty { try floor.checkListNotUnset(trustRoots: settings.trustRoots, configPath: configuration.sourcePath) }
        revocationListFloor = floor
        let now = WallClock.nowMillis()
        var auditConfiguration = AuditLog.Configuration(directory: configuration.audit.directory)
        auditConfiguration.segmentMaximumBytes = configuration.audit.segmentMaxBytes
        auditConfiguration.synchronizesWrites = configuration.audit.fsync
        auditConfiguration.checkpointSigner = try Self.makeCheckpointSigner(configuration)
        auditCertificate = auditConfiguration.checkpointSigner?.certificate
        if let path = configuration.audit.previousCertificates {
            do {
                auditConfiguration.previousAuditCertificates = try Certificate.certificates(pemFile: path)
            } catch {
                throw DaemonError("cannot load the earlier audit certificates \(path) (\(configuration.sourcePath): audit.previousCertificates): \(error)")
            }
            guard !auditConfiguration.previousAuditCertificates.isEmpty else {
                throw DaemonError("no certificate in \(path) (\(configuration.sourcePath): audit.previousCertificates)")
            }
        }
        auditConfiguration.certificateAuthorities = settings.trustRoots
        auditConfiguration.checkpointEveryRecords = configuration.audit.checkpointEveryRecords
        auditConfiguration.checkpointInterval = configuration.audit.checkpointInterval
        auditConfiguration.recoveryRetryInterval = configuration.audit.recoveryRetry
        let audit: AuditLog
        do {
            audit = try AuditLog(configuration: auditConfiguration, nowMillis: now)
        } catch {
            throw DaemonError("\(error.message) (\(configuration.sourcePath): audit.directory)")
        }
        // Written once the audit directory's lock is held: this nexd is the file's only writer.
        for entry in settings.revocationLists {
            try floor.raise(to: entry.list, of: entry.authority, trustRoots: settings.trustRoots)
        }
        let unmatched = try floor.unmatchedLegacyKeys(trustRoots: settings.trustRoots)
        if !unmatched.isEmpty {
            logger.warning("crl-floor has lines keyed by a CA certificate fingerprint that no certificate of tls.ca has; they are kept but hold no CA to its floor", metadata: [
                "crlFloor.path": "\(floor.path)", "crlFloor.unmatched": "\(unmatched.joined(separator: ", "))",
            ])
        }
        audit.onHealthChange { failure in
            if let failure {
                logger.error("audit log cannot be written; failing closed", metadata: ["error": "\(failure.message)"])
            } else {
                logger.notice("audit log writable again; repair recorded")
            }
        }
        audit.onRotationProblem { problem in
            if let problem {
                logger.warning("audit segment rotation failed; the log stays writable and the current segment grows until a retry succeeds",
                               metadata: ["detail": "\(problem)"])
            } else {
                logger.notice("audit segment rotation works again")
            }
        }
        if !audit.recovery.tightenedPermissions.isEmpty {
            logger.warning("audit files were readable by group or others; restricted to the owner", metadata: [
                "audit.changes": "\(audit.recovery.tightenedPermissions.map(\.description).joined(separator: "; "))",
            ])
        }
        if let sealed = audit.sealedAfterCrash {
            logger.warning("audit log: records a crashed run left were re-verified and sealed with a checkpoint", metadata: [
                "audit.sealed": "\(sealed.first)…\(sealed.last)",
            ])
        }
        if audit.recovery.tornBytes > 0 {
            logger.warning("audit log had a torn final record; cut off and recorded", metadata: [
                "audit.tornBytes": "\(audit.recovery.tornBytes)",
            ])
        }
        let registry = ConnectionRegistry()
        self.registry = registry
        let refusals = RefusalAggregator(individualLimit: configuration.limits.refusalsRecordedPerSource)
        let metrics = DaemonMetrics(auditSequence: audit.currentSequence)
        audit.onBatchWritten { records, sync, last in metrics.auditBatchWritten(records: records, sync: sync, lastSequence: last) }
        let broker = Broker(audit: audit, auditDirectory: configuration.audit.directory,
                            replayWindow: configuration.limits.replayWindow,
                            replayCapacity: configuration.limits.replayCacheEntries,
                            replaySharePerNode: configuration.limits.replayCacheShare(rosterSize: configuration.roster.entries.count),
                            refusals: refusals, settings: settings, connections: registry,
                            metrics: metrics, logger: logger)
        // nexd's expire messages are signed with the audit key (D61); without a fit one, expires_at is refused.
        if let signer = auditConfiguration.checkpointSigner {
            let roster = Set(configuration.roster.entries.map(\.id))
            if let problem = ExpirySigner.problem(with: signer, roster: roster) {
                logger.warning("records will not expire: the audit key cannot sign expire messages, so publishes with expires_at are refused", metadata: [
                    "detail": "\(problem) (\(configuration.sourcePath): audit.certificate)",
                ])
            }
            broker.expirySigner = ExpirySigner(signer, roster: roster)
        }
        Self.warnIfAuditCertificateIsUntrusted(auditConfiguration.checkpointSigner?.certificate, under: settings, logger: logger)
        do {
            let restored = try broker.queue.sync {
                try broker.rebuildReplayCache(from: configuration.audit.directory, nowMillis: now)
            }
            logger.info("replay cache rebuilt from the audit log", metadata: ["replay.restored": "\(restored)"])
        } catch {
            throw DaemonError("cannot read the audit log to rebuild the replay cache: \(error)")
        }
        do {
            let waiting = try broker.queue.sync { try broker.rebuildInboxes(from: configuration.audit.directory) }
            if waiting.inboxes > 0 {
                logger.info("durable inboxes rebuilt from the audit log", metadata: [
                    "inbox.count": "\(waiting.inboxes)", "inbox.waiting": "\(waiting.entries)",
                ])
            }
            for problem in waiting.problems {
                logger.error("durable inbox not rebuilt in full", metadata: ["detail": "\(problem)"])
            }
            let pendingExpiries = broker.queue.sync { broker.expirySigner == nil ? broker.registry.pendingExpiryCount : 0 }
            if pendingExpiries > 0 {
                logger.error("records accepted with expires_at will not expire: no audit key fit to sign their expire (audit.key, audit.certificate)",
                             metadata: ["expiry.pending": "\(pendingExpiries)"])
            }
        } catch {
            throw DaemonError("cannot read the audit log to rebuild the durable inboxes: \(error)")
        }
        context = ServerContext(settings: settings, audit: audit, broker: broker, refusals: refusals, metrics: metrics, logger: logger)
        // Every new checkpoint goes to every connected node, which may keep it as a witness.
        audit.onCheckpoint { checkpoint in
            let encoded = checkpoint.encoded()
            for connection in registry.all { connection.pushCheckpoint(encoded) }
        }
    }

    private static func makeCheckpointSigner(_ configuration: DaemonConfiguration) throws(DaemonError) -> CheckpointSigner? {
        guard let keyPath = configuration.audit.key, let certificatePath = configuration.audit.certificate else {
            return nil
        }
        do {
            let key = try PrivateKey(pemFile: keyPath)
            guard let certificate = try Certificate.certificates(pemFile: certificatePath).first else {
                throw DaemonError("no certificate in \(certificatePath) (\(configuration.sourcePath): audit.certificate)")
            }
            guard certificate.publicKey == key.publicKey else {
                throw DaemonError("\(keyPath) is not the key of \(certificatePath) (\(configuration.sourcePath): audit.key)")
            }
            return CheckpointSigner(key: key, certificate: certificate)
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError("cannot load the audit signing key \(keyPath) or certificate \(certificatePath) (\(configuration.sourcePath): audit.key, audit.certificate): \(error)")
        }
    }

    /// Loads the TLS files the way ``init(configuration:logger:)`` does, and checks the revocation
    /// list against the highest CRL number nexd has used (for `--check-config`).
    /// - Throws: ``DaemonError`` naming the file and key.
    public static func tlsContextCheck(_ configuration: DaemonConfiguration) throws(DaemonError) -> Bool {
        let settings = try DaemonSettings.make(configuration, generation: 0)
        let floor = RevocationListFloor(auditDirectory: configuration.audit.directory)
        for entry in settings.revocationLists {
            try floor.check(entry.list, of: entry.authority, listPath: entry.path, configPath: configuration.sourcePath)
        }
        return true
    }

    /// Every live connection, for re-evaluation after a reload.
    func connectionsForReload() -> [Connection] { registry.all }

    /// The port of the metrics endpoint (after ``start()``, when `metrics.enabled`).
    public var metricsPort: UInt16? { metricsEndpoint.withLock { $0?.port } }

    /// Between ``start()`` and ``stop()``.
    var isAcceptingConnections: Bool { isListening.load(ordering: .relaxed) }

    /// The port nexd listens on (after ``start()``).
    public var port: UInt16? { listenerQueue.sync { listener?.port } }

    /// The audit log nexd writes (tests flush it before reading).
    public var auditLog: AuditLog { context.audit }

    /// Binds the listen address and starts accepting. Returns the bound port.
    /// - Throws: ``DaemonError`` when the address cannot be bound.
    @discardableResult
    public func start() throws(DaemonError) -> UInt16 {
        let configuration = context.configuration
        let socket = try ListeningSocket.bind(host: configuration.listen.host, port: configuration.listen.port)
        if configuration.metrics.enabled {
            if configuration.metrics.port != 0, configuration.metrics.port == socket.port, configuration.metrics.host == configuration.listen.host {
                Glibc.close(socket.fileDescriptor)
                throw DaemonError("metrics.port \(configuration.metrics.port) is listen.port too (\(configuration.sourcePath)): give the metrics endpoint a port of its own")
            }
            let endpoint: MetricsEndpoint
            do {
                endpoint = try MetricsEndpoint(host: configuration.metrics.host, port: configuration.metrics.port,
                                               metrics: { [weak self] in self?.scrape() ?? "" },
                                               readiness: { [weak self] in self?.readiness() ?? .init(problems: ["nexd is stopping"]) })
            } catch {
                Glibc.close(socket.fileDescriptor)
                throw error
            }
            metricsEndpoint.withLock { $0 = endpoint }
        }
        var event = AuditEvent(.start, timeMillis: WallClock.nowMillis())
        event.detail = "nexd \(NexVersion.current) listening on \(configuration.listen.host):\(socket.port), config \(configuration.sourcePath), \(context.settings.revocationSummary())"
        context.audit.append([event])
        let broker = context.broker
        broker.queue.async {
            broker.startInboxExpiry()
            broker.startRecordExpiry()
        }
        listenerQueue.sync {
            listener = socket
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fileDescriptor, queue: listenerQueue)
            source.setEventHandler { [unowned self] in self.acceptPending() }
            source.setCancelHandler { Glibc.close(socket.fileDescriptor) }
            acceptSource = source
            source.activate()
        }
        let interval = context.limits.refusalInterval
        let summaries = DispatchSource.makeTimerSource(queue: listenerQueue)
        summaries.schedule(deadline: .now() + .seconds(Int(interval.components.seconds)),
                           repeating: .seconds(Int(interval.components.seconds)))
        let context = self.context
        summaries.setEventHandler { context.recordRefusalSummaries() }
        summaries.activate()
        listenerQueue.sync { refusalTimer = summaries }
        if context.settings.revocationLists.isEmpty {
            context.logger.warning("tls.crl is not set: revoked certificates are not refused (set it to the CA's revocation list)")
        }
        checkRevocationListExpiry()
        let expiryCheck = DispatchSource.makeTimerSource(queue: listenerQueue)
        expiryCheck.schedule(deadline: .now() + .seconds(3600), repeating: .seconds(3600))
        expiryCheck.setEventHandler { [weak self] in self?.checkRevocationListExpiry() }
        expiryCheck.activate()
        listenerQueue.sync { revocationListTimer = expiryCheck }
        isListening.store(true, ordering: .relaxed)
        if let endpoint = metricsEndpoint.withLock({ $0 }) {
            let registry = self.registry
            let sampler = MetricsSampler(metrics: context.metrics, broker: context.broker, connections: { registry.all })
            metricsSampler.withLock { $0 = sampler }
            sampler.start()
            endpoint.start()
            context.logger.notice("metrics endpoint listening", metadata: [
                "metrics.addr": "\(configuration.metrics.host):\(endpoint.port)", "metrics.paths": "/metrics /healthz /readyz",
            ])
        }
        context.logger.notice("nexd listening", metadata: [
            "listen.addr": "\(configuration.listen.host):\(socket.port)", "roster.size": "\(configuration.roster.entries.count)",
            "audit.dir": "\(configuration.audit.directory)", "audit.seq": "\(context.audit.currentSequence)",
        ])
        return socket.port
    }

    /// Accepts until EAGAIN (listener queue).
    private func acceptPending() {
        guard let listener else { return }
        acceptLoop: while true {
            let fd: Int32
            let peer: String
            switch listener.accept() {
            case .none:
                return
            case .failed:
                continue acceptLoop
            case .exhausted(let code):
                pauseAccepting(reason: code)
                return
            case .connection(let acceptedFD, let acceptedPeer):
                fd = acceptedFD
                peer = acceptedPeer
            }
            let id = nextConnectionID.add(1, ordering: .relaxed).oldValue
            let limits = context.limits
            let refusal: (String, String)? =
                if liveConnections.load(ordering: .relaxed) >= limits.maxConnections {
                    ("too-many-connections", "limits.maxConnections (\(limits.maxConnections)) reached")
                } else {
                    nil
                }
            if let (reason, detail) = refusal {
                var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
                event.connection = id
                event.peer = peer
                event.reason = reason
                event.detail = detail
                context.recordRefusal(event, peer: peer) {
                    context.logger.warning("connection refused", metadata: ["peer.addr": "\(peer)", "reason": "\(reason)"])
                }
                Glibc.close(fd)
                continue
            }
            do {
                let connection = try Connection(id: id, fileDescriptor: fd, peer: peer, context: context)
                liveConnections.add(1, ordering: .relaxed)
                // At the cap the oldest pending handshake makes room: stalled peers cannot lock
                // out a node whose handshake would take milliseconds.
                while context.pendingHandshakes.count >= limits.maxPendingHandshakes,
                      let oldest = context.pendingHandshakes.removeOldest() {
                    oldest.element.evictPendingHandshake()
                }
                context.pendingHandshakes.insert(connection, id: id)
                registry.insert(connection)
                connection.onClosed = { [weak self] in
                    self?.liveConnections.subtract(1, ordering: .relaxed)
                    self?.registry.remove(id)
                }
                connection.start()
            } catch {
                context.logger.error("cannot create a TLS session", metadata: ["error": "\(error)"])
                Glibc.close(fd)
            }
        }
    }

    /// Out of descriptors: pause the (level-triggered) accept source for a moment instead of spinning.
    private func pauseAccepting(reason code: Int32) {
        guard let acceptSource, !isAcceptPaused else { return }
        isAcceptPaused = true
        acceptSource.suspend()
        context.logger.error("cannot accept connections; pausing accept for 100 ms", metadata: [
            "errno": "\(code)", "connections": "\(liveConnections.load(ordering: .relaxed))",
        ])
        listenerQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
            guard let self, self.isAcceptPaused else { return }
            self.isAcceptPaused = false
            self.acceptSource?.resume()
        }
    }

    /// Stops nexd in order: stop accepting and reading; drain every publish already read through
    /// verification, the broker and the audit log, so each gets its answer; send what the sockets
    /// take; close every connection; record the stop and close the audit log.
    ///
    /// Safe to call more than once and from several threads: a second call waits for the first.
    public func stop() {
        stopQueue.sync {
            guard !isStopped else { return }
            isStopped = true
            // /readyz says "stopping" while nexd drains; the endpoint itself goes last.
            isListening.store(false, ordering: .relaxed)
            metricsSampler.withLock { $0 }?.stop()
            listenerQueue.sync {
                if isAcceptPaused {
                    isAcceptPaused = false
                    acceptSource?.resume()
                }
                acceptSource?.cancel()
                acceptSource = nil
                refusalTimer?.cancel()
                refusalTimer = nil
                revocationListTimer?.cancel()
                revocationListTimer = nil
            }
            let connections = registry.all
            for connection in connections {
                connection.queue.sync { connection.setReading(suspended: true, for: .closing) }
            }
            let broker = context.broker
            broker.queue.sync {
                broker.stopInboxExpiry()
                broker.stopRecordExpiry()
            }
            context.drainPipeline()
            // Completions of durable records enqueue their answers and deliveries on the connection
            // queues; a checkpoint covering everything so far goes out before the connections close.
            context.recordRefusalSummaries()
            context.audit.flush()
            context.audit.writeCheckpointNow()
            for connection in connections {
                connection.queue.sync { connection.sayGoodbye() }
            }
            // A moment for the goodbye frames to leave; a peer that does not read is not waited for.
            let deadline = ContinuousClock.now + .milliseconds(500)
            while ContinuousClock.now < deadline,
                  connections.contains(where: { connection in connection.queue.sync { connection.hasPendingGoodbye } }) {
                Thread.sleep(forTimeInterval: 0.01)
            }
            for connection in connections {
                connection.queue.sync { connection.close(reason: "nexd is stopping") }
            }
            var event = AuditEvent(.stop, timeMillis: WallClock.nowMillis())
            event.detail = "nexd stopped"
            context.audit.append([event])
            context.audit.close()
            metricsEndpoint.withLock { $0 }?.stop()
            context.logger.notice("nexd stopped")
        }
    }
}
