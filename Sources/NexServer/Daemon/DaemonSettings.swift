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
    /// The revocation lists the TLS context checks, one per CA of `tls.ca` (none when `tls.crl` is unset).
    let revocationLists: [RevocationListInForce]
    /// The serials on each CA's list (canonical hex), by the SHA-256 of the CA's public key: serials
    /// are unique per CA only, so a serial another CA revoked says nothing about a certificate.
    private let revokedSerials: [SHA256Digest: Set<String>]
    /// The SHA-256 of each trust root's public key: a session verified against another CA ends at a reload.
    private let trustedAuthorityKeys: Set<SHA256Digest>
    /// The CA certificates client certificates must chain to.
    let trustRoots: [Certificate]
    /// 1 for the settings nexd started with, +1 per successful reload.
    let generation: Int
    /// nexd's own certificate (its expiry is a metric).
    let serverCertificate: Certificate

    private init(configuration: DaemonConfiguration, tlsContext: TLSContext, permissions: [String: NodePermissions],
                 revocationLists: [RevocationListInForce], trustRoots: [Certificate], generation: Int, serverCertificate: Certificate) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.permissions = permissions
        self.revocationLists = revocationLists
        self.revokedSerials = Dictionary(revocationLists.map { ($0.authority.publicKey.fingerprint, $0.revokedSerials) }) { $0.union($1) }
        self.trustedAuthorityKeys = Set(trustRoots.map(\.publicKey.fingerprint))
        self.trustRoots = trustRoots
        self.generation = generation
        self.serverCertificate = serverCertificate
    }

    /// Loads the TLS files and compiles the permissions of `configuration`. A reload passes the
    /// running settings: a CA's revocation list older than the one in force for that CA (a lower CRL
    /// number — a restored backup would un-revoke nodes) or already expired is then refused.
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
        let revocationLists = try loadRevocationLists(configuration, trustRoots: trustRoots)
        if let running {
            try checkSuccession(of: revocationLists, after: running.revocationLists, configuration)
        }
        let tlsContext: TLSContext
        do {
            tlsContext = try TLSContext.server(certificate: leaf, chain: Array(chain.dropFirst()), key: key, trustRoots: trustRoots,
                                               revocationLists: revocationLists.map(\.list))
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
                              revocationLists: revocationLists, trustRoots: trustRoots, generation: generation, serverCertificate: leaf)
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
        if let authority = identity.authorityKey, !trustedAuthorityKeys.contains(authority) {
            return SessionEnd(reason: "ca-removed", code: .permissionDenied,
                              detail: "the CA that issued the certificate of \(identity.id) (\(identity.certificate.issuerDescription)) is no longer in tls.ca")
        }
        if isRevoked(serial: identity.revocationSerial, authorityKey: identity.authorityKey) {
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

    /// Whether `certificate`, verified against the trust root `authority` in its handshake, is on
    /// that CA's revocation list.
    func isRevoked(_ certificate: Certificate, verifiedAgainst authority: Certificate) -> Bool {
        isRevoked(serial: RevokedCertificate(certificate, revocationDate: Date()).serialNumberHex,
                  authorityKey: authority.publicKey.fingerprint)
    }

    /// Whether `serial` (as revocation lists spell it) is on the list of the CA whose key is `authorityKey`.
    private func isRevoked(serial: String, authorityKey: SHA256Digest?) -> Bool {
        guard let authorityKey, let serials = revokedSerials[authorityKey] else { return false }
        return serials.contains(serial)
    }
}

/// Why a live session ends after a reload: a stable reason (audit), the error code sent to the
/// node, and a detail.
struct SessionEnd: Sendable, Equatable {
    let reason: String
    let code: WireErrorCode
    let detail: String
}
