import Foundation
import NexPKI

/// A temporary nexd setup for a benchmark: development PKI (CA, server, audit key), a config
/// file with the benchmark roster and permissions, and an audit directory, all under one
/// directory.
public struct BenchmarkDaemonConfig: Sendable {
    /// The directory holding everything.
    public let directory: String
    public var pkiDirectory: String { directory + "/pki" }
    public var configPath: String { directory + "/nexd.yaml" }
    public var auditDirectory: String { directory + "/audit" }

    /// Limits written into the config.
    public struct Limits: Sendable {
        /// Whether the audit log syncs each batch (durability is part of the claim: on by default).
        public var fsync = true
        public var maxConnections = 4096
        public var maxPendingHandshakes = 256
        public var replayWindowSeconds = 120
        /// `limits.replayCacheEntries`; each publisher gets an equal share of it
        /// (`limits.replayCacheEntriesPerNode`), since only publishers publish.
        public var replayCacheEntries = 2_000_000
        /// `limits.outboundBufferBytes`, the output nexd holds for one connection before its
        /// slow-consumer policy acts. Nil (the default): the key is not written, so nexd's own
        /// default applies — a benchmark must not give slow consumers more room than production.
        public var outboundBufferBytes: Int?
        /// `limits.slowConsumerPolicy` (for example `drop`), for a nexd that has the key. Nil (the
        /// default): not written, so nexd's default policy applies.
        public var slowConsumerPolicy: String?
        /// `limits.controlFramesPerSecondPerConnection` (0 turns the rate limit off). Nil (the
        /// default): not written, so nexd's default applies.
        public var controlFramesPerSecondPerConnection: Int?
        /// `audit.segmentMaxBytes`. Nil (the default): not written, so nexd's default applies.
        public var segmentMaxBytes: Int?
        /// `limits.inboxMessagesPerNode`, the notices nexd keeps for one node's durable inboxes.
        /// Nil (the default): not written, so nexd's default applies.
        public var inboxMessagesPerNode: Int?

        public init() {}
    }

    /// Creates the PKI and writes the config for the given roster sizes. When `writeNodeFiles` is
    /// set, every node's certificate and key are written too (for running nexd and `nex load` by hand).
    /// `durablePostCountries[i]` is durable post `i`'s country (a reconnect storm's border posts).
    public static func create(directory: String, publishers: Int, subscribers: Int, stalled: Int = 0, idle: Int, limits: Limits,
                              durablePostCountries: [String] = [], writeNodeFiles: Bool = false) throws -> BenchmarkDaemonConfig {
        let setup = BenchmarkDaemonConfig(directory: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let entries = BenchmarkRoster.entries(publishers: publishers, subscribers: subscribers, stalled: stalled, idle: idle,
                                              durablePostCountries: durablePostCountries)
        let pki = DevelopmentPKI(directory: setup.pkiDirectory)
        try pki.create(nodeIDs: writeNodeFiles ? entries.filter { $0.role != .bcp && !BenchmarkRoster.isRequestingNCB($0.id) }.map(\.id) : [])
        // Limits the user set; the others are left to nexd's defaults.
        let overrides = [
            limits.outboundBufferBytes.map { "outboundBufferBytes: \($0)" },
            limits.slowConsumerPolicy.map { "slowConsumerPolicy: \($0)" },
            limits.controlFramesPerSecondPerConnection.map { "controlFramesPerSecondPerConnection: \($0)" },
            limits.inboxMessagesPerNode.map { "inboxMessagesPerNode: \($0)" },
        ].compactMap { $0 }.map { "\n  " + $0 }.joined()
        var yaml = """
            # nexd benchmark configuration, written by `nex load` (temporary; safe to delete).
            listen: { host: 127.0.0.1, port: 0 }
            tls:
              ca: \(pki.caCertificatePath)
              certificate: \(pki.serverCertificatePath)
              key: \(pki.serverKeyPath)
            audit:
              directory: \(setup.auditDirectory)
              fsync: \(limits.fsync)\(limits.segmentMaxBytes.map { "\n  segmentMaxBytes: \($0)" } ?? "")
              key: \(pki.auditKeyPath)
              certificate: \(pki.auditCertificatePath)
            limits:
              maxConnections: \(limits.maxConnections)
              maxPendingHandshakes: \(limits.maxPendingHandshakes)
              replayWindowSeconds: \(limits.replayWindowSeconds)
              replayCacheEntries: \(limits.replayCacheEntries)
              replayCacheEntriesPerNode: \(max(1, limits.replayCacheEntries / max(1, publishers)))
              publishRatePerNode: 0\(overrides)
            protocol:
              batchSignatures: true   # nex load --batch (D73)
            # The shipped rules for these roles, reduced to what the benchmark uses.
            permissions:
              roles:
                gs:
                  publish:   { allow: [notice.>, alert.>, decision.>] }
                  subscribe: { allow: [request.>, notice.>, hit.>, alert.>, diffusion.>] }
                ncb:
                  publish:   { allow: [request.*.%country, diffusion.%country] }
                  subscribe: { allow: [notice.>, diffusion.>, hit.%country.*, hit.*.%country, alert.>, decision.%country], deny: [request.>] }
                bcp:
                  publish:   { allow: [hit.*.%country] }
                  subscribe: { allow: [notice.>, alert.>] }
            roster:

            """
        for entry in entries {
            yaml += "  - { id: \(entry.id), role: \(entry.role.rawValue), country: \(entry.country) }\n"
        }
        guard FileManager.default.createFile(atPath: setup.configPath, contents: Data(yaml.utf8)) else {
            throw LoadError("cannot write \(setup.configPath)")
        }
        return setup
    }
}
