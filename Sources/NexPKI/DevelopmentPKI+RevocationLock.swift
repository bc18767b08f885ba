import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

extension DevelopmentPKI {
    /// The lock file beside the revocation list (`ca.crl.pem.lock`): every read-modify-write of
    /// the list holds an exclusive `flock` on it.
    public var crlLockPath: String { crlPath + ".lock" }

    /// Runs `body` holding an exclusive `flock` on ``crlLockPath``, so that two `nex pki` runs (or two
    /// threads) that update the list one after the other each see the other's entries: without it,
    /// both read the same list, both add their entry, and the second rename drops the first entry.
    ///
    /// The lock is advisory and tied to this open file description: another open of the file, in
    /// this process or another, waits; closing the descriptor releases it. The lock file stays.
    /// - Throws: ``PKIError`` when the lock file cannot be opened or locked; whatever `body` throws.
    func withRevocationListLock<Result>(_ body: () throws -> Result) throws -> Result {
        let fd = open(crlLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PKIError("cannot open the revocation list's lock file \(crlLockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw PKIError("cannot lock \(crlLockPath): \(String(cString: strerror(errno)))")
            }
        }
        return try body()
    }

    /// Adds `entry` to the list under the lock: re-reads the current list (and the record of the
    /// newest one, ``nextListBasis(authority:startingNewList:)``), and unless the serial is already
    /// on it, re-signs it with the entry added, the next CRL number and a next update `validityDays`
    /// days ahead, and replaces the file atomically.
    /// - Returns: `false` when the serial was already revoked (nothing written).
    /// - Throws: ``PKIError`` when the list is lost and `startingNewList` is false.
    func appendToRevocationList(_ entry: RevokedCertificate, validityDays: Int, authority: Authority,
                                startingNewList: Bool = false) throws -> Bool {
        try withRevocationListLock {
            let basis = try nextListBasis(authority: authority, startingNewList: startingNewList)
            if basis.isListed(entry.serialNumberHex) { return false }
            let isNew = !basis.revoked.contains { $0.serialNumberHex == entry.serialNumberHex }
            let list = try signRevocationList(
                revoked: basis.revoked + (isNew ? [entry] : []), number: basis.number, validityDays: validityDays,
                authority: authority)
            try publish(list, authority: authority)
            return true
        }
    }
}
