import Foundation
import NexConfig
import NexCrypto
import NexAudit

/// One CA's revocation list in force: the file it was read from, the list, and the CA of `tls.ca`
/// that signed it.
struct RevocationListInForce: Sendable {
    /// The file named in `tls.crl`.
    let path: String
    let list: CertificateRevocationList
    /// The trust root whose key verifies ``list``.
    let authority: Certificate
    /// The serials on ``list`` (canonical hex).
    let revokedSerials: Set<String>

    init(path: String, list: CertificateRevocationList, authority: Certificate) {
        self.path = path
        self.list = list
        self.authority = authority
        self.revokedSerials = Set(list.revoked.map(\.serialNumberHex))
    }

    /// Whether both are lists of one CA: the same key (a CA certificate renewed with its key keeps its lists).
    func isOfSameAuthority(as other: RevocationListInForce) -> Bool {
        authority.publicKey.fingerprint == other.authority.publicKey.fingerprint
    }
}

extension DaemonSettings {
    /// `revocation list #2 of <CA> with 1 revoked` (each CA's, `, `-separated; CAs named by
    /// ``label(ofAuthority:)``), with each list's next update if asked, or that there is none.
    func revocationSummary(withNextUpdate: Bool = false) -> String {
        guard !revocationLists.isEmpty else { return "no revocation list (tls.crl unset)" }
        return (revocationLists.count == 1 ? "revocation list " : "revocation lists ") + revocationLists.map { entry in
            let nextUpdate = withNextUpdate ? ", next update \(Timestamp.format(millis: Int64((entry.list.nextUpdate?.timeIntervalSince1970 ?? 0) * 1000)))" : ""
            return "#\(entry.list.crlNumber.map(String.init) ?? "?") of \(label(ofAuthority: entry.authority)) with \(entry.list.revoked.count) revoked" + nextUpdate
        }.joined(separator: (withNextUpdate ? "; " : ", "))
    }

    /// The name of a CA of `tls.ca` in metrics and messages: its subject CN, with the start of its
    /// key's fingerprint when another trust root has the same CN (a CA being replaced by a new key),
    /// or of its certificate's when that one has the same key too (a CA certificate renewed).
    func label(ofAuthority authority: Certificate) -> String {
        let name = authority.subjectCommonName ?? String(authority.fingerprint.hex.prefix(16))
        let namesakes = trustRoots.filter { ($0.subjectCommonName ?? "") == (authority.subjectCommonName ?? "") && $0 != authority }
        guard !namesakes.isEmpty else { return name }
        let key = authority.publicKey.fingerprint
        if namesakes.contains(where: { $0.publicKey.fingerprint == key }) {
            return name + " (cert " + String(authority.fingerprint.hex.prefix(8)) + ")"
        }
        return name + " (key " + String(key.hex.prefix(8)) + ")"
    }

