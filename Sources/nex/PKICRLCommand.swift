import ArgumentParser
import Foundation
import NexCrypto
import NexPKI

/// `nex pki crl`: show or re-sign the CA's revocation list.
struct PKICRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Show the CA's revocation list (ca.crl.pem), or re-sign it with --refresh.",
        discussion: """
            Prints the list's issuer, CRL number, this and next update, and the revoked serial numbers.
            A list past its next update makes nexd refuse every client (crl-expired): --refresh re-signs \
            the same entries with a new next update (--days ahead) and the next CRL number. A CA here \
            publishes a list from its start, so a missing ca.crl.pem is a lost one: --refresh refuses \
            to start a new list unless --start-new-list is given (put the newest list back from a backup \
            first). With it, the new list carries on from ca.crl.issued, the record of the newest list \
            (its number + 1 and its revocations), or, with no record either, starts at number 1 empty: \
            then revoke again what was revoked, since nexd refuses a list older than, or missing a \
            revocation of, the one it has used (<audit.directory>/crl-floor). Add --reload to ask the \
            running nexd to re-read it (SIGHUP) and wait for its verdict (exit status as for `nex pki revoke`).
            """
    )

    @OptionGroup var directory: PKIDirectoryOptions

    @Flag(name: .long, help: "Re-sign the list with new dates and the next CRL number.")
    var refresh = false

    @Flag(name: .long, help: "With --refresh: when ca.crl.pem is lost, start a new list (from the record ca.crl.issued if present) instead of refusing.")
    var startNewList = false

    @Option(name: .long, help: "With --refresh: days until the next update.")
    var days: Int = DevelopmentPKI.revocationListValidityDays

    @OptionGroup var reload: ReloadOptions

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be at least 1") }
        guard refresh || !reload.reload else {
            throw ValidationError("--reload goes with --refresh (showing the list changes nothing to reload)")
        }
        guard refresh || !startNewList else {
            throw ValidationError("--start-new-list goes with --refresh: `nex pki crl --refresh --start-new-list`")
        }
    }

    func run() throws {
        let pki = directory.files
        if refresh {
            let target = try reload.prepare(crlPath: pki.crlPath)
            let list = try pki.refreshCRL(validityDays: days, startingNewList: startNewList)
            print("re-signed \(pki.crlPath): number \(list.crlNumber.map(String.init) ?? "?"), next update \(list.nextUpdate?.pkiText ?? "none")")
            try reload.reload(target)
            return
        }
        let list = try pki.loadRevocationList()
        print("file:        \(pki.crlPath)")
        print("issuer:      \(list.issuerDescription)")
        print("number:      \(list.crlNumber.map(String.init) ?? "none")")
        print("this update: \(list.thisUpdate.pkiText)")
        let expired = list.nextUpdate.map { $0 < Date() } ?? false
        print("next update: \(list.nextUpdate?.pkiText ?? "none")\(expired ? " (EXPIRED: nexd refuses every client; run `nex pki crl --refresh`)" : "")")
        print("revoked:     \(list.revoked.count)")
        for entry in list.revoked {
            print("  \(entry.serialNumberHex)  since \(entry.revocationDate.pkiText)")
        }
    }
}
