import Foundation
import NexBroker
import NexConfig
import NexCrypto
import NexNotices
import NexWire

/// Everything a reload (SIGHUP) may replace, built and checked completely before it is swapped in
/// as one value: the configuration, the TLS context made from its CA, certificate, key and
/// revocation list, and every roster node's compiled permissions.
///
/// Immutable. One instance is one generation: the broker judges by the one in force on its queue,
/// each connection holds the one of its generation (`Connection.settings`, taken at the handshake
/// and when a reload re-evaluates it), and other paths read the current one
/// (``ServerContext/settings``, behind a lock: not for per-publish paths).
final class DaemonSettings: Sendable {
    let configuration: DaemonConfiguration
    let tlsContext: TLSContext
    /// Compiled permissions of every roster node (validated when the config was loaded): the one
    /// copy of this generation's permissions, read by every path (``permissions(of:)``).
    let permissions: [String: NodePermissions]
    /// The revocation list the TLS context checks, if `tls.crl` is set.
    let revocationList: CertificateRevocationList?
    /// The serial numbers on ``revocationList`` (canonical hex), for the per-handshake check.
    private let revokedSerials: Set<String>
    /// The CA certificates client certificates must chain to.
    let trustRoots: [Certificate]
    /// 1 for the settings nexd started with, +1 per successful reload.
    let generation: Int
    /// nexd's own certificate (its expiry is a metric).
    let serverCertificate: Certificate

