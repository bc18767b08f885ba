import Foundation
import NexLoad
import NexWire

/// The crash run's durable border posts: started before the publishers, waited for at the end,
/// and checked against every ACK and the log's route records.
extension CrashRun {
    /// The inbox subscribers' threads.
    struct InboxThreads {
        let list: [InboxSubscriber]
        /// Left by each subscriber at its first accepted durable subscribe.
        let firstAttach: DispatchGroup
        /// Left by each subscriber's thread when it returns.
        let finished: DispatchGroup
        let expectation: InboxExpectation
    }

    /// What the killer saw at the moment it killed.
    struct KillMoment {
        var publishes: Int
        var unreceipted: Int
        var waitedMillis: Int
        /// Every message was ACKed (or refused): no publish could be in flight any more.
        var isAfterLoad: Bool
    }

    /// Creates the inbox subscribers and starts each on its own thread; they wait for the slot.
    func startInboxSubscribers(setup: BenchmarkDaemonConfig, slot: DaemonSlot, progress: CrashProgress,
                               deadline: ContinuousClock.Instant) throws -> InboxThreads {
        let issuer = try BenchmarkIssuer(pki: setup.pkiDirectory)
        let firstAttach = DispatchGroup()
        let finished = DispatchGroup()
        let expectation = InboxExpectation()
        var list: [InboxSubscriber] = []
        for index in 0..<settings.inboxSubscribers {
            firstAttach.enter()
            let subscriber = try InboxSubscriber(
                credentials: try issuer.credentials(BenchmarkRoster.durablePostID(index, country: "ke")),
                settings: InboxSubscriber.Settings(deadline: deadline), slot: slot, progress: progress,
                expectation: expectation, onFirstAttach: { firstAttach.leave() })
            list.append(subscriber)
            finished.enter()
            let thread = Thread {
                subscriber.run()
                finished.leave()
            }
            thread.name = "inbox \(subscriber.nodeID)"
            thread.start()
        }
        return InboxThreads(list: list, firstAttach: firstAttach, finished: finished, expectation: expectation)
    }

    /// Starts each publisher on its own thread; each leaves `finished` when it returns.
    func start(_ publishers: [CrashPublisher], finished: DispatchGroup) {
        for publisher in publishers {
            finished.enter()
            let thread = Thread {
                publisher.run()
                finished.leave()
            }
            thread.name = "publisher \(publisher.messages.nodeID)"
            thread.start()
        }
    }

