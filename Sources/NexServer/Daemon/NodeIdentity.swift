import Foundation
import NexConfig
import NexCrypto
import NexBroker
import NexNotices

/// A connected node as nexd knows it after the handshake: who (certificate CN, on the roster),
/// which certificate, and from where.
public struct NodeIdentity: Sendable {
    /// Roster id = certificate subject CN.
    public var id: String
    public var role: NodeRole
    public var country: String
    /// The verified client certificate.
    public var certificate: Certificate
    /// `ip:port` of the peer.
    public var peer: String
    /// What the node may publish and subscribe to (its role's rules plus its own).
    public var permissions: NodePermissions
    /// The certificate's serial number as revocation lists spell it (computed once: it is checked
    /// on every publish).
    public let revocationSerial: String

    public init(id: String, role: NodeRole, country: String, certificate: Certificate, peer: String, permissions: NodePermissions) {
        self.id = id
        self.role = role
        self.country = country
        self.certificate = certificate
        self.peer = peer
        self.permissions = permissions
        self.revocationSerial = RevokedCertificate(certificate, revocationDate: .distantPast).serialNumberHex
    }
}