    private init(configuration: DaemonConfiguration, tlsContext: TLSContext, permissions: [String: NodePermissions],
                 revocationList: CertificateRevocationList?, trustRoots: [Certificate], generation: Int, serverCertificate: Certificate) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.permissions = permissions
        self.revocationList = revocationList
        self.revokedSerials = Set(revocationList?.revoked.map(\.serialNumberHex) ?? [])
        self.trustRoots = trustRoots
        self.generation = generation
        self.serverCertificate = serverCertificate
    }

    /// Loads the TLS files and compiles the permissions of `configuration`. A reload passes the
    /// running settings: a revocation list older than theirs (a lower CRL number — a restored
    /// backup would un-revoke nodes) or already expired is then refused.
    /// - Throws: ``DaemonError`` naming the file and config key at fault.
    static func make(_ configuration: DaemonConfiguration, generation: Int,
                     replacing running: DaemonSettings? = nil) throws(DaemonError) -> DaemonSettings {
        let files = configuration.tls
        let source = configuration.sourcePath
        let trustRoots: [Certificate]
        let chain: [Certificate]
        let key: PrivateKey
        do { trustRoots = try Certificate.certificates(pemFile: files.ca) } catch {
            throw DaemonError("cannot load the CA certificate \(files.ca) (\(source): tls.ca): \(error.message)")
        }
        do { chain = try Certificate.certificates(pemFile: files.certificate) } catch {
            throw DaemonError("cannot load the server certificate \(files.certificate) (\(source): tls.certificate): \(error.message)")
        }
        do { key = try PrivateKey(pemFile: files.key) } catch {
            throw DaemonError("cannot load the server key \(files.key) (\(source): tls.key): \(error.message)")
        }
        guard let leaf = chain.first, !trustRoots.isEmpty else {
            throw DaemonError("no certificate found in \(files.certificate) or \(files.ca) (\(source): tls)")
        }
        try checkTrustAnchors(trustRoots, configuration)
        let revocationList = try loadRevocationList(configuration, trustRoots: trustRoots)
        if let running, let list = revocationList {
            try checkSuccession(of: list, after: running.revocationList, configuration)
        } else if let running, running.revocationList != nil {
            throw DaemonError("tls.crl is no longer set (\(configuration.sourcePath)), which would un-revoke every revoked certificate; set it, or restart nexd to run without revocation checks")
        }
        let tlsContext: TLSContext
        do {
            tlsContext = try TLSContext.server(certificate: leaf, chain: Array(chain.dropFirst()), key: key, trustRoots: trustRoots,
                                               revocationLists: revocationList.map { [$0] } ?? [])
        } catch {
            throw DaemonError("cannot set up TLS from \(files.certificate) and \(files.key) (\(source): tls): \(error.message)")
        }
        var permissions: [String: NodePermissions] = [:]
        for entry in configuration.roster.entries {
            // The loader compiled every node's rules already; a failure here means a programmatic
            // config with a bad pattern, which then denies everything for that node.
            permissions[entry.id] = (try? configuration.permissions.permissions(
                node: entry.id, role: entry.role.rawValue, country: entry.country))
                ?? .denyAll
        }
        return DaemonSettings(configuration: configuration, tlsContext: tlsContext, permissions: permissions,
                              revocationList: revocationList, trustRoots: trustRoots, generation: generation, serverCertificate: leaf)
    }

    /// Every certificate of `tls.ca` becomes a trust anchor, so each must be a self-signed CA: an
    /// intermediate there would be trusted on its own (cutting its issuer's revocation list out of
    /// the check), and a leaf would be a CA for nothing. Node certificates are issued directly by a
    /// root in `tls.ca` (chains are one level; docs/SECURITY.md), so the leaf is the only
    /// certificate a revocation list has to cover.
    private static func checkTrustAnchors(_ roots: [Certificate], _ configuration: DaemonConfiguration) throws(DaemonError) {
        let path = configuration.tls.ca
        for (index, root) in roots.enumerated() {
            let which = "certificate \(index + 1) of \(path) (\(root.subjectDescription))"
            guard root.isCertificateAuthority else {
                throw DaemonError("\(which) is not a CA certificate (\(configuration.sourcePath): tls.ca); tls.ca must hold only the self-signed CA certificates that issue node certificates")
            }
            guard root.isIssued(by: root) else {
                throw DaemonError("\(which) is not self-signed (an intermediate CA, issued by \(root.issuerDescription)) (\(configuration.sourcePath): tls.ca); tls.ca must hold only root CAs, and node certificates must be issued directly by one of them")
            }
        }
    }

    /// The revocation list named by `tls.crl`, which must be signed by one of the CA certificates
    /// and carry a next-update date and a CRL number. An expired list is loaded all the same: OpenSSL then refuses every handshake with
    /// `crl-expired`, which is the fail-closed behaviour wanted (and nexd says so loudly).
    private static func loadRevocationList(_ configuration: DaemonConfiguration,
                                           trustRoots: [Certificate]) throws(DaemonError) -> CertificateRevocationList? {
        guard let path = configuration.tls.crl else { return nil }
        let source = configuration.sourcePath
        let list: CertificateRevocationList
        do { list = try CertificateRevocationList(pemFile: path) } catch {
            throw DaemonError("cannot load the revocation list \(path) (\(source): tls.crl): \(error.message). `nex pki crl --refresh` writes a fresh one")
        }
        guard trustRoots.contains(where: { list.isSigned(by: $0) }) else {
            throw DaemonError("the revocation list \(path) is not signed by the CA in \(configuration.tls.ca) (\(source): tls.crl)")
        }
        // RFC 5280 §5.1.2.5 makes nextUpdate mandatory for conforming CAs; without it OpenSSL never
        // treats the list as stale, so a list that stopped being refreshed would go on vouching for
        // revoked-since nodes for ever.
        guard list.nextUpdate != nil else {
            throw DaemonError("the revocation list \(path) has no next-update date, so it would never expire (\(source): tls.crl); re-sign it with `nex pki crl --refresh`, or have the CA set nextUpdate")
        }
        // RFC 5280 §5.2.3 makes the CRL number mandatory: without it neither a reload nor the
        // crl-floor (D37) can tell an older list from a newer one.
        guard list.crlNumber != nil else {
            throw DaemonError("the revocation list \(path) has no CRL number, so nexd cannot tell it from an older list (\(source): tls.crl); re-sign it with `nex pki crl --refresh`, or have the CA set the CRL number extension")
        }
        return list
    }

    /// The roster's node directory under these settings (the workflow rules' view of the roster).
    var directory: NodeDirectory { configuration.roster.directory }

    /// What `node` may publish and subscribe to under these settings (nothing when it is not on
    /// the roster).
    func permissions(of node: String) -> NodePermissions {
        permissions[node] ?? .denyAll
    }

    /// Why a session of `identity` may not go on under these settings (revoked certificate, off the
    /// roster, another role or country), or nil.
    func sessionEnd(for identity: NodeIdentity) -> SessionEnd? {
        if isRevoked(serial: identity.revocationSerial) {
            return SessionEnd(reason: "certificate-revoked", code: .permissionDenied,
                              detail: "the certificate of \(identity.id) (serial \(identity.certificate.serialNumberHex)) was revoked")
        }
        guard let entry = configuration.roster.entry(for: identity.id) else {
            return SessionEnd(reason: "removed-from-roster", code: .notInRoster, detail: "\(identity.id) is no longer on the roster")
        }
        guard entry.role == identity.role, entry.country == identity.country else {
            return SessionEnd(reason: "roster-changed", code: .notInRoster,
                              detail: "\(identity.id) is now \(entry.role.rawValue)/\(entry.country) (was \(identity.role.rawValue)/\(identity.country)); reconnect")
        }
        return nil
    }

    /// A reloaded list must not be older than the running one, nor already expired (applying it
    /// would refuse every node; the running list stays instead and nexd says why).
    private static func checkSuccession(of list: CertificateRevocationList, after running: CertificateRevocationList?,
                                        _ configuration: DaemonConfiguration) throws(DaemonError) {
        let path = configuration.tls.crl ?? "?"
        if let nextUpdate = list.nextUpdate, nextUpdate < Date() {
            throw DaemonError("the revocation list \(path) expired at \(nextUpdate) (\(configuration.sourcePath): tls.crl); re-sign it with `nex pki crl --refresh`")
        }
        if let old = running?.crlNumber, list.crlNumber == nil {
            throw DaemonError("the revocation list \(path) has no CRL number while the running one is number \(old) (\(configuration.sourcePath): tls.crl); its order cannot be checked")
        }
        if let running, let old = running.crlNumber, let new = list.crlNumber, new < old {
            throw DaemonError("the revocation list \(path) is number \(new), older than the running number \(old) (\(configuration.sourcePath): tls.crl); an older list would un-revoke certificates")
        }
    }

    /// Whether `certificate` is on the revocation list. (Serials are unique per CA; nexd trusts
    /// the CA of `tls.ca`, whose list this is.)
    func isRevoked(_ certificate: Certificate) -> Bool {
        isRevoked(serial: RevokedCertificate(certificate, revocationDate: Date()).serialNumberHex)
    }

    /// Whether a serial number, spelled as revocation lists spell it, is on the list.
    private func isRevoked(serial: String) -> Bool {
        !revokedSerials.isEmpty && revokedSerials.contains(serial)
    }
}

/// Why a live session ends after a reload: a stable reason (audit), the error code sent to the
/// node, and a detail.
struct SessionEnd: Sendable, Equatable {
    let reason: String
    let code: WireErrorCode
    let detail: String
}