    /// Polls every millisecond, for at most ``Settings/killMomentWait``, until a publish awaits an
    /// answer and (with inbox subscribers) an inbox delivery is received but not receipted; at once
    /// when every message is ACKed (no publish can be in flight any more).
    func awaitKillMoment(_ progress: CrashProgress) -> KillMoment {
        let started = ContinuousClock.now
        while true {
            let publishes = progress.inFlight.load(ordering: .relaxed)
            let unreceipted = progress.unreceiptedDeliveries.load(ordering: .relaxed)
            let isAfterLoad = progress.unsettledMessages.load(ordering: .relaxed) == 0
            let waited = ContinuousClock.now - started
            if publishes > 0 && (unreceipted > 0 || settings.inboxSubscribers == 0) || isAfterLoad || waited >= settings.killMomentWait {
                return KillMoment(publishes: publishes, unreceipted: unreceipted, waitedMillis: Self.millis(waited),
                                  isAfterLoad: isAfterLoad)
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Every kill under load (some message not yet ACKed) must have landed with publishes and
    /// (with inbox subscribers) inbox deliveries in flight. Kills after every message was ACKed
    /// cannot have a publish in flight; they are counted apart (an unpaced run gets there early).
    func checkKillMoments(_ report: inout CrashReport) {
        let underLoad = report.kills - report.killsAfterLoad
        if report.killsWithPublishesInFlight < underLoad {
            report.failures.append("only \(report.killsWithPublishesInFlight) of the \(underLoad) kills under load landed with a publish "
                + "awaiting an answer (none came within \(settings.killMomentWait) of the random delay)")
        }
        if settings.inboxSubscribers > 0, report.killsWithInboxDeliveriesInFlight < underLoad {
            report.failures.append("only \(report.killsWithInboxDeliveriesInFlight) of the \(underLoad) kills under load landed with an "
                + "inbox delivery unreceipted (none came within \(settings.killMomentWait) of the random delay)")
        }
    }

    /// Every ACKed message id of the run (read after the publishers returned).
    static func acknowledgedIDs(_ publishers: [CrashPublisher]) -> [MessageID] {
        publishers.flatMap { publisher in
            publisher.messages.ids.indices.compactMap { publisher.ledger.acknowledgedSequence[$0] == nil ? nil : publisher.messages.ids[$0] }
        }
    }

    /// After the publishers returned: lets the inbox subscribers read on from the final nexd
    /// until each has every ACKed id (or the run's deadline).
    func awaitInboxes(_ inboxes: InboxThreads, acknowledged publishers: [CrashPublisher], deadline: ContinuousClock.Instant,
                      into report: inout CrashReport) {
        guard !inboxes.list.isEmpty else { return }
        let waitStarted = ContinuousClock.now
        inboxes.expectation.expect(Set(Self.acknowledgedIDs(publishers)))
        let remaining = Self.millis(deadline - ContinuousClock.now)
        if inboxes.finished.wait(timeout: .now() + .milliseconds(max(0, remaining))) == .timedOut {
            report.failures.append("inbox subscribers did not receive every ACKed message within --timeout \(Int(settings.timeoutSeconds)) s")
        }
        log(String(format: "inbox subscribers done %.1f s after the publishers", Self.seconds(ContinuousClock.now - waitStarted)))
    }

    /// Checks each inbox subscriber against every ACKed id and the log's route records.
    func check(_ inboxes: [InboxSubscriber], routes: InboxRouteCheck, acknowledged: [MessageID], into report: inout CrashReport) {
        report.inboxRecords = routes.inboxRecords
        let expected = Set(acknowledged)
        let unrouted = routes.unrouted(acknowledged)
        for (subscriber, unroutedIDs) in zip(inboxes, unrouted) {
            let tally = subscriber.tally
            let lost = tally.missing(from: expected).sorted()
            report.inboxes.append(CrashReport.Inbox(
                node: subscriber.nodeID, deliveries: tally.deliveries, distinct: tally.received.count, duplicates: tally.duplicates,
                acknowledgedNeverDelivered: lost.count, routeRecordsWithoutInbox: unroutedIDs.count, attaches: tally.attaches,
                waitingAtAttach: tally.waitingAtAttach, receipts: tally.receipts, unexpectedDisconnects: tally.unexpectedDisconnects))
            let node = subscriber.nodeID
            if !lost.isEmpty {
                report.failures.append("\(node): \(lost.count) ACKed notices never delivered from its inbox"
                    + "\(lost.count > 20 ? " (the first 20)" : ""): " + lost.prefix(20).map(\.description).joined(separator: ", "))
            }
            if !unroutedIDs.isEmpty {
                report.failures.append("\(node): \(unroutedIDs.count) ACKed notices whose route record does not name its inbox"
                    + "\(unroutedIDs.count > 20 ? " (the first 20)" : ""): " + unroutedIDs.prefix(20).map(\.description).joined(separator: ", "))
            }
            report.failures += tally.failures.prefix(20).map { "\(node): \($0)" }
            if tally.unexpectedDisconnects > 0 {
                report.failures.append("\(node): nexd ended \(tally.unexpectedDisconnects) inbox connection(s) without being killed: "
                    + tally.disconnectReasons.joined(separator: "; "))
            }
        }
        if let expired = routes.inboxRecords["expired"], expired > 0 {
            report.failures.append("\(expired) inbox records with reason expired: a bound dropped notices")
        }
    }
}
