import ArgumentParser
import NexClient
import NexCrypto
import NexServer

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
    func credentials() throws -> NodeCredentials {
        let pkiFiles = DevelopmentPKI(directory: pki)
        return try NodeCredentials.load(
            certificatePath: cert ?? pkiFiles.nodeCertificatePath(node),
            keyPath: key ?? pkiFiles.nodeKeyPath(node),
            caPath: ca ?? pkiFiles.caCertificatePath)
    }

    /// Connects as the node.
    func connect(credentials: NodeCredentials) throws -> NexConnection {
        let (host, port) = split(server)!
        // Check that the server's certificate names the host we dialled, so no other certificate
        // from the same CA (a node's, the audit identity's) can pose as nexd.
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key,
                                            trustRoots: credentials.trustRoots, serverName: serverName ?? host)
        return try NexConnection(host: host, port: port, context: context, clientName: "nex \(NexVersion.current)")
    }
}
