import ArgumentParser
import Foundation
import NexClient
import NexConfig
import NexLoad
import NexNotices

#if canImport(Glibc)
import Glibc
#endif

/// `nex load`: drive nexd with many publisher and subscriber nodes over real mTLS and report
/// throughput, loss and latency.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test nexd: P publishers and S subscribers over mutual TLS; rates, loss and latency percentiles.",
        discussion: """
            Notices are signed before the measured phase. Closed loop (default): each publisher keeps at most \
            --window publishes awaiting their ACK; latency is measured from the actual send. Open loop (--rate): \
            each publisher offers a fixed rate; latency is measured from each notice's intended send time. \
            In open loop the report also gives write→deliver, from the moment a notice's frame (its batch closed, with \
            --batch) was handed to the connection to its delivery: publish→deliver less the batch's fill and the tool's \
            timer lag, that is, what nexd, loopback and the subscriber add. \
            Rates are first-to-last receive at the subscribers. Lost and duplicated are counted by message id \
            from what subscribers received.
            --stalled-subscribers K adds K subscribers that subscribe like the others, then never read again: \
            nexd's slow-consumer policy must keep everyone else at full speed. They are left out of every figure; \
            the report says whether nexd closed them or they were still connected at the end.
            --disk-probe SECONDS measures the disk's flush tail as nexd's audit writer meets it (12 KiB appends, each \
            followed by fdatasync, paced at ~1 kHz), after the run; --publishers 0 --disk-probe 10 runs it alone. \
            --disk-probe-bytes B appends B bytes per sync instead: with --spawn the report's 'audit log' line gives \
            nexd's audit bytes per notice, and R × that ÷ 1000 writes what nexd's audit log writes at R notices/s. \
            --durable-posts N runs the reconnect storm (benchmark S8) instead: N durable border posts (role bcp, \
            countries spread over --post-countries East African codes) each attach an inbox (capability inbox.1, \
            filter notice.*.CC) and go offline; one publisher publishes --count notices (default 10,000) round-robin \
            over the topics notice.KIND.CC (KIND yellow unless --kind), every ACK awaited; then every post reconnects \
            at once (--reconnect-concurrency handshakes at a time), re-attaches and drains its inbox, receipting and \
            dropping duplicates by message id. It reports the time from the first reconnect to the last inbox \
            drained, distinct deliveries per second over it, lost and duplicated, and nexd's VmRSS before, at its \
            peak during and after the drain. Each inbox must fit nexd's limits.inboxMessagesPerNode (10,000): \
            --count / --post-countries at most that. --subscribers and --layout do not apply.
            With --spawn, nex load starts its own nexd (the nexd next to nex) with a temporary PKI, a benchmark \
            roster and permissions, fsync on, and stops it at the end. Without it, nexd must already run with \
            the benchmark roster: `nex load --write-config DIR` writes one (run `nexd --config DIR/nexd.yaml`, \
            then `nex load --pki DIR/pki --server 127.0.0.1:PORT`).
            Examples:
              nex load --spawn --publishers 1 --subscribers 1 --count 20000
              nex load --spawn --publishers 1 --subscribers 100 --layout shared --count 2000
              nex load --spawn --rate 2000 --duration 30 --fsync-probe
              nex load --spawn --idle 5000
              nex load --publishers 0 --disk-probe 10
              nex load --spawn --publishers 1 --subscribers 10 --layout shared --stalled-subscribers 1
              nex load --spawn --durable-posts 1000 --count 10000
            """
    )

    @Option(help: "Publisher nodes.") var publishers = 1
    @Option(help: "Subscriber nodes.") var subscribers = 1
    @Option(help: "Subscribers that subscribe like the others, then never read (not counted in any figure).")
    var stalledSubscribers = 0
    @Option(help: "Topic layout: pairs (publisher i → subscriber i), shared (one topic for all), fanout (subscribers spread over the publishers' topics).")
    var layout: TopicLayout = .pairs
    @Option(help: "Size of each notice document in bytes (a valid document of --kind, padded).") var payloadBytes = 1000
    @Option(help: "Notice kind: a colour notice (red, yellow, blue, black, green, orange, purple, silver, un-special). Default: red; yellow with --durable-posts.")
    var kind: String?
    @Option(help: "Open loop: notices per second offered by each publisher. Default: closed loop.") var rate: Double?
    @Option(help: "Closed loop: publishes awaiting their ACK per publisher.") var window = 64
    @Option(help: "Measured notices per publisher (closed loop with --duration: the pre-signed budget).") var count: Int?
    @Option(help: "Seconds to run: open loop sends rate × duration; closed loop stops sending after it.") var duration: Double?
    @Option(help: "Benchmark S9: the last publisher sends urgent notices, open loop at this many per second, to the same subscribers while the others send routine ones; their publish→deliver latency is reported apart (needs --layout shared).")
    var urgentRate: Double?
    @Option(help: "With --urgent-rate: measured urgent notices.") var urgentCount = 60
    @Option(help: "Warm-up notices per publisher, delivered before the measured phase (they enter no figure).") var warmup = 200
    @Flag(help: "Subscribers re-verify every signature with the originator's certificate.") var verify = false
    @Option(help: "Sign each publisher's notices in batches of this many (1-4096; one signature per batch, capability batch.1, D73). A batch is sent whole: open loop once its last notice is due, latency counted from each notice's own due time (when it was handed to the batcher); closed loop when the window has room for all of it.")
    var batch: Int?
    @Option(name: .customLong("batch-linger"), help: ArgumentHelp(
        "Open loop with --batch: a batch also closes once its first notice has waited this long, as a batching client bounds the latency it adds; at a steady rate, batches of the notices due within it (at most --batch).",
        valueName: "MS"))
    var batchLinger: Double?
    @Option(help: "nexd address as IPv4:PORT (ignored with --spawn).") var server = "127.0.0.1:7247"
    @Option(help: "Development PKI holding nodes/<benchmark id>.pem and .key (ignored with --spawn).") var pki = "Certs/dev"
    @Flag(help: "Start a nexd of its own for the run (temporary config, PKI and audit directory) and stop it after.")
    var spawn = false
    @Option(help: "Open this many idle node connections and report nexd's memory and the connection rate.") var idle = 0
    @Flag(help: "Measure write+fdatasync latency of 2 KiB in the run's temporary directory.") var fsyncProbe = false
    @Option(help: ArgumentHelp(
        "Sustained disk probe: for SECONDS, ~1,000 times a second, append --disk-probe-bytes (12 KiB) and fdatasync, in the run's temporary directory (under TMPDIR, where --spawn puts nexd's audit directory); reports p50, p99, p99.9 and max. With --publishers 0 it runs alone.",
        valueName: "seconds"))
    var diskProbe: Double?
    @Option(help: ArgumentHelp(
        "With --disk-probe: bytes appended before each fdatasync (default 12288, S5's audit batch). To meet the disk as nexd's audit writer does at a rate R, give R × the audit log's bytes per notice (the report's 'audit log' line) ÷ 1000.",
        valueName: "bytes"))
    var diskProbeBytes: Int?
    /// What `--disk-probe` appends before each fdatasync when `--disk-probe-bytes` is not given.
    static let defaultDiskProbeBytes = 12 * 1024
    @Option(help: "Reconnect storm (S8): this many durable border posts attach inboxes, go offline while --count notices are published, then all reconnect and drain.")
    var durablePosts: Int?
    @Option(help: "With --durable-posts: the countries posts and notices are spread over (each post's inbox gets about --count / this).")
    var postCountries = 10
    @Option(help: "With --durable-posts: TLS handshakes in progress at once while the posts connect.")
    var reconnectConcurrency = 64
    @Option(help: "Write the report as JSON to this file ('-' for standard output).") var json: String?
    @Option(help: "Write an SVG of the run to this file: the latency percentile distribution and the throughput over time.") var plot: String?
    @Option(help: "Event lanes (serial queues shared by the client connections).") var lanes = 2
    @Option(help: "Write a benchmark nexd config, PKI and node credentials to this directory, then exit.")
    var writeConfig: String?
    @Option(help: "With --spawn or --write-config: nexd's limits.outboundBufferBytes. Default: not written (nexd's default).")
    var outboundBufferBytes: Int?
    @Option(help: "With --spawn or --write-config: nexd's limits.slowConsumerPolicy (e.g. drop; needs a nexd with that key). Default: not written.")
    var slowConsumerPolicy: String?

    func validate() throws {
        if let kind, NoticeKind(rawValue: kind) == nil { throw ValidationError("--kind \(kind) is not a notice kind; try red") }
        if durablePosts != nil {
            try validateReconnectStorm()
            return
        }
        if diskProbeBytes != nil, diskProbe == nil { throw ValidationError("--disk-probe-bytes applies to --disk-probe SECONDS; give both") }
        if let problem = loadConfiguration().problem, (idle == 0 && diskProbe == nil) || publishers > 0 { throw ValidationError(problem) }
        if let diskProbe, !(diskProbe > 0 && diskProbe <= 300) { throw ValidationError("--disk-probe takes seconds, more than 0 and at most 300") }
        if let diskProbeBytes, !(512...(4 << 20)).contains(diskProbeBytes) {
            throw ValidationError("--disk-probe-bytes takes 512 to 4194304 bytes, not \(diskProbeBytes)")
        }
        if let rate, let duration, rate * duration < 1 { throw ValidationError("--rate × --duration must be at least one notice") }
        if count == nil, duration == nil, rate != nil { throw ValidationError("with --rate give --duration or --count") }
        if idle < 0 { throw ValidationError("--idle must not be negative") }
        if let outboundBufferBytes, !(65_536...(1 << 32)).contains(outboundBufferBytes) {
            throw ValidationError("--outbound-buffer-bytes must be between 65536 and 4294967296 (nexd's range for limits.outboundBufferBytes)")
        }
        if let slowConsumerPolicy, slowConsumerPolicy.isEmpty || !slowConsumerPolicy.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "-") }) {
            throw ValidationError("--slow-consumer-policy takes a policy name such as drop or disconnect, not \(slowConsumerPolicy)")
        }
        if slowConsumerPolicy != nil, !spawn, writeConfig == nil {
            throw ValidationError("--slow-consumer-policy applies to the nexd config that --spawn or --write-config writes; set limits.slowConsumerPolicy in your own nexd's config instead")
        }
        if outboundBufferBytes != nil, !spawn, writeConfig == nil {
            throw ValidationError("--outbound-buffer-bytes applies to the nexd config that --spawn or --write-config writes; set limits.outboundBufferBytes in your own nexd's config instead")
        }
    }

    /// The run's configuration from the flags.
    func loadConfiguration() -> LoadConfiguration {
        var configuration = LoadConfiguration()
        configuration.publishers = publishers
        configuration.subscribers = subscribers
        configuration.stalledSubscribers = stalledSubscribers
        configuration.layout = layout
        configuration.payloadBytes = payloadBytes
        configuration.kind = kind.flatMap { NoticeKind(rawValue: $0) } ?? .red
        configuration.warmUpPerPublisher = warmup
        configuration.verifiesSignatures = verify
        configuration.lanes = lanes
        configuration.urgentRate = urgentRate
        configuration.urgentCount = urgentCount
        configuration.batch = batch
        configuration.batchLingerMillis = batchLinger
        if let rate {
            configuration.pacing = .openLoop(ratePerPublisher: rate)
            configuration.countPerPublisher = count ?? Int((rate * (duration ?? 0)).rounded(.down))
        } else {
            configuration.pacing = .closedLoop(window: window)
            // Closed loop for a duration: pre-sign up to 20,000 notices per second of the run, shared.
            configuration.countPerPublisher = count ?? duration.map { Int($0 * 20_000) / max(publishers, 1) } ?? 10_000
            configuration.durationSeconds = duration
        }
        return configuration
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        ProcessStats.raiseOpenFileLimit()
        if let writeConfig {
            var limits = BenchmarkDaemonConfig.Limits()
            limits.outboundBufferBytes = outboundBufferBytes
            limits.slowConsumerPolicy = slowConsumerPolicy
            let setup = try BenchmarkDaemonConfig.create(
                directory: writeConfig, publishers: publishers, subscribers: subscribers, stalled: stalledSubscribers, idle: 0,
                limits: limits, durablePostCountries: durablePostCountries, writeNodeFiles: true)
            print("wrote \(setup.configPath) and the PKI in \(setup.pkiDirectory); start nexd with --config \(setup.configPath)")
            return
        }
        // Before the run: its load average is the machine's, not the run's.
        let runInfo = LoadReport.RunInfo(startedAt: Date(), version: NexVersion.current, arguments: Array(CommandLine.arguments.dropFirst()),
                                         nexd: spawn ? "spawned" : server)
        var outcome = durablePosts == nil ? try LoadSession(command: self).run() : try ReconnectStormSession(command: self).run()
        outcome.run = runInfo
        print(outcome.table)
        if let json {
            let text = try outcome.jsonText()
            if json == "-" {
                print(text, terminator: "")
            } else {
                guard FileManager.default.createFile(atPath: json, contents: Data(text.utf8)) else {
                    throw ValidationError("cannot write \(json)")
                }
            }
        }
        if let plot {
            let title = "nex load: \(outcome.shape.publishers) → \(outcome.shape.subscribers), \(outcome.shape.layout), \(outcome.shape.payloadBytes) B, \(outcome.shape.pacing)"
            guard FileManager.default.createFile(atPath: plot, contents: Data(LoadPlot.svg(outcome, title: title).utf8)) else {
                throw ValidationError("cannot write \(plot)")
            }
        }
        // A storm's duplicates are at-least-once delivery at work (counted, not a failure); a live run has none.
        if outcome.lost > 0 || (outcome.duplicated > 0 && durablePosts == nil) { throw ExitCode(1) }
    }
}

extension TopicLayout: ExpressibleByArgument {}
