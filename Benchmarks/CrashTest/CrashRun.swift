import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexLoad
import NexNotices
import NexPKI

/// One crash-test run: a temporary PKI, config and audit directory; durable border posts (inbox
/// subscribers) and publishers on their own threads; nexd started, killed with SIGKILL `kills`
/// times — each at a random moment, then as soon as a publish awaits an answer and an inbox
/// delivery is unreceipted — and started again, then a last nexd that is not killed until every
/// message is ACKed and every inbox subscriber has every ACKed message, and is stopped with
/// SIGTERM; then the log is verified and read back against what the publishers were told and the
/// inbox subscribers received.
struct CrashRun {
    struct Settings: Sendable {
        var kills: Int
        var messages: Int
        var publishers: Int
        var window: Int
        var rate: Double
        var probes: Int
        var payloadBytes: Int
        var killDelayMillis: ClosedRange<Int>
        var nexd: String
        var seed: UInt64
        var keepsDirectory: Bool
        var timeoutSeconds: Double
        /// nexd's `audit.segmentMaxBytes`; nil: nexd's default.
        var segmentMaxBytes: Int?
        /// Durable border posts, each attached to its own inbox (``InboxSubscriber``).
        var inboxSubscribers: Int
        /// Batch signatures (D73): each publisher signs its notices in batches of this many; nil: single.
        var batch: Int? = nil
        /// The longest wait, after the random delay, for a kill moment with publishes and inbox
        /// deliveries in flight.
        var killMomentWait: Duration = .seconds(2)

        /// First sends per paced burst: a window, or fewer so that bursts come at least every 0.2 s
        /// (a kill then waits at most that long for publishes in flight).
        var burst: Int { max(1, min(window, Int(rate * 0.2))) }
    }

    let settings: Settings
    /// Progress lines (standard error).
    var log: (String) -> Void = { _ in }

