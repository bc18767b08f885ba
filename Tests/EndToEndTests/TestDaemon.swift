import Foundation
import Logging
import NexAudit
import NexBroker
import NexClient
import NexConfig
import NexCrypto
import NexNotices
import NexServer
import NexSync
import NexWire

/// One nexd running in process on 127.0.0.1 with an ephemeral port, its own PKI and audit
/// directory. ``stop()`` closes it; ``remove()`` deletes the directory.
final class TestDaemon: @unchecked Sendable {
    static let roster: [RosterEntry] = [
        RosterEntry(id: "gs.fr.lyon", role: .gs, country: "fr"),
        // The requesting NCB the default notice (notice.red.fr) names (D55).
        RosterEntry(id: "ncb.fr.paris", role: .ncb, country: "fr"),
        RosterEntry(id: "ncb.rw.kigali", role: .ncb, country: "rw"),
        RosterEntry(id: "ncb.ug.kampala", role: .ncb, country: "ug"),
        RosterEntry(id: "bcp.rw.rusumo", role: .bcp, country: "rw"),
        RosterEntry(id: "bcp.ke.busia", role: .bcp, country: "ke"),
    ]

    /// Every role may publish and subscribe anywhere: for tests of the transport and the pipeline.
    static let unrestricted = PermissionPolicy(roles: Dictionary(uniqueKeysWithValues: NodeRole.allCases.map {
        ($0.rawValue, ActionPermissions(publish: PermissionRules(allow: [">"]), subscribe: PermissionRules(allow: [">"])))
    }))

    /// The shipped workflow rules, read from the repository's Config/nexd.yaml.
    static func workflowPolicy() throws -> PermissionPolicy {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try DaemonConfiguration.load(path: root.appendingPathComponent("Config/nexd.yaml").path).permissions
    }

    let root: String
    let pki: TestPKI
    private(set) var configuration: DaemonConfiguration
    private(set) var daemon: NexDaemon
    private(set) var port: UInt16

    var auditDirectory: String { configuration.audit.directory }

    init(root existingRoot: String? = nil, pki existingPKI: TestPKI? = nil,
         configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
        root = existingRoot ?? FileManager.default.temporaryDirectory.appendingPathComponent("nex-e2e-\(UUID().uuidString)").path
        pki = try existingPKI ?? TestPKI(directory: root + "/pki")
        var configuration = DaemonConfiguration(sourcePath: "test.yaml", roster: Roster(Self.roster))
        configuration.permissions = Self.unrestricted
        configuration.listen.port = 0
        configuration.tls.ca = pki.caPath
        configuration.tls.certificate = pki.serverCertificatePath
        configuration.tls.key = pki.serverKeyPath
        configuration.audit.directory = root + "/audit"
        configuration.audit.key = pki.auditKeyPath
        configuration.audit.certificate = pki.auditCertificatePath
        if existingPKI == nil { try pki.writeRevocationList() }
        configuration.tls.crl = [pki.revocationListPath]
        configure(&configuration)
        self.configuration = configuration
        daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        port = try daemon.start()
    }

    /// Stops this daemon and starts a new one on the same PKI and audit directory, with its
    /// configuration changed by `edit` (for good: later restarts keep the change).
    func restart(editing edit: (inout DaemonConfiguration) -> Void = { _ in }) throws {
        daemon.stop()
        edit(&configuration)
        daemon = try NexDaemon(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        port = try daemon.start()
    }

    func stop() {
        daemon.stop()
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Credentials for a roster node.
    func credentials(_ node: String, algorithm: SignatureAlgorithm = .ecdsaP256SHA256) throws -> NodeCredentials {
        try pki.credentials(node, algorithm: algorithm)
    }

    /// Connects with `credentials` (welcome received).
    func connect(_ credentials: NodeCredentials) throws -> NexConnection {
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: [pki.ca])
        return try NexConnection(host: "127.0.0.1", port: port, context: context, timeout: .seconds(5))
    }

    /// Connects with `credentials`, asking for durable inboxes (capability `inbox.1`).
    func connectDurable(_ credentials: NodeCredentials) throws -> NexConnection {
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: [pki.ca])
        return try NexConnection(host: "127.0.0.1", port: port, context: context, timeout: .seconds(5), capabilities: [Capability.inbox])
    }

