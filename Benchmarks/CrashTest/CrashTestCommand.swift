import ArgumentParser
import Foundation
import NexLoad

/// `CrashTest`: kills nexd with SIGKILL at random moments under a publishing load, restarts it each
/// time, and checks that every ACKed publish is in the audit log exactly once, with the sequence its
/// ACK named, that the log verifies, that re-sent messages are accepted exactly once, and that every
/// durable border post's inbox delivered every ACKed notice (docs/SECURITY.md, "Crash test"). Run it
/// with `scripts/crash-test.sh`.
@main
struct CrashTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CrashTest",
        abstract: "Kill nexd with SIGKILL under load, restart it, and check the audit log against every ACK.",
        discussion: """
            Exit status: 0 every check held; 1 a check failed (the failing message ids are printed); \
            64 usage. The temporary directory (config, PKI, audit log, one nexd log per start) is kept \
            with --keep, and always when a check failed.
            """
    )

    @Option(name: .long, help: "How many times to kill nexd with SIGKILL (then one last run that is stopped with SIGTERM).")
    var kills = 20

    @Option(name: .long, help: "Notices to publish, signed before the run, split over the publishers.")
    var messages = 20_000

    @Option(name: .long, help: "Publishers: each its own node identity, topic, connection and thread.")
    var publishers = 2

    @Option(name: .long, help: """
        Durable border posts: each its own node identity, inbox (filter notice.>), connection and thread; \
        each must end with every ACKed notice.
        """)
    var inboxSubscribers = 2

    @Option(name: .long, help: "Publishes each publisher may have awaiting an answer.")
    var inFlight = 64

    @Option(name: .long, help: """
        First sends per second per publisher, in bursts of at most --in-flight every 0.2 s or more, on nexd's uptime; \
        what is left when the last nexd starts goes unpaced (0: as fast as the window allows). Default: spread the \
        messages over the kills (a kill every --max-kill-delay + 0.3 s of uptime, so that none finds the load over).
        """)
    var rate: Double?

    @Option(name: .long, help: "nexd's audit.segmentMaxBytes (4096 or more; small values make nexd rotate segments under the kills). Default: nexd's.")
    var segmentMaxBytes: Int?

    @Option(name: .long, help: "Already-ACKed messages each publisher re-sends after every restart (they must get their original ACK).")
    var probes = 8

    @Option(name: .long, help: "Batch-sign each publisher's notices in groups of this many (D73; 1-4096); re-sends after a crash are single notices of a batch.")
    var batch: Int?

    @Option(name: .long, help: "Size of each notice document in bytes.")
    var payload = 512

    @Option(name: .long, help: """
        Shortest wait, in milliseconds, from nexd listening to the kill; then the kill waits (at most 2 s) \
        for a publish awaiting an answer and an inbox delivery unreceipted.
        """)
    var minKillDelay = 50

    @Option(name: .long, help: "Longest wait, in milliseconds, from nexd listening to the kill.")
    var maxKillDelay = 1500

    @Option(name: .long, help: "The nexd to run (default: the nexd next to this executable).")
    var nexd: String?

    @Option(name: .long, help: "Seed for the kill moments (default: random; printed, so a run can be repeated).")
    var seed: UInt64?

    @Option(name: .long, help: "Give up after this many seconds.")
    var timeout: Double = 600

    @Flag(name: .long, help: "Keep the temporary directory.")
    var keep = false

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard kills >= 0 else { throw ValidationError("--kills must be 0 or more") }
        guard publishers >= 1, publishers <= 600 else { throw ValidationError("--publishers must be between 1 and 600") }
        guard messages >= publishers else { throw ValidationError("--messages must be at least --publishers (\(publishers))") }
        guard inboxSubscribers >= 0, inboxSubscribers <= 64 else { throw ValidationError("--inbox-subscribers must be between 0 and 64") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        guard rate ?? 0 >= 0, probes >= 0, payload >= 0 else { throw ValidationError("--rate, --probes and --payload must not be negative") }
        guard minKillDelay >= 0, maxKillDelay >= minKillDelay else {
            throw ValidationError("give 0 ≤ --min-kill-delay ≤ --max-kill-delay (milliseconds)")
        }
        guard segmentMaxBytes ?? 4096 >= 4096 else { throw ValidationError("--segment-max-bytes must be at least 4096") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive (seconds)") }
        if let nexd, !FileManager.default.isExecutableFile(atPath: nexd) {
            throw ValidationError("no executable nexd at \(nexd); build it with `swift build -c release --product nexd`")
        }
    }

    func run() throws {
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        // How much nexd uptime the kills take at most: the longest wait before each, plus the wait for
        // a moment with publishes in flight (at most a burst gap, 0.2 s). Restarts do not count:
        // first sends are paced on uptime.
        let killPhase = Double(kills) * (Double(maxKillDelay) / 1000 + 0.3)
        let rate = rate ?? (kills == 0 ? 0 : Double(messages) / Double(publishers) / killPhase)
        let settings = CrashRun.Settings(
            kills: kills, messages: messages, publishers: publishers, window: inFlight, rate: rate, probes: probes,
            payloadBytes: payload, killDelayMillis: minKillDelay...maxKillDelay, nexd: nexd ?? SpawnedDaemon.siblingExecutable(),
            seed: seed, keepsDirectory: keep, timeoutSeconds: timeout, segmentMaxBytes: segmentMaxBytes,
            inboxSubscribers: inboxSubscribers, batch: batch)
        var run = CrashRun(settings: settings)
        run.log = { line in FileHandle.standardError.write(Data("CrashTest: \(line)\n".utf8)) }
        var report = try run.run()
        report.finish()
        print(json ? report.json : report.table)
        if !report.passed { throw ExitCode(1) }
    }
}