    func run() throws -> CrashReport {
        let started = ContinuousClock.now
        let deadline = started + .seconds(settings.timeoutSeconds)
        var report = CrashReport()
        report.seed = settings.seed
        report.publishers = settings.publishers
        report.messages = settings.messages
        report.ratePerPublisher = settings.rate
        report.window = settings.window
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nex-crash-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        var limits = BenchmarkDaemonConfig.Limits()
        limits.fsync = true
        limits.replayWindowSeconds = 3600
        limits.segmentMaxBytes = settings.segmentMaxBytes
        // Room for every message in each inbox: a bound that drops notices is not what this tests.
        limits.inboxMessagesPerNode = max(10_000, settings.messages)
        let setup = try BenchmarkDaemonConfig.create(directory: directory, publishers: settings.publishers, subscribers: 0,
                                                     idle: 0, limits: limits,
                                                     durablePostCountries: Array(repeating: "ke", count: settings.inboxSubscribers))
        var keeps = settings.keepsDirectory
        defer {
            if keeps { log("kept \(directory) (nexd-N.log per start, audit/, nexd.yaml, pki/)") } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        let publishers = try makePublishers(setup: setup, deadline: deadline)
        let slot = publishers.slot
        let inboxes = try startInboxSubscribers(setup: setup, slot: slot, progress: publishers.progress, deadline: deadline)
        let finished = DispatchGroup()
        var generator = SeededGenerator(seed: settings.seed)
        for round in 0...settings.kills {
            let isFinal = round == settings.kills
            let spawnStarted = ContinuousClock.now
            let daemon: SpawnedDaemon
            do {
                daemon = try SpawnedDaemon(executable: settings.nexd, configPath: setup.configPath,
                                           logPath: directory + "/nexd-\(round).log", timeout: 60)
            } catch {
                report.failures.append("nexd did not start\(round > 0 ? " after kill \(round)" : ""): \(error)")
                break
            }
            report.daemonStarts += 1
            report.slowestStartMillis = max(report.slowestStartMillis, Self.millis(ContinuousClock.now - spawnStarted))
            slot.up(port: daemon.port, isFinal: isFinal)
            if round == 0 {
                // Publish only once every inbox exists, so that each must hold every ACKed message.
                if inboxes.firstAttach.wait(timeout: .now() + .seconds(30)) == .timedOut {
                    report.failures.append("the inbox subscribers did not attach to the first nexd within 30 s")
                }
                start(publishers.list, finished: finished)
            }
            if !isFinal {
                let delay = Int.random(in: settings.killDelayMillis, using: &generator)
                Thread.sleep(forTimeInterval: Double(delay) / 1000)
                let moment = awaitKillMoment(publishers.progress)
                slot.down()
                let exit = daemon.crash()
                report.kills += 1
                if moment.publishes > 0 { report.killsWithPublishesInFlight += 1 }
                if moment.unreceipted > 0 { report.killsWithInboxDeliveriesInFlight += 1 }
                if moment.isAfterLoad { report.killsAfterLoad += 1 }
                report.longestKillMomentWaitMillis = max(report.longestKillMomentWaitMillis, moment.waitedMillis)
                log("kill \(round + 1)/\(settings.kills) after \(delay) + \(moment.waitedMillis) ms (\(moment.publishes) publishes "
                    + "awaiting an answer, \(moment.unreceipted) inbox deliveries unreceipted\(moment.isAfterLoad ? ", every message ACKed" : "")): "
                    + "nexd ended by \(exit)")
                if ContinuousClock.now > deadline { report.failures.append("the run passed --timeout during the kills"); break }
                continue
            }
            let remaining = deadline - ContinuousClock.now
            let waited = finished.wait(timeout: .now() + .milliseconds(max(0, Self.millis(remaining))))
            if waited == .timedOut { report.failures.append("publishers did not finish within --timeout \(Int(settings.timeoutSeconds)) s") }
            log(String(format: "publishers finished after %.1f s", Self.seconds(ContinuousClock.now - started)))
            if waited == .success { awaitInboxes(inboxes, acknowledged: publishers.list, deadline: deadline, into: &report) }
            slot.finish()
            let exit = daemon.terminate(timeout: 30)
            report.finalExit = exit.map(\.description) ?? "still running 30 s after SIGTERM (killed)"
            if exit != .exited(0) { report.failures.append("nexd did not exit 0 after SIGTERM: \(report.finalExit)") }
        }
        slot.finish()
        if finished.wait(timeout: .now() + .seconds(40)) == .timedOut || inboxes.finished.wait(timeout: .now() + .seconds(40)) == .timedOut {
            report.failures.append("publisher or inbox subscriber threads did not stop")
            keeps = true
            return report
        }
        tally(publishers.list, into: &report)
        checkKillMoments(&report)
        let checkStarted = ContinuousClock.now
        try check(setup: setup, publishers: publishers.list, inboxes: inboxes.list, into: &report)
        log(String(format: "checked the log in %.1f s", Self.seconds(ContinuousClock.now - checkStarted)))
        report.seconds = Self.seconds(ContinuousClock.now - started)
        if !report.passed { keeps = true }
        return report
    }

    private func makePublishers(setup: BenchmarkDaemonConfig, deadline: ContinuousClock.Instant) throws
        -> (list: [CrashPublisher], slot: DaemonSlot, progress: CrashProgress)
    {
        let identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(publishers: settings.publishers, subscribers: 0)
        let payload = NoticeFactory.document(kind: .red, bytes: settings.payloadBytes)
        let runTag = UInt16(truncatingIfNeeded: settings.seed) & 0x0FFF
        let issuedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let signingStarted = ContinuousClock.now
        let slot = DaemonSlot()
        let progress = CrashProgress(messages: settings.messages)
        var list: [CrashPublisher] = []
        for (index, credentials) in identities.publishers.enumerated() {
            let count = settings.messages / settings.publishers + (index < settings.messages % settings.publishers ? 1 : 0)
            let messages = try PreSignedMessages.sign(
                credentials: credentials, index: index, topic: TopicLayout.pairs.topic(forPublisher: index, kind: .red),
                count: count, payload: payload, runTag: runTag, issuedAtMillis: issuedAt, batch: settings.batch)
            let publisherSettings = CrashPublisher.Settings(window: settings.window, rate: settings.rate, burst: settings.burst,
                                                            probes: settings.probes,
                                                            deadline: deadline, batched: settings.batch != nil)
            list.append(try CrashPublisher(messages: messages, credentials: credentials, settings: publisherSettings,
                                           slot: slot, progress: progress))
        }
        log(String(format: "signed %d notices in %.2f s", settings.messages, Self.seconds(ContinuousClock.now - signingStarted)))
        return (list, slot, progress)
    }

    private func tally(_ publishers: [CrashPublisher], into report: inout CrashReport) {
        for publisher in publishers {
            let ledger = publisher.ledger
            report.acknowledgements += ledger.acknowledgements
            report.resentMessages += ledger.resentMessages
            report.resentAnsweredWithOriginal += ledger.resentAnsweredWithOriginal
            report.resentAcceptedAnew += ledger.resentAcceptedAnew
            report.probesSent += ledger.probesSent
            report.probesAnsweredWithOriginal += ledger.probesAnsweredWithOriginal
            report.probesUnanswered += ledger.probesUnanswered
            report.nacks += ledger.nacks
            report.unexpectedDisconnects += ledger.unexpectedDisconnects
            report.failures += ledger.failures.prefix(20).map { "\(publisher.messages.nodeID): \($0)" }
            if ledger.unexpectedDisconnects > 0 {
                report.failures.append("\(publisher.messages.nodeID): nexd ended \(ledger.unexpectedDisconnects) connection(s) "
                    + "without being killed: " + ledger.disconnectReasons.joined(separator: "; "))
            }
        }
    }

    /// Verifies the log (in process and with `nex audit verify`) and reads it back against the ledgers.
    private func check(setup: BenchmarkDaemonConfig, publishers: [CrashPublisher], inboxes: [InboxSubscriber],
                       into report: inout CrashReport) throws {
        let pki = DevelopmentPKI(directory: setup.pkiDirectory)
        let auditCertificatePath = pki.auditCertificatePath
        var options = AuditVerifier.Options()
        options.auditCertificates = try Certificate.certificates(pemFile: auditCertificatePath)
        options.certificateAuthorities = try Certificate.certificates(pemFile: pki.caCertificatePath)
        let verification = try AuditVerifier.verify(directory: setup.auditDirectory, options: options)
        report.logRecords = verification.recordCount
        report.logSignaturesVerified = verification.verifiedSignatures
        report.crashSeals = verification.crashSeals.count
        if let problem = verification.problem {
            report.logProblem = problem.description
        } else if let torn = verification.tornTail {
            report.logProblem = "torn final record \(torn.sequence) (\(torn.segment) line \(torn.line)) after a clean stop"
        } else if verification.verdict != .intact {
            // After the final clean stop every crashed run's tail must have been sealed.
            report.logProblem = "verdict \(verification.verdict) (exit \(verification.verdict.exitStatus)), not intact"
        }
        if let problem = report.logProblem { report.failures.append("the audit log does not verify: \(problem)") }

        let nex = URL(fileURLWithPath: settings.nexd).deletingLastPathComponent().appendingPathComponent("nex").path
        if FileManager.default.isExecutableFile(atPath: nex) {
            let (status, output) = try Self.runTool(
                nex, ["audit", "verify", "--dir", setup.auditDirectory, "--audit-cert", auditCertificatePath, "--ca", pki.caCertificatePath])
            report.nexAuditVerifyStatus = status
            if status != 0 { report.failures.append("nex audit verify exited \(status): \(output.suffix(600))") }
        }

        var routes = InboxRouteCheck(inboxes: inboxes.map { ($0.nodeID, $0.inboxName) })
        let cross = try AuditCrossCheck.check(directory: setup.auditDirectory, messages: publishers.map(\.messages),
                                              ledgers: publishers.map(\.ledger), inboxRoutes: &routes)
        report.acceptedRecords = cross.acceptedRecords
        report.retryRecords = cross.retryRecords
        report.repairRecords = cross.repairRecords
        report.foundOnce = cross.foundOnce
        report.duplicates = cross.duplicates.count
        report.wrongSequence = cross.wrongSequence.count
        report.missing = cross.missing.count
        report.lost = cross.lost.count
        for (label, findings) in [("duplicate", cross.duplicates), ("wrong sequence", cross.wrongSequence),
                                  ("missing", cross.missing), ("lost", cross.lost)] where !findings.isEmpty {
            report.failures.append("\(findings.count) \(label)\(findings.count > 20 ? " (the first 20)" : ""):\n    "
                + findings.prefix(20).map(\.description).joined(separator: "\n    "))
        }
        if cross.foreignRecords > 0 { report.failures.append("\(cross.foreignRecords) accepted records for ids this run never sent") }
        check(inboxes, routes: routes, acknowledged: Self.acknowledgedIDs(publishers), into: &report)
    }

    /// Runs a tool to completion; its status and combined output.
    static func runTool(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func millis(_ duration: Duration) -> Int {
        Int(seconds(duration) * 1000)
    }
}
