import NexBroker
import NexCrypto

/// Everything a reload (SIGHUP) may replace, built and checked completely before it is swapped in
/// as one value: the configuration, the TLS context made from its CA, certificate, key and
/// revocation list, and every roster node's compiled permissions.
///
/// Immutable; connections read the current one when they need it (``ServerContext/settings``).
final class DaemonSettings: Sendable {
    let configuration: DaemonConfiguration
    let tlsContext: TLSContext
    /// Compiled permissions of every roster node (validated when the config was loaded).
    let permissions: [String: NodePermissions]
    /// The revocation list the TLS context checks, if `tls.crl` is set.
    let revocationList: CertificateRevocationList?
    /// The CA certificates client certificates must chain to.
    let trustRoots: [Certificate]
    /// 1 for the settings nexd started with, +1 per successful reload.
    let generation: Int

    private init(configuration: DaemonConfiguration, tlsContext: TLSContext, permissions: [String: NodePermissions],
                 revocationList: CertificateRevocationList?, trustRoots: [Certificate], generation: Int) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.permissions = permissions
        self.revocationList = revocationList
        self.trustRoots = trustRoots
        self.generation = generation
    }

    /// Loads the TLS files and compiles the permissions of `configuration`.
    /// - Throws: ``DaemonError`` naming the file and config key at fault.
    static func make(_ configuration: DaemonConfiguration, generation: Int) throws(DaemonError) -> DaemonSettings {
        let files = configuration.tls
        let source = configuration.sourcePath
        let trustRoots: [Certificate]
        let chain: [Certificate]
        let key: PrivateKey
        do { trustRoots = try Certificate.certificates(pemFile: files.caCertificate) } catch {
            throw DaemonError("cannot load the CA certificate \(files.caCertificate) (\(source): tls.ca): \(error.message)")
        }
        do { chain = try Certificate.certificates(pemFile: files.certificate) } catch {
            throw DaemonError("cannot load the server certificate \(files.certificate) (\(source): tls.certificate): \(error.message)")
        }
        do { key = try PrivateKey(pemFile: files.privateKey) } catch {
            throw DaemonError("cannot load the server key \(files.privateKey) (\(source): tls.key): \(error.message)")
        }
        guard let leaf = chain.first, !trustRoots.isEmpty else {
            throw DaemonError("no certificate found in \(files.certificate) or \(files.caCertificate) (\(source): tls)")
        }
        let revocationList = try loadRevocationList(configuration, trustRoots: trustRoots)
        let tlsContext: TLSContext
        do {
            tlsContext = try TLSContext.server(certificate: leaf, chain: Array(chain.dropFirst()), key: key, trustRoots: trustRoots,
                                               revocationLists: revocationList.map { [$0] } ?? [])
        } catch {
            throw DaemonError("cannot set up TLS from \(files.certificate) and \(files.privateKey) (\(source): tls): \(error.message)")
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
                              revocationList: revocationList, trustRoots: trustRoots, generation: generation)
    }

    /// The revocation list named by `tls.crl`, which must be signed by one of the CA certificates.
    /// An expired list is loaded all the same: OpenSSL then refuses every handshake with
    /// `crl-expired`, which is the fail-closed behaviour wanted (and nexd says so loudly).
    private static func loadRevocationList(_ configuration: DaemonConfiguration,
                                           trustRoots: [Certificate]) throws(DaemonError) -> CertificateRevocationList? {
        guard let path = configuration.tls.revocationList else { return nil }
        let source = configuration.sourcePath
        let list: CertificateRevocationList
        do { list = try CertificateRevocationList(pemFile: path) } catch {
            throw DaemonError("cannot load the revocation list \(path) (\(source): tls.crl): \(error.message). `nex pki crl --refresh` writes a fresh one")
        }
        guard trustRoots.contains(where: { list.isSigned(by: $0) }) else {
            throw DaemonError("the revocation list \(path) is not signed by the CA in \(configuration.tls.caCertificate) (\(source): tls.crl)")
        }
        return list
    }

    /// Whether `certificate` is on the revocation list.
    func isRevoked(_ certificate: Certificate) -> Bool {
        revocationList?.isRevoked(serialNumberHex: certificate.serialNumberHex) ?? false
    }
}
