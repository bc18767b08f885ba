import ArgumentParser
import Foundation
import NexCrypto
import NexServer

/// `nex pki crl`: show or re-sign the CA's revocation list.
struct PKICRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Show the CA's revocation list (ca.crl.pem), or re-sign it with --refresh.",
        discussion: """
            Prints the list's issuer, CRL number, this and next update, and the revoked serial numbers.
            A list past its next update makes nexd refuse every client (crl-expired): --refresh re-signs \
            the same entries with a new next update (--days ahead) and the next CRL number, or publishes \
            an empty list, number 1, when there is none (right only for a CA that never revoked anything: \
            nexd refuses a list older than one it has used, see <audit.directory>/crl-floor). Add --reload to ask the running nexd to re-read it (SIGHUP) \
            and wait for its verdict (exit status as for `nex pki revoke`).
            """
    )

    @OptionGroup var directory: PKIDirectoryOptions

    @Flag(name: .long, help: "Re-sign the list with new dates and the next CRL number.")
    var refresh = false

    @Option(name: .long, help: "With --refresh: days until the next update.")
    var days: Int = DevelopmentPKI.revocationListValidityDays

    @OptionGroup var reload: ReloadOptions

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be at least 1") }
        guard refresh || !reload.reload else {
            throw ValidationError("--reload goes with --refresh (showing the list changes nothing to reload)")
        }
    }

    func run() throws {
        let pki = directory.files
        if refresh {
            let target = try reload.prepare(crlPath: pki.crlPath)
            let list = try pki.refreshCRL(validityDays: days)
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
