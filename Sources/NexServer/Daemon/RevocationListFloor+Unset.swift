import NexCrypto

extension RevocationListFloor {
    /// Refuses to start without `tls.crl` while this file records revoked serials for a CA of
    /// `tls.ca`: running without a list would let those certificates connect again, which is what
    /// the floor exists to prevent (D37). Refused rather than warned about, as an older list is:
    /// nexd fails closed, and the message says how to proceed on purpose.
    /// - Throws: ``DaemonError`` naming the CA, the count of serials and this file.
    func checkListNotUnset(trustRoots: [Certificate], configPath: String) throws(DaemonError) {
        for root in trustRoots {
            guard let floor = try entry(for: root), !floor.revoked.isEmpty else { continue }
            throw DaemonError("tls.crl is not set (\(configPath)), but nexd has put in force a revocation list of the CA \(root.subjectDescription) revoking \(floor.revoked.count) certificate\(floor.revoked.count == 1 ? "" : "s") (number \(floor.number), recorded in \(path)); without a list they could connect again. Set tls.crl to that CA's newest list; only to run without revocation on purpose, remove the CA's line from \(path)")
        }
    }
}
