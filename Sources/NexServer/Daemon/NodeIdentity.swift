import Foundation
import NexConfig
import NexCrypto
import NexBroker
import NexNotices

/// A connected node as nexd knows it after the handshake: who (certificate CN, on the roster),
/// which certificate, and from where. Its permissions are not part of it: they belong to a
/// settings generation (``DaemonSettings/permissions(of:)``), which a reload replaces.
public struct NodeIdentity: Sendable {
    /// Roster id = certificate subject CN.
    public var id: String
    public var role: NodeRole
    public var country: String
    /// The verified client certificate.
    public var certificate: Certificate
    /// `ip:port` of the peer.
    public var peer: String
    /// The certificate's serial number as revocation lists spell it (computed once: it is checked
    /// on every publish).
    public let revocationSerial: String
    /// The SHA-256 of the public key of the CA of `tls.ca` the certificate was verified against in
    /// the handshake: whose revocation list applies, and whether a reload still trusts it. `nil`
    /// only for identities made without a handshake (tests), which then match no list and are
    /// never ended for their CA.
    public let authorityKey: SHA256Digest?

    public init(id: String, role: NodeRole, country: String, certificate: Certificate, peer: String, authority: Certificate? = nil) {
        self.id = id
        self.role = role
        self.country = country
        self.certificate = certificate
        self.peer = peer
        self.revocationSerial = RevokedCertificate(certificate, revocationDate: .distantPast).serialNumberHex
        self.authorityKey = authority?.publicKey.fingerprint
    }
}
