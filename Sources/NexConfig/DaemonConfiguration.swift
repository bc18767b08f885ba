import NexBroker

/// Everything `nexd` reads from its config file. Every key, its type, default and whether it can be
/// reloaded is documented in the annotated default, Config/nexd.yaml.
///
/// Relative paths are relative to the working directory (the README runs from the repository root).
public struct DaemonConfiguration: Sendable {
    /// Where the daemon listens.
    public struct Listen: Sendable, Equatable {
        /// Every value at its default.
        public init() {}

        /// Default `127.0.0.1`.
        public var host = "127.0.0.1"
        /// Default 7247; 0 picks an ephemeral port (tests).
        public var port: UInt16 = 7247
    }

    /// The daemon's TLS identity and the CA that issues node certificates.
    public struct TLSFiles: Sendable {
        /// Every value at its default.
        public init() {}

        public var caCertificate = "Certs/dev/ca.pem"
        public var certificate = "Certs/dev/nexd.pem"
        public var privateKey = "Certs/dev/nexd.key"
        /// The CA's certificate revocation list (PEM), checked on every handshake and re-read on
        /// reload; `nil` = revocation is not checked (nexd warns). A list past its next-update
        /// date refuses every handshake (`crl-expired`).
        public var revocationList: String?
        /// nexd warns once the revocation list expires within this long. Default 7 days.
        public var revocationListWarning = Duration.seconds(7 * 86_400)
    }

    /// The audit log.
    public struct Audit: Sendable, Equatable {
        /// Every value at its default.
        public init() {}

        public var directory = "var/audit"
        public var segmentMaximumBytes = 64 << 20
        public var synchronizesWrites = true
        /// The key and certificate that sign checkpoints; nil = no checkpoints (tests only).
        public var signingKey: String? = "Certs/dev/audit.key"
        public var signingCertificate: String? = "Certs/dev/audit.pem"
        /// A checkpoint is written after this many records, or this long, whichever comes first.
        public var checkpointEveryRecords = 1000
        public var checkpointInterval = Duration.seconds(10)
        /// While the log cannot be written, how often nexd tries to record the repair and resume.
        public var recoveryRetryInterval = Duration.milliseconds(1000)
    }

    /// Protocol and resource limits.
    public struct Limits: Sendable {
        /// Every value at its default.
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

        public var maximumFrameSize = 65_536
        public var maximumSubscriptionsPerConnection = 256
        public var replayWindow = Duration.seconds(120)
        public var replayCacheEntries = 1_000_000
        /// Message ids one node may have remembered at once (its share of the replay cache); nil =
        /// `replayCacheEntries` ÷ the number of roster nodes, divided again at each reload (see ``replayCacheShare(rosterSize:)``).
        public var replayCacheEntriesPerNode: Int? = nil
        public var outboundBufferBytes = 8 << 20
        public var maximumConnections = 4096
        /// Worker threads that verify signatures; 0 = one per core.
        public var verificationThreads = 0
        /// Unauthenticated refusals recorded one by one per source address and interval; the rest
        /// are counted into one summary record per interval.
        public var refusalsRecordedPerSource = 20
        public var refusalInterval = Duration.seconds(10)
        /// Publishes per second one node may make (token bucket over all its connections; 0 = no
        /// limit) and the burst it may save up.
        public var publishRatePerNode = 20_000
        public var publishBurstPerNode = 40_000
        /// Signature checks that may fail per second for one node (token bucket over all its
        /// connections; 0 = no limit) and the burst it may save up. While a node's budget is spent
        /// its publishes are refused (`overloaded`) before their signature is checked.
        public var failedVerificationsPerSecondPerNode = 5
        public var failedVerificationsBurstPerNode = 50
        /// Open connections one node may hold at once.
        public var maximumConnectionsPerNode = 16
        /// Connections still in their TLS handshake; at the cap the oldest is evicted to admit a new one.
        public var maximumPendingHandshakes = 256
        /// A connection must finish the TLS handshake and send hello within this time.
        public var handshakeTimeout = Duration.seconds(10)
        /// Publishes of one connection awaiting verification and routing before nexd stops reading it.
        public var maximumInFlightPublishes = 1024
        /// Control frames (`certificateRequest`, `ping`, `subscribe`, `unsubscribe`) one connection
        /// may send a second (token bucket holding one second's worth; 0 = no limit); past it the
        /// connection is closed (`overloaded`, disconnect reason `control-frame-rate`).
        public var controlFramesPerSecondPerConnection = 1000
        /// Control frames of one connection whose answer is not yet queued for sending before nexd
        /// stops reading it (it resumes below half).
        public var maximumUnansweredControlFrames = 256
        /// Deliveries a subscriber may leave without a receipt before it is disconnected.
        public var maximumUnreceiptedDeliveries = 65_536
        /// What happens to a subscriber that cannot keep up (see ``SlowConsumerPolicy``).
        public var slowConsumerPolicy = SlowConsumerPolicy.disconnect
        /// An identified connection from which nothing arrives for half this time is pinged; if
        /// still nothing arrives by this time it is closed. `.zero` turns the check off.
        public var idleTimeout = Duration.seconds(60)
        /// Subscriptions one node may hold over all its connections.
        public var maximumSubscriptionsPerNode = 1024
        /// Subscribes one node may have accepted a second over all its connections (token bucket,
        /// burst `maximumSubscriptionsPerNode`; 0 = no limit); past it a subscribe gets SUBNACK
        /// `overloaded`. Bounds the audit records subscription churn writes (D35).
        public var subscribesPerSecondPerNode = 10
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

    /// Development conveniences; a production config leaves `createMissingPKI` false.
    public struct Development: Sendable, Equatable {
        /// Every value at its default.
        public init() {}

        /// Directory of the development PKI (`nex pki init` writes it).
        public var pkiDirectory = "Certs/dev"
        /// When true and the TLS files are missing, nexd creates a development PKI and says so.
        public var createMissingPKI = false
    }

    /// The file this configuration came from (for messages).
    public var sourcePath: String
    public var listen = Listen()
    public var tls = TLSFiles()
    public var audit = Audit()
    public var limits = Limits()
    public var development = Development()
    /// Who may publish and subscribe where: rules per role and per node; default deny.
    public var permissions = PermissionPolicy(roles: [:])
    /// The nodes allowed to connect, by certificate CN.
    public var roster: Roster

    /// A configuration with every default and the given roster (tests build on this).
    public init(sourcePath: String = "(built in)", roster: Roster) {
        self.sourcePath = sourcePath
        self.roster = roster
    }
}
