import NexBroker

/// Everything `nexd` reads from its config file. Every scalar key, its type, range, default and what
/// a reload does with it is declared once in ``ConfigKeyTable`` (the initial values below come from
/// there) and annotated in place in the default config, Config/nexd.yaml.
///
/// Relative paths are relative to the working directory (the README runs from the repository root).
public struct DaemonConfiguration: Sendable {
    /// Where the daemon listens.
    public struct Listen: Sendable, Equatable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        /// Address to bind.
        public var host: String = ConfigKeyTable.Listen.host.defaultValue
        /// 0 picks an ephemeral port (tests).
        public var port: UInt16 = ConfigKeyTable.Listen.port.defaultValue
    }

    /// The daemon's TLS identity and the CA that issues node certificates.
    public struct TLSFiles: Sendable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        public var ca: String = ConfigKeyTable.TLS.ca.defaultValue
        public var certificate: String = ConfigKeyTable.TLS.certificate.defaultValue
        public var key: String = ConfigKeyTable.TLS.key.defaultValue
        /// The certificate revocation lists (PEM files), one per CA of ``ca``, checked on every
        /// handshake and re-read on reload; empty = revocation is not checked (nexd warns). A list
        /// past its next-update date refuses the handshakes of its CA's nodes (`crl-expired`).
        public var crl: [String] = ConfigKeyTable.TLS.crl.defaultValue
        /// nexd warns once a revocation list expires within this long.
        public var crlWarn: Duration = ConfigKeyTable.TLS.crlWarnDays.defaultValue
    }

    /// The audit log.
    public struct Audit: Sendable, Equatable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        public var directory: String = ConfigKeyTable.Audit.directory.defaultValue
        public var segmentMaxBytes: Int = ConfigKeyTable.Audit.segmentMaxBytes.defaultValue
        public var fsync: Bool = ConfigKeyTable.Audit.fsync.defaultValue
        /// The key and certificate that sign checkpoints; nil = no checkpoints (tests only).
        public var key: String? = ConfigKeyTable.Audit.key.defaultValue
        public var certificate: String? = ConfigKeyTable.Audit.certificate.defaultValue
        /// Certificates of earlier audit keys (PEM, several), after a rotation of the audit key.
        public var previousCertificates: String? = ConfigKeyTable.Audit.previousCertificates.defaultValue
        /// A checkpoint is written after this many records, or this long, whichever comes first.
        public var checkpointEveryRecords: Int = ConfigKeyTable.Audit.checkpointEveryRecords.defaultValue
        public var checkpointInterval: Duration = ConfigKeyTable.Audit.checkpointIntervalSeconds.defaultValue
        /// While the log cannot be written, how often nexd tries to record the repair and resume.
        public var recoveryRetry: Duration = ConfigKeyTable.Audit.recoveryRetryMilliseconds.defaultValue
    }

    /// Protocol and resource limits.
    public struct Limits: Sendable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        /// The replay-cache share of one node: `replayCacheEntriesPerNode` if set, else
        /// `replayCacheEntries` ÷ `rosterSize` (at least 1), so that the shares of the roster nodes
        /// together fit the cache and no node's flood can fill it for the others.
        ///
        /// A node whose share is full gets `overloaded`; its sustained rate is therefore bounded by
        /// share ÷ (2 × replayWindow) publishes per second (docs/PROTOCOL.md §3).
        public func replayCacheShare(rosterSize: Int) -> Int {
            replayCacheEntriesPerNode ?? max(1, replayCacheEntries / max(1, rosterSize))
        }

        public var maxFrameBytes: Int = ConfigKeyTable.Limits.maxFrameBytes.defaultValue
        public var maxSubscriptionsPerConnection: Int = ConfigKeyTable.Limits.maxSubscriptionsPerConnection.defaultValue
        public var replayWindow: Duration = ConfigKeyTable.Limits.replayWindowSeconds.defaultValue
        public var replayCacheEntries: Int = ConfigKeyTable.Limits.replayCacheEntries.defaultValue
        /// Message ids one node may have remembered at once (its share of the replay cache); nil =
        /// `replayCacheEntries` ÷ the number of roster nodes, divided again at each reload (see ``replayCacheShare(rosterSize:)``).
        public var replayCacheEntriesPerNode: Int? = ConfigKeyTable.Limits.replayCacheEntriesPerNode.defaultValue
        public var outboundBufferBytes: Int = ConfigKeyTable.Limits.outboundBufferBytes.defaultValue
        public var maxConnections: Int = ConfigKeyTable.Limits.maxConnections.defaultValue
        /// Worker threads that verify signatures; 0 = one per core.
        public var verificationThreads: Int = ConfigKeyTable.Limits.verificationThreads.defaultValue
        /// Unauthenticated refusals recorded one by one per source address and interval; the rest
        /// are counted into one summary record per interval.
        public var refusalsRecordedPerSource: Int = ConfigKeyTable.Limits.refusalsRecordedPerSource.defaultValue
        public var refusalInterval: Duration = ConfigKeyTable.Limits.refusalIntervalSeconds.defaultValue
        /// Publishes per second one node may make (token bucket over all its connections; 0 = no
        /// limit) and the burst it may save up.
        public var publishRatePerNode: Int = ConfigKeyTable.Limits.publishRatePerNode.defaultValue
        public var publishBurstPerNode: Int = ConfigKeyTable.Limits.publishBurstPerNode.defaultValue
        /// Signature checks that may fail per second for one node (token bucket over all its
        /// connections; 0 = no limit) and the burst it may save up. While a node's budget is spent
        /// its publishes are refused (`overloaded`) before their signature is checked.
        public var failedVerificationsPerSecondPerNode: Int = ConfigKeyTable.Limits.failedVerificationsPerSecondPerNode.defaultValue
        public var failedVerificationsBurstPerNode: Int = ConfigKeyTable.Limits.failedVerificationsBurstPerNode.defaultValue
        /// Byte-identical re-sends (answered with the original ACK, one `duplicate` record each)
        /// one node may make a second (budget over all its connections; 0 = no limit) and the burst
        /// it may save up (a reconnecting publisher re-sends what was unanswered). While a node's
        /// budget is spent its publishes are refused (`overloaded`) before their signature is checked.
        public var duplicatesPerSecondPerNode: Int = ConfigKeyTable.Limits.duplicatesPerSecondPerNode.defaultValue
        public var duplicatesBurstPerNode: Int = ConfigKeyTable.Limits.duplicatesBurstPerNode.defaultValue
        /// Connections one node may have accepted a second (token bucket over all its connections;
        /// 0 = no limit) and the burst; past it a connection is refused after the handshake
        /// (`overloaded`, reason `connect-rate`). Bounds the connect and disconnect records churn writes.
        public var connectsPerSecondPerNode: Int = ConfigKeyTable.Limits.connectsPerSecondPerNode.defaultValue
        public var connectsBurstPerNode: Int = ConfigKeyTable.Limits.connectsBurstPerNode.defaultValue
        /// Open connections one node may hold at once.
        public var maxConnectionsPerNode: Int = ConfigKeyTable.Limits.maxConnectionsPerNode.defaultValue
        /// Connections still in their TLS handshake; at the cap the oldest is evicted to admit a new one.
        public var maxPendingHandshakes: Int = ConfigKeyTable.Limits.maxPendingHandshakes.defaultValue
        /// A connection must finish the TLS handshake and send hello within this time.
        public var handshakeTimeout: Duration = ConfigKeyTable.Limits.handshakeTimeoutSeconds.defaultValue
        /// Publishes of one connection awaiting verification and routing before nexd stops reading it.
        public var maxInFlightPublishesPerConnection: Int = ConfigKeyTable.Limits.maxInFlightPublishesPerConnection.defaultValue
        /// While urgent notices flow, the lower in-flight bound that keeps CPU headroom for them (D68); 0 = off.
        public var inFlightPublishesWhileUrgent: Int = ConfigKeyTable.Limits.inFlightPublishesWhileUrgent.defaultValue
        /// Bytes of those publishes (their envelopes) before nexd stops reading the connection (it
        /// resumes below half): bounds one node's verification backlog to maxConnectionsPerNode × this.
        public var maxInFlightPublishBytesPerConnection: Int = ConfigKeyTable.Limits.maxInFlightPublishBytesPerConnection.defaultValue
        /// Control frames (`certificateRequest`, `ping`, `subscribe`, `unsubscribe`) one connection
        /// may send a second (token bucket holding one second's worth; 0 = no limit); past it the
        /// connection is closed (`overloaded`, disconnect reason `control-frame-rate`).
        public var controlFramesPerSecondPerConnection: Int = ConfigKeyTable.Limits.controlFramesPerSecondPerConnection.defaultValue
        /// Control frames of one connection whose answer is not yet queued for sending before nexd
        /// stops reading it (it resumes below half).
        public var maxUnansweredControlFramesPerConnection: Int = ConfigKeyTable.Limits.maxUnansweredControlFramesPerConnection.defaultValue
        /// Deliveries a subscriber may leave without a receipt before it is disconnected.
        public var maxUnreceiptedDeliveries: Int = ConfigKeyTable.Limits.maxUnreceiptedDeliveries.defaultValue
        /// What happens to a subscriber that cannot keep up (see ``SlowConsumerPolicy``).
        public var slowConsumerPolicy: SlowConsumerPolicy = ConfigKeyTable.Limits.slowConsumerPolicy.defaultValue
        /// An identified connection from which nothing arrives for half this time is pinged; if
        /// still nothing arrives by this time it is closed. `.zero` turns the check off.
        public var idleTimeout: Duration = ConfigKeyTable.Limits.idleTimeoutSeconds.defaultValue
        /// Subscriptions one node may hold over all its connections.
        public var maxSubscriptionsPerNode: Int = ConfigKeyTable.Limits.maxSubscriptionsPerNode.defaultValue
        /// Subscribes one node may have accepted a second over all its connections (token bucket,
        /// burst `maxSubscriptionsPerNode`; 0 = no limit); past it a subscribe gets SUBNACK
        /// `overloaded`. Bounds the audit records subscription churn writes (D35).
        public var subscribesPerSecondPerNode: Int = ConfigKeyTable.Limits.subscribesPerSecondPerNode.defaultValue
        /// Notices kept for one node over all its durable inboxes (capability `inbox.1`); past it
        /// the oldest are dropped and recorded (`inbox` record, reason `expired`).
        public var inboxMessagesPerNode: Int = ConfigKeyTable.Limits.inboxMessagesPerNode.defaultValue
        /// Envelope bytes kept for one node over all its durable inboxes; past it the oldest are dropped.
        public var inboxBytesPerNode: Int = ConfigKeyTable.Limits.inboxBytesPerNode.defaultValue
        /// Envelope bytes kept over every durable inbox of every node (each envelope counted once);
        /// past it a new notice is not kept for nodes that are away (recorded), so nexd's memory
        /// stays bounded however many nodes are offline.
        public var inboxBytesTotal: Int = ConfigKeyTable.Limits.inboxBytesTotal.defaultValue
        /// How long an inbox keeps a notice its node has not receipted.
        public var inboxMaxAge: Duration = ConfigKeyTable.Limits.inboxMaxAgeSeconds.defaultValue
        /// Durable inboxes one node may have.
        public var inboxesPerNode: Int = ConfigKeyTable.Limits.inboxesPerNode.defaultValue
        /// How old a hit's `observed_at` may be when nexd receives it (D55): a border post back
        /// after hours offline must still be able to report.
        public var hitMaxAge: Duration = ConfigKeyTable.Limits.hitMaxAgeSeconds.defaultValue
    }

    /// What nexd does with a subscriber whose outbound buffer is over `limits.outboundBufferBytes`
    /// (or that leaves more than `limits.maxUnreceiptedDeliveries` without a receipt).
    ///
    /// Either way the publisher and the other subscribers are never slowed, and the audit log names
    /// the message ids the subscriber missed.
    public enum SlowConsumerPolicy: String, Sendable, CaseIterable {
        /// Close the connection (reason `slow-consumer`); the disconnect record lists the deliveries
        /// queued but not sent and those sent but not receipted.
        case disconnect
        /// Keep the connection but drop further deliveries to it while it is over the limit; one
        /// record per interval (reason `slow-consumer-dropped`) lists the dropped ids.
        case drop
    }

    /// The metrics and health endpoint (plain HTTP: keep it on loopback or a management network).
    public struct Metrics: Sendable, Equatable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        public var enabled: Bool = ConfigKeyTable.Metrics.enabled.defaultValue
        public var host: String = ConfigKeyTable.Metrics.host.defaultValue
        public var port: UInt16 = ConfigKeyTable.Metrics.port.defaultValue
    }

    /// Capabilities nexd offers beyond protocol version 1 that change what nodes receive.
    public struct ProtocolFeatures: Sendable, Equatable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        /// Offer `batch.1` (batch-signed envelopes, D73). Off by default: a node on a `nex` from
        /// before D73 reports every batch-signed notice it receives as a bad signature.
        public var batchSignatures: Bool = ConfigKeyTable.ProtocolFeatures.batchSignatures.defaultValue
    }

    /// Development conveniences; a production config leaves `createMissingPKI` false.
    public struct Development: Sendable, Equatable {
        /// Every value at its default (``ConfigKeyTable``).
        public init() {}

        /// Directory of the development PKI (`nex pki init` writes it).
        public var pki: String = ConfigKeyTable.Development.pki.defaultValue
        /// When true and the TLS files are missing, nexd creates a development PKI and says so.
        public var createMissingPKI: Bool = ConfigKeyTable.Development.createMissingPKI.defaultValue
    }

    /// The file this configuration came from (for messages).
    public var sourcePath: String
    public var listen = Listen()
    public var tls = TLSFiles()
    public var audit = Audit()
    public var limits = Limits()
    public var metrics = Metrics()
    /// The `protocol` section.
    public var protocolFeatures = ProtocolFeatures()
    public var development = Development()
    /// Who may publish and subscribe where: rules per role and per node; default deny.
    public var permissions = PermissionPolicy(roles: [:])
    /// The nodes allowed to connect, by certificate CN.
    public var roster: Roster
    /// The file the roster was read from when the config names one (`roster: { file: PATH }`), else nil.
    public var rosterFile: String?

    /// A configuration with every default and the given roster (tests build on this).
    public init(sourcePath: String = "(built in)", roster: Roster) {
        self.sourcePath = sourcePath
        self.roster = roster
    }
}
