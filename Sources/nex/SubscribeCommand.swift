import ArgumentParser
import Foundation
import NexClient
import NexCrypto

/// `nex subscribe`: receive notices as a node, re-verifying every signature end to end, and
/// reconnect by itself when the connection is lost.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe as a node and print each delivery, re-verifying the originator's signature.",
        discussion: """
            FILTER is a topic filter: `*` matches one token, `>` the rest (e.g. notice.>, hit.rw.*). \
            Each delivery shows the origin nexd asserts, the audit sequence and whether the signature \
            verified with the originator certificate fetched from nexd by fingerprint. That certificate \
            counts only if the CA of --ca issued it, it was valid when nexd accepted the notice and when \
            the notice was signed (its issued-at), it carries clientAuth, its key usage (if any) allows \
            digitalSignature and its CN is the sender; else the line says "signature NOT verified" \
            and why. Receipts are sent for every delivery. Runs until Ctrl-C, --count deliveries, or --timeout idle seconds.

            A follow-up (kind update, cancel or withdraw) is announced on a line of its own before the \
            delivery: `CANCELLED <original>: arrest`, `UPDATED <original> to version 2: …`, `WITHDRAWN …` \
            (with --json, a "followUp" member). nex lists the capability lifecycle.1, so nexd also sends \
            follow-ups of notices this node holds when FILTER no longer matches them ("(you hold the \
            original)"; docs/NOTICES.md "Follow-ups").

            When the connection is lost or cannot be made (nexd stopped or restarting, the network, \
            `shutting-down`, `overloaded`), it says why on standard error, waits a random time up to \
            0.5 s, then 1, 2, 4 … up to --max-retry-delay seconds (full jitter; back to 0.5 s after a \
            session whose subscription was accepted), reconnects and subscribes again. A delivery whose \
            message id it has already printed (one of the last 100,000) is receipted but not printed \
            again; --count counts distinct deliveries and --timeout idle time across reconnects, and \
            at a --count or --timeout exit it prints the totals (deliveries, duplicates dropped, \
            sessions) on standard error. It \
            never retries a permanent refusal — a revoked, expired or foreign certificate, a node not \
            in the roster or not permitted to subscribe to FILTER, an invalid filter — it says so and \
            exits 1. --no-reconnect exits at the first loss instead (status 3 when it cannot connect, \
            1 when the connection or subscription is refused or lost).
            """
    )

    @Argument(help: "Topic filter.")
    var filter: String

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Exit after this many (distinct) deliveries.")
    var count: Int?

    @Option(name: .long, help: "Exit (status 4) after this many seconds without a new delivery.")
    var timeout: Int?

    @Flag(name: .long, help: "Print one JSON object per delivery.")
    var json = false

    @Option(name: .long, help: "Keep the newest signed audit checkpoint nexd sends in this file (a witness for `nex audit verify --witness`).")
    var witness: String?

    @Option(name: .long, help: "Audit certificate that verifies checkpoints (default: <pki>/audit.pem).")
    var auditCert: String?

    @Flag(name: .long, help: "Subscribe durably: nexd keeps matching notices in the node's inbox while it is away and delivers them, oldest first, when it attaches again (across nexd restarts).")
    var durable = false

    @Option(name: .long, help: "With --durable: the inbox's name (default: the filter). One inbox keeps one filter.")
    var inbox: String?

    @Flag(name: .long, help: "Exit when the connection is lost instead of reconnecting.")
    var noReconnect = false

    @Option(name: .long, help: "Longest wait between reconnect attempts, in seconds (default 30).")
    var maxRetryDelay: Double?

    func validate() throws {
        if let maxRetryDelay, !(maxRetryDelay > 0 && maxRetryDelay <= 86_400) {
            throw ValidationError("--max-retry-delay must be more than 0 and at most 86400 seconds, for example --max-retry-delay 10")
        }
        if noReconnect, maxRetryDelay != nil {
            throw ValidationError("--max-retry-delay has no effect with --no-reconnect: drop one of them")
        }
        if let inbox {
            guard durable else { throw ValidationError("--inbox names a durable inbox: add --durable") }
            guard (1...128).contains(inbox.utf8.count), inbox.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw ValidationError("--inbox must be 1–128 printable ASCII characters without spaces, for example --inbox watchlist")
            }
        }
    }

    func run() throws {
        let credentials = try connection.credentialsOrExit(as: "nex subscribe")
        let keeper = try witness.map {
            try WitnessKeeper(path: $0, auditCertificatePath: auditCert ?? connection.pki + "/audit.pem")
        }
        var progress = SubscriberProgress(idleTimeout: timeout.map { .seconds($0) })
        var backoff = ReconnectBackoff(maximumDelay: maxRetryDelay.map { .milliseconds(Int64($0 * 1000)) } ?? .seconds(30))
        while true {
            switch runSession(credentials: credentials, keeper: keeper, progress: &progress) {
            case .finished:
                reportSummary(progress)
                return
            case .idle:
                Self.complain("no delivery for \(timeout ?? 0) s")
                reportSummary(progress)
                throw ExitCode(4)
            case .ended(let end):
                if noReconnect { try end.exitAsBefore() }
                let failure = end.failure
                if failure.isPermanent {
                    Self.complain("nexd refused \(connection.node) for good: \(failure.reason); not retrying")
                    throw ExitCode(1)
                }
                if end.wasSubscribed { backoff.reset() }
                let delay = backoff.nextDelay()
                Self.complain("\(end.summary) (\(failure.reason)); reconnecting in \(Self.seconds(delay)) s (attempt \(backoff.attempts))")
                guard progress.sleep(delay) else {
                    Self.complain("no delivery for \(timeout ?? 0) s")
                    reportSummary(progress)
                    throw ExitCode(4)
                }
            }
        }
    }

    /// With reconnecting on, the totals at a --count or --timeout exit: what was printed and what
    /// a reconnect repeated.
    private func reportSummary(_ progress: SubscriberProgress) {
        guard !noReconnect else { return }
        Self.complain("\(progress.received) \(progress.received == 1 ? "delivery" : "deliveries"), \(progress.duplicates) \(progress.duplicates == 1 ? "duplicate" : "duplicates") dropped, \(progress.sessions) \(progress.sessions == 1 ? "session" : "sessions")")
    }

    /// One line on standard error, prefixed `nex subscribe: `.
    static func complain(_ message: String) {
        FileHandle.standardError.write(Data("nex subscribe: \(message)\n".utf8))
    }

    /// `1.3`: seconds with one decimal.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = (Double(seconds) * 10 + Double(attoseconds) / 1e17).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
    }
}