    /// Connects as a roster node.
    func connect(as node: String) throws -> (NexConnection, NodeCredentials) {
        let credentials = try credentials(node)
        return (try connect(credentials), credentials)
    }

    /// Every record of the audit log (after flushing it).
    func auditRecords() throws -> [AuditRecord] {
        daemon.auditLog.flush()
        var records: [AuditRecord] = []
        try AuditReader(directory: auditDirectory).forEachRecord { record in
            records.append(record)
            return true
        }
        return records
    }

    /// Waits (bounded) until some audit record satisfies `predicate`; returns it.
    func awaitRecord(timeout: Duration = .seconds(5), _ predicate: (AuditRecord) -> Bool) throws -> AuditRecord? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let record = try auditRecords().first(where: predicate) { return record }
            Thread.sleep(forTimeInterval: 0.02)
        } while ContinuousClock.now < deadline
        return nil
    }
}

/// A signed notice as `node` would publish it. The payload defaults to the valid template of its
/// kind; `revision` adds a member so two otherwise equal notices differ in their bytes; `padding`
/// adds a member of that many bytes (ignored by validation) for large notices; `matching` is the
/// notice a hit names (`matched.notice_message_id`, D60; the template's is the zero id).
/// The NCB of the test roster that a notice or decision on `topic` names as requesting (the topic's
/// country's), or nil for other topics (a request, a diffusion: the sender names itself).
func requestingNCB(topic: String) -> String? {
    let tokens = topic.split(separator: ".").map(String.init)
    guard let family = tokens.first, family == "notice" || family == "decision", let country = tokens.last else { return nil }
    return TestDaemon.roster.first { $0.role == .ncb && $0.country == country }?.id
}

func signedNotice(
    from credentials: NodeCredentials, topic: String = "notice.red.fr", kind: String = "red",
    payload: String? = nil, revision: Int? = nil, padding: Int = 0,
    issuedAtMillis: Int64 = WallClock.nowMillis(), messageID: MessageID = .random(), sender: String? = nil,
    matching matched: MessageID? = nil
) throws -> SignedEnvelope {
    // The template's placeholder identities become the sender's (nexd checks them), except that a
    // published notice or decision names the requesting NCB of its topic's country (D55, D59); a
    // hit is observed when it is issued.
    var document = payload ?? NoticeTemplate.document(for: NoticeKind(rawValue: kind) ?? .red)
        .replacingOccurrences(of: "\"bcp.zz.example\"", with: "\"\(credentials.nodeID)\"")
        .replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"\(requestingNCB(topic: topic) ?? credentials.nodeID)\"")
        .replacingOccurrences(of: "\"2026-01-01T00:00:00Z\"", with: "\"\(Timestamp.format(millis: issuedAtMillis))\"")
    // A hit names the notice it matched (D60): nexd refuses one naming no accepted notice.
    if let matched { document = document.replacingOccurrences(of: "\"\(MessageID.zero)\"", with: "\"\(matched)\"") }
    if let revision, let brace = document.firstIndex(of: "{") {
        document.insert(contentsOf: "\"revision\": \(revision), ", at: document.index(after: brace))
    }
    if padding > 0, let brace = document.firstIndex(of: "{") {
        document.insert(contentsOf: "\"padding\": \"\(String(repeating: "x", count: padding))\", ", at: document.index(after: brace))
    }
    let envelope = Envelope(
        messageID: messageID, sender: sender ?? credentials.nodeID, topic: topic, kind: kind, issuedAtMillis: issuedAtMillis,
        allowedCountries: [], deniedCountries: [], allowedNodes: [], deniedNodes: [],
        signatureAlgorithm: credentials.key.algorithm.rawValue, payload: Array(document.utf8))
    return try NoticeSigner.sign(envelope, with: credentials.key)
}
