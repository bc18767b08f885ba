import NexCrypto

/// A node's TLS identity and signing key, plus the CA that issues nexd's certificate.
public struct NodeCredentials: Sendable {
    public let certificate: Certificate
    public let key: PrivateKey
    public let trustRoots: [Certificate]

    /// Creates credentials from loaded values.
    public init(certificate: Certificate, key: PrivateKey, trustRoots: [Certificate]) {
        self.certificate = certificate
        self.key = key
        self.trustRoots = trustRoots
    }

    /// Loads PEM files.
    /// - Throws: ``ClientError`` naming the file that cannot be read.
    public static func load(certificatePath: String, keyPath: String, caPath: String) throws(ClientError) -> NodeCredentials {
        do {
            guard let certificate = try Certificate.certificates(pemFile: certificatePath).first else {
                throw ClientError(.credentials, "no certificate in \(certificatePath)")
            }
            let key = try PrivateKey(pemFile: keyPath)
            let roots = try Certificate.certificates(pemFile: caPath)
            return NodeCredentials(certificate: certificate, key: key, trustRoots: roots)
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(.credentials, "cannot load credentials (\(certificatePath), \(keyPath), \(caPath)): \(error)")
        }
    }

    /// The node id the certificate asserts.
    public var nodeID: String { certificate.subjectCommonName ?? "" }
}
