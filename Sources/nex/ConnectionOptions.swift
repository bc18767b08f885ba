import ArgumentParser
import Foundation
import NexAudit
import NexClient
import NexConfig
import NexCrypto
import NexPKI

/// Options every node client shares: which node, which credentials, which server.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Node id to act as (its certificate CN, e.g. bcp.rw.rusumo).")
    var node: String

    @Option(name: .long, help: "nexd address as HOST:PORT.")
    var server: String = "127.0.0.1:7247"

    @Option(name: .long, help: "Development PKI directory; the node's files are nodes/<id>.pem and .key.")
    var pki: String = "Certs/dev"

    @Option(name: .long, help: "Name (DNS or IP) nexd's certificate must carry (default: the --server host).")
    var serverName: String?

    @Option(name: .long, help: "Certificate PEM (overrides the one from --pki).")
    var cert: String?

    @Option(name: .long, help: "Private key PEM (overrides the one from --pki).")
    var key: String?

    @Option(name: .long, help: "CA certificate PEM that issued nexd's certificate (overrides --pki's ca.pem).")
    var ca: String?

    @Option(name: .long, help: "nexd config whose roster --node must be on (checked when it can be read).")
    var config: String = DaemonConfiguration.defaultPath

    func validate() throws {
        guard split(server) != nil else {
            throw ValidationError("--server must be HOST:PORT, for example 127.0.0.1:7247")
        }
    }

    private func split(_ address: String) -> (String, UInt16)? {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// Loads the node's credentials.
    /// - Throws: `ValidationError` (exit 64) when `--node` is not on the roster (or, when the
    ///   roster cannot be read, has no certificate in `--pki`), naming near matches; else the
    ///   loading error.
    func credentials() throws -> NodeCredentials {
        let pkiFiles = DevelopmentPKI(directory: pki)
        if let known = NodeNames.roster(config: config), !known.contains(node) {
            throw ValidationError("--node \"\(node)\" is not in the roster (\(config))\(NearMatch.hint(for: node, among: known))")
        }
        if cert == nil, !FileManager.default.fileExists(atPath: pkiFiles.nodeCertificatePath(node)) {
            let known = NodeNames.withCertificates(pki: pkiFiles)
            throw ValidationError("no certificate for --node \"\(node)\" in \(pkiFiles.nodesDirectory)\(NearMatch.hint(for: node, among: known)) (run `nex pki init` for the development PKI, or pass --cert and --key)")
        }
        return try NodeCredentials.load(
            certificatePath: cert ?? pkiFiles.nodeCertificatePath(node),
            keyPath: key ?? pkiFiles.nodeKeyPath(node),
            caPath: ca ?? pkiFiles.caCertificatePath)
    }

    /// The node's credentials for a long-running command: a usage problem stays a ValidationError
    /// (exit 64); any other failure is said on standard error as `<command>: <error>` and exits 3.
    func credentialsOrExit(as command: String) throws -> NodeCredentials {
        do {
            return try credentials()
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("\(command): \(error)\n".utf8))
            throw ExitCode(3)
        }
    }

    /// Connects as the node.
    /// - Parameter capabilities: protocol capabilities to ask for (docs/PROTOCOL.md "Capabilities").
    /// The node's credentials and a connection to nexd, for a command that publishes once: a usage
    /// problem stays a ValidationError (exit 64); any other failure is said on standard error as
    /// `<command>: <error>` and exits 3 (cannot connect, README §Exit statuses).
    func connectForPublishing(as command: String, capabilities: [String] = []) throws -> (NodeCredentials, NexConnection) {
        do {
            let credentials = try credentials()
            return (credentials, try connect(credentials: credentials, capabilities: capabilities))
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("\(command): \(error)\n".utf8))
            throw ExitCode(3)
        }
    }

    func connect(credentials: NodeCredentials, capabilities: [String] = []) throws -> NexConnection {
        let (host, port) = split(server)!
        // Check that the server's certificate names the host we dialled, so no other certificate
        // from the same CA (a node's, the audit identity's) can pose as nexd.
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key,
                                            trustRoots: credentials.trustRoots, serverName: serverName ?? host)
        return try NexConnection(host: host, port: port, context: context, clientName: "nex \(NexVersion.current)",
                                 capabilities: capabilities)
    }
}

/// Node ids a CLI can check `--node` against.
enum NodeNames {
    /// The roster of the config at `config`, or `nil` when it cannot be read.
    static func roster(config: String) -> [String]? {
        (try? DaemonConfiguration.load(path: config))?.roster.entries.map(\.id)
    }

    /// The nodes with a certificate in the development PKI.
    static func withCertificates(pki: DevelopmentPKI) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pki.nodesDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pem") }.map { String($0.dropLast(4)) }.sorted()
    }
}
