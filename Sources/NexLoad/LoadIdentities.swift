import Foundation
import NexClient
import NexConfig
import NexCrypto
import NexPKI
import NexSync

/// The node ids a load run uses, and their roster roles: publishers are General Secretariat
/// nodes (`gs`, may publish `notice.>`), subscribers and stalled subscribers NCBs (`ncb`, may
/// subscribe to `notice.>`), idle nodes and durable border posts (the crash test's inbox
/// subscribers) border points (`bcp`). Ids are valid roster ids (`[a-z0-9-]` tokens).
public enum BenchmarkRoster {
    public static func publisherID(_ index: Int) -> String { "gs.fr.load-p\(index)" }
    public static func subscriberID(_ index: Int) -> String { "ncb.rw.load-s\(index)" }
    public static func idleID(_ index: Int) -> String { "bcp.ke.idle-\(index)" }
    /// A stalled subscriber: an NCB like the others, with its own id (nexd's log and audit name it).
    public static func stalledID(_ index: Int) -> String { "ncb.rw.load-stalled\(index)" }
    /// A durable border post of a reconnect storm, in its country.
    public static func durablePostID(_ index: Int, country: String) -> String { "bcp.\(country).post-\(index)" }
    /// The NCB a load notice on `notice.<kind>.<country>` names as requesting it (D55): on the
    /// roster, never connected.
    public static func requestingNCBID(country: String) -> String { "ncb.\(country).request" }

    /// Whether `id` is a requesting NCB (``requestingNCBID(country:)``): it needs no credentials.
    public static func isRequestingNCB(_ id: String) -> Bool { id.hasPrefix("ncb.") && id.hasSuffix(".request") }

    /// Roster entries for the given numbers of nodes; `durablePostCountries[i]` is durable post
    /// `i`'s country (a border post, role `bcp`).
    public static func entries(publishers: Int, subscribers: Int, stalled: Int = 0, idle: Int,
                               durablePostCountries: [String] = []) -> [RosterEntry] {
        (0..<publishers).map { RosterEntry(id: publisherID($0), role: .gs, country: "fr") }
            + (0..<subscribers).map { RosterEntry(id: subscriberID($0), role: .ncb, country: "rw") }
            + (0..<stalled).map { RosterEntry(id: stalledID($0), role: .ncb, country: "rw") }
            + (0..<idle).map { RosterEntry(id: idleID($0), role: .bcp, country: "ke") }
            + durablePostCountries.enumerated().map { RosterEntry(id: durablePostID($0, country: $1), role: .bcp, country: $1) }
            + requestingCountries(publishers: publishers, durablePostCountries: durablePostCountries).map {
                RosterEntry(id: requestingNCBID(country: $0), role: .ncb, country: $0)
            }
    }

    /// The countries of every topic a run may publish on (each publisher's own, the shared `zz`,
    /// and with durable posts every storm country — a storm may have fewer posts than countries),
    /// sorted: each has a requesting NCB on the roster.
    static func requestingCountries(publishers: Int, durablePostCountries: [String]) -> [String] {
        let storm = durablePostCountries.isEmpty ? [] : ReconnectStormConfiguration.countryCodes
        return Set((0..<publishers).map(TopicLayout.countryToken) + ["zz"] + durablePostCountries + storm).sorted()
    }
}

/// Credentials of every node of a run.
public struct LoadIdentities: Sendable {
    public var publishers: [NodeCredentials]
    public var subscribers: [NodeCredentials]
    /// The stalled subscribers' (``BenchmarkRoster/stalledID(_:)``).
    public var stalled: [NodeCredentials]

    /// Identities from their credentials.
    public init(publishers: [NodeCredentials], subscribers: [NodeCredentials], stalled: [NodeCredentials] = []) {
        self.publishers = publishers
        self.subscribers = subscribers
        self.stalled = stalled
    }