    /// The revocation lists named by `tls.crl`: each signed by a CA of `tls.ca`, with a next-update
    /// date and a CRL number, one per CA, and a list for every CA (OpenSSL refuses the nodes of a CA
    /// without one: "unable to get certificate CRL"). An expired list is loaded all the same: OpenSSL
    /// then refuses its CA's handshakes with `crl-expired`, which is the fail-closed behaviour wanted
    /// (and nexd says so loudly).
    static func loadRevocationLists(_ configuration: DaemonConfiguration,
                                    trustRoots: [Certificate]) throws(DaemonError) -> [RevocationListInForce] {
        let source = configuration.sourcePath
        var loaded: [RevocationListInForce] = []
        for path in configuration.tls.crl {
            let list: CertificateRevocationList
            do { list = try CertificateRevocationList(pemFile: path) } catch {
                throw DaemonError("cannot load the revocation list \(path) (\(source): tls.crl): \(error.message). `nex pki crl --refresh` writes a fresh one")
            }
            guard let authority = trustRoots.first(where: { list.isSigned(by: $0) }) else {
                throw DaemonError("the revocation list \(path) is not signed by a CA in \(configuration.tls.ca) (\(source): tls.crl)")
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
            let entry = RevocationListInForce(path: path, list: list, authority: authority)
            if let twin = loaded.first(where: { $0.isOfSameAuthority(as: entry) }) {
                throw DaemonError("the revocation lists \(twin.path) and \(path) are both of the CA \(authority.subjectDescription) (\(source): tls.crl); name one list per CA, the newest")
            }
            loaded.append(entry)
        }
        if !loaded.isEmpty {
            for root in trustRoots where !loaded.contains(where: { $0.authority.publicKey.fingerprint == root.publicKey.fingerprint }) {
                throw DaemonError("the CA \(root.subjectDescription) of \(configuration.tls.ca) has no revocation list in tls.crl (\(source)): its nodes would be refused (unable to get certificate CRL); add its list to tls.crl, one per CA")
            }
            try checkKeyIdentifiers(of: loaded, trustRoots: trustRoots, configuration)
        }
        return loaded
    }

    /// OpenSSL finds a node's issuer and its revocation list by subject name, and tells two CAs of
    /// one name (a CA replaced by a new key under its old name) apart only by key identifiers: the
    /// roots' subject key identifiers and the lists' authority key identifiers (`nex pki` writes
    /// both). Without them it may check a list against the wrong root (`CRL signature failure`:
    /// that CA's nodes refused), so such a pair is refused here, naming what is missing.
    private static func checkKeyIdentifiers(of lists: [RevocationListInForce], trustRoots: [Certificate],
                                            _ configuration: DaemonConfiguration) throws(DaemonError) {
        let source = configuration.sourcePath
        for entry in lists {
            let subject = entry.authority.subjectDescription
            guard trustRoots.contains(where: { $0.subjectDescription == subject && $0.publicKey.fingerprint != entry.authority.publicKey.fingerprint }) else { continue }
            guard let keyID = entry.authority.subjectKeyIdentifier, !keyID.isEmpty else {
                throw DaemonError("two CAs of \(configuration.tls.ca) are named \(subject), and one has no subject key identifier (\(source): tls.ca); OpenSSL could check a node or a list against the wrong one. Give each a subject key identifier (nex pki does), or a name of its own")
            }
            guard entry.list.authorityKeyIdentifier == keyID else {
                throw DaemonError("the revocation list \(entry.path) has no authority key identifier naming its CA, one of two CAs named \(subject) (\(source): tls.crl); OpenSSL could check it against the other. Have the CA write the extension (nex pki does)")
            }
        }
    }

    /// On a reload, each CA's new list must not be older than the one in force for that CA, nor
    /// already expired (applying it would refuse its CA's nodes; the running lists stay instead and
    /// nexd says why). A CA new to `tls.ca` starts afresh (the crl-floor still holds what nexd used
    /// of it before); lists cannot be dropped while in force (unsetting `tls.crl` would un-revoke).
    static func checkSuccession(of lists: [RevocationListInForce], after running: [RevocationListInForce],
                                _ configuration: DaemonConfiguration) throws(DaemonError) {
        let source = configuration.sourcePath
        if lists.isEmpty, !running.isEmpty {
            throw DaemonError("tls.crl is no longer set (\(source)), which would un-revoke every revoked certificate; set it, or restart nexd to run without revocation checks")
        }
        for entry in lists {
            let inForce = running.first(where: { $0.isOfSameAuthority(as: entry) })
            // An expired list already in force is not news (its CA's nodes are refused already):
            // it must not block a reload that brings another CA's revocations.
            if let nextUpdate = entry.list.nextUpdate, nextUpdate < Date(), inForce?.list.derBytes != entry.list.derBytes {
                throw DaemonError("the revocation list \(entry.path) expired at \(nextUpdate) (\(source): tls.crl); re-sign it with `nex pki crl --refresh`")
            }
            guard let old = inForce,
                  let oldNumber = old.list.crlNumber, let newNumber = entry.list.crlNumber else { continue }
            if newNumber < oldNumber {
                throw DaemonError("the revocation list \(entry.path) is number \(newNumber), older than the running number \(oldNumber) of its CA \(entry.authority.subjectDescription) (\(source): tls.crl); an older list would un-revoke certificates")
            }
        }
    }
}
