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
    /// only for nexd's own signer (``nexd(id:certificate:)``), which never opens a session.
    public let authorityKey: SHA256Digest?

    /// A node admitted by a handshake that verified `certificate` against the trust root `authority`.
    public init(id: String, role: NodeRole, country: String, certificate: Certificate, peer: String, authority: Certificate) {
        self.init(id: id, role: role, country: country, certificate: certificate, peer: peer, authorityKey: authority.publicKey.fingerprint)
    }

    private init(id: String, role: NodeRole, country: String, certificate: Certificate, peer: String, authorityKey: SHA256Digest?) {
        self.id = id
        self.role = role
        self.country = country
        self.certificate = certificate
        self.peer = peer
        self.revocationSerial = RevokedCertificate(certificate, revocationDate: .distantPast).serialNumberHex
        self.authorityKey = authorityKey
    }

    /// nexd itself as the sender of what it signs with the audit key (its `expire` messages, D61):
    /// no handshake, no session, so no CA vouched for it here (the broker commits its messages
    /// directly; no session check reads this identity).
    static func nexd(id: String, certificate: Certificate) -> NodeIdentity {
        NodeIdentity(id: id, role: .gs, country: "", certificate: certificate, peer: "nexd", authorityKey: nil)
    }
}