    /// Loads `nodes/<id>.pem` and `.key` of every benchmark node from a development PKI directory
    /// (create them with `nex pki init --extra-node …` or `nex load --write-config`).
    public static func load(pki directory: String, publishers: Int, subscribers: Int,
                            stalled: Int = 0) throws(LoadError) -> LoadIdentities {
        let pki = DevelopmentPKI(directory: directory)
        func load(_ id: String) throws(LoadError) -> NodeCredentials {
            do {
                return try NodeCredentials.load(certificatePath: pki.nodeCertificatePath(id), keyPath: pki.nodeKeyPath(id),
                                                caPath: pki.caCertificatePath)
            } catch {
                throw LoadError("cannot load the credentials of \(id) from \(directory): \(error) "
                    + "(use --spawn, or create them with `nex load --write-config DIR` and run nexd with DIR/nexd.yaml)")
            }
        }
        var publisherCredentials: [NodeCredentials] = []
        for index in 0..<publishers { publisherCredentials.append(try load(BenchmarkRoster.publisherID(index))) }
        var subscriberCredentials: [NodeCredentials] = []
        for index in 0..<subscribers { subscriberCredentials.append(try load(BenchmarkRoster.subscriberID(index))) }
        var stalledCredentials: [NodeCredentials] = []
        for index in 0..<stalled { stalledCredentials.append(try load(BenchmarkRoster.stalledID(index))) }
        return LoadIdentities(publishers: publisherCredentials, subscribers: subscriberCredentials, stalled: stalledCredentials)
    }
}

/// Issues benchmark node certificates in process from a development CA (fast: no files, and one
/// key may be shared by many idle nodes).
public struct BenchmarkIssuer: Sendable {
    public let ca: Certificate
    private let caKey: PrivateKey
    private let now = Date()

    /// An issuer for the CA of the development PKI in `directory`.
    public init(pki directory: String) throws {
        let pki = DevelopmentPKI(directory: directory)
        caKey = try PrivateKey(pemFile: pki.caKeyPath)
        guard let ca = try Certificate.certificates(pemFile: pki.caCertificatePath).first else {
            throw LoadError("\(pki.caCertificatePath) holds no certificate")
        }
        self.ca = ca
    }

    /// Credentials for `nodeID` (a new P-256 key unless `key` is given), valid for two days.
    public func credentials(_ nodeID: String, key: PrivateKey? = nil) throws -> NodeCredentials {
        let key = try key ?? PrivateKey.generate(.ecdsaP256SHA256)
        let profile = CertificateProfile(
            subjectCommonName: nodeID, organization: "NoticeExchange benchmark (not for production)",
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(2 * 86_400),
            extendedKeyUsage: .clientAuth)
        let certificate = try CertificateIssuer.issue(profile, for: key.publicKey, issuer: ca, issuerKey: caKey)
        return NodeCredentials(certificate: certificate, key: key, trustRoots: [ca])
    }

    /// Credentials for the durable posts of `storm` (in post order), sharing one key like idle
    /// nodes: nexd checks the certificates, the key only proves possession in the handshake.
    public func durablePosts(of storm: ReconnectStormConfiguration) throws -> [NodeCredentials] {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let slots = Locked<[Int: NodeCredentials]>([:])
        let failure = Locked<String?>(nil)
        DispatchQueue.concurrentPerform(iterations: storm.posts) { index in
            do {
                let credentials = try self.credentials(BenchmarkRoster.durablePostID(index, country: storm.country(ofPost: index)), key: key)
                slots.withLock { $0[index] = credentials }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        if let message = failure.withLock({ $0 }) { throw LoadError("cannot issue durable-post certificates: \(message)") }
        return slots.withLock { dictionary in (0..<storm.posts).map { dictionary[$0]! } }
    }

    /// Identities for a run's publishers, subscribers and stalled subscribers.
    public func identities(publishers: Int, subscribers: Int, stalled: Int = 0) throws -> LoadIdentities {
        LoadIdentities(
            publishers: try (0..<publishers).map { try credentials(BenchmarkRoster.publisherID($0)) },
            subscribers: try (0..<subscribers).map { try credentials(BenchmarkRoster.subscriberID($0)) },
            stalled: try (0..<stalled).map { try credentials(BenchmarkRoster.stalledID($0)) })
    }
}
