/// Every key of nexd's configuration file, once: YAML path, Swift property, type and range,
/// default, reload behaviour and summary (docs/DECISIONS.md, D44).
///
/// The loader reads the sections in this order and each section's keys in table order; the
/// properties of ``DaemonConfiguration`` take their initial values from here; a reload keeps,
/// reports or applies a changed key by its ``ConfigApplyMode`` (``ConfigReload``); and a test checks
/// Config/nexd.yaml's annotations (type, default, mode) against this table. `roster` and
/// `permissions` are structured sections outside the table; a reload applies them live.
public enum ConfigKeyTable {
    /// The sections of scalar keys, in the order the loader reads them.
    public static let sections = ["listen", "tls", "audit", "limits", "metrics", "protocol", "development"]

    /// Every key, section by section, in the loader's order.
    public static let all: [AnyConfigKey] = Listen.all + TLS.all + Audit.all + Limits.all + Metrics.all + ProtocolFeatures.all + Development.all

    /// The row for a dotted path, if the table has it.
    public static func key(_ path: String) -> AnyConfigKey? { all.first { $0.path == path } }

    /// `listen`: where nexd accepts connections.
    public enum Listen {
        static let host = ConfigKey("listen.host", \.listen.host, .text("string"),
                                    default: "127.0.0.1", .restartOnly, "Address to bind (IPv4 or IPv6 literal).")
        static let port = ConfigKey("listen.port", \.listen.port, .port,
                                    default: 7247, .restartOnly, "Port to bind; 0 picks a free one (tests).")
        static let all = [host.row, port.row]
    }

    /// `tls`: nexd's identity and the CA whose node certificates it accepts; re-read by every reload.
    public enum TLS {
        static let ca = ConfigKey("tls.ca", \.tls.ca, .text("PEM file"),
                                  default: "Certs/dev/ca.pem", .newConnections, "The self-signed CA certificates node certificates are issued by.")
        static let certificate = ConfigKey("tls.certificate", \.tls.certificate, .text("PEM file"),
                                           default: "Certs/dev/nexd.pem", .newConnections, "nexd's certificate (serverAuth).")
        static let key = ConfigKey("tls.key", \.tls.key, .text("PEM file"),
                                   default: "Certs/dev/nexd.key", .newConnections, "nexd's private key.")
        static let crl = ConfigKey("tls.crl", \.tls.crl, .fileList("PEM file or list"),
                                   default: [], .live, "Each CA's revocation list, one per CA of tls.ca; a reload ends the sessions of revoked nodes.")
        static let crlWarnDays = ConfigKey("tls.crlWarnDays", \.tls.crlWarn, .duration(.days, 0...3650),
                                           default: .seconds(7 * 86_400), .live, "nexd warns this long before a revocation list expires.")
        static let all = [ca.row, certificate.row, key.row, crl.row, crlWarnDays.row]
    }

    /// `audit`: the audit log, opened once at start-up.
    public enum Audit {
        static let directory = ConfigKey("audit.directory", \.audit.directory, .text("directory"),
                                         default: "var/audit", .restartOnly, "Directory of the hash-chained audit segments.")
        static let segmentMaxBytes = ConfigKey("audit.segmentMaxBytes", \.audit.segmentMaxBytes, .integer(4096...(1 << 34)),
                                               default: 64 << 20, .restartOnly, "Size that starts a new segment.")
        static let fsync = ConfigKey("audit.fsync", \.audit.fsync, .boolean,
                                     default: true, .restartOnly, "Sync each batch before its ACKs (group commit).")
        static let key = ConfigKey("audit.key", \.audit.key, .optionalText("PEM file"),
                                   default: "Certs/dev/audit.key", .restartOnly, "The key that signs checkpoints and nexd's expire messages.")
        static let certificate = ConfigKey("audit.certificate", \.audit.certificate, .optionalText("PEM file"),
                                           default: "Certs/dev/audit.pem", .restartOnly, "The certificate that verifies checkpoints.")
        static let previousCertificates = ConfigKey("audit.previousCertificates", \.audit.previousCertificates, .optionalText("PEM file"),
                                                    default: nil, .restartOnly, "Certificates of earlier audit keys (a rotation): their checkpoints and expires stay vouched for.")
        static let checkpointEveryRecords = ConfigKey("audit.checkpointEveryRecords", \.audit.checkpointEveryRecords, .integer(1...10_000_000),
                                                      default: 1000, .restartOnly, "A signed checkpoint after this many records…")
        static let checkpointIntervalSeconds = ConfigKey("audit.checkpointIntervalSeconds", \.audit.checkpointInterval, .duration(.seconds, 1...86_400),
                                                         default: .seconds(10), .restartOnly, "…or this long, whichever comes first.")
        static let recoveryRetryMilliseconds = ConfigKey("audit.recoveryRetryMilliseconds", \.audit.recoveryRetry, .duration(.milliseconds, 10...3_600_000),
                                                         default: .milliseconds(1000), .restartOnly, "How often a failed log retries to record a repair and resume.")
        static let all = [directory.row, segmentMaxBytes.row, fsync.row, key.row, certificate.row, previousCertificates.row,
                          checkpointEveryRecords.row, checkpointIntervalSeconds.row, recoveryRetryMilliseconds.row]
    }

    /// `metrics`: the HTTP endpoint for Prometheus and health checks (issue 18, D70).
    public enum Metrics {
        static let enabled = ConfigKey("metrics.enabled", \.metrics.enabled, .boolean,
                                       default: false, .restartOnly, "Serve /metrics, /healthz and /readyz over plain HTTP.")
        static let host = ConfigKey("metrics.host", \.metrics.host, .text("string"),
                                    default: "127.0.0.1", .restartOnly, "Address of the metrics endpoint (IPv4 or IPv6 literal).")
        static let port = ConfigKey("metrics.port", \.metrics.port, .port,
                                    default: 9247, .restartOnly, "Port of the metrics endpoint; 0 picks a free one (tests).")
        static let all = [enabled.row, host.row, port.row]
    }

    /// `protocol`: capabilities nexd offers beyond version 1 that change what nodes receive (D73).
    public enum ProtocolFeatures {
        static let batchSignatures = ConfigKey("protocol.batchSignatures", \.protocolFeatures.batchSignatures, .boolean,
                                               default: false, .newConnections,
                                               "Offer batch.1: nodes may publish batch-signed envelopes (D73); enable once every node runs a nex that verifies them.")
        static let all = [batchSignatures.row]
    }

    /// `development`: conveniences a production config leaves off.
    public enum Development {
        static let pki = ConfigKey("development.pki", \.development.pki, .text("directory"),
                                   default: "Certs/dev", .restartOnly, "Where `nex pki init` writes the development PKI.")
        static let createMissingPKI = ConfigKey("development.createMissingPKI", \.development.createMissingPKI, .boolean,
                                                default: false, .restartOnly, "Create a development PKI at start when the TLS files are missing.")
        static let all = [pki.row, createMissingPKI.row]
    }
}
