import Foundation
import NexAgents
import NexClient
import NexCrypto
import NexSync
import NexWire

/// Runs one agent as its node (issue 16 §3, D67): over the node's own mutual-TLS connection,
/// attached to a durable inbox per subscription (capabilities `inbox.1` and `lifecycle.1`),
/// re-verifying every delivery end to end before the agent sees it, keeping the agent's state and
/// its outbox on disk in one file (``AgentSavedState``) **before** receipting deliveries (an inbox
/// does not redeliver what was receipted) and before sending what the agent publishes, signing with
/// the node's key. Reconnects with jittered backoff; stops at a permanent refusal.
///
/// One thread: ``run()`` blocks until ``stop()`` (or a permanent refusal, or a state it cannot
/// keep). Not a Dispatch object: the blocking ``NexConnection`` is the client the CLI and the
/// tests already trust.
public final class AgentRunner<Agent: NodeAgent>: @unchecked Sendable {
    /// How the runner behaves.
    public struct Options: Sendable {
        /// Where the agent's state is kept (nil: in memory only).
        public var stateDirectory: String?
        /// The longest wait between reconnect attempts.
        public var maximumRetryDelay: Duration = .seconds(30)
        /// nexd's replay window: a notice signed longer ago than this less 20 s is signed again.
        public var replayWindowMillis: Int64 = 120_000
        /// How often state changed by the agent's own work (not by deliveries) is written, at most.
        public var saveIntervalMillis: Int64 = 1_000
        /// The longest the run loop waits for a delivery before it looks again at the agent's own
        /// work and at actions handed in (a simulation steps its lanes with a shorter wait).
        public var idleWaitMillis: Int64 = 200

        public init(stateDirectory: String? = nil) {
            self.stateDirectory = stateDirectory
        }
    }

    /// Why ``run()`` returned.
    public enum Ending: Sendable, Equatable {
        case stopped
        /// nexd refused the node for good (revoked, not on the roster, not permitted …).
        case refused(String)
        /// The agent's state could not be kept on disk.
        case stateFailed(String)
    }

    private let credentials: NodeCredentials
    private let connect: @Sendable ([String]) throws -> NexConnection
    private let options: Options
    private let log: @Sendable (String) -> Void
    private let agent: Locked<Agent>
    private let outbox: Locked<[PendingNotice]>
    private let stopping = Locked(false)
    /// Actions handed in from outside (``inject(_:)``), taken by the run loop.
    private let injected = Locked<[AgentAction]>([])
    /// Told of nexd's answer to every notice the agent published (any thread may set it before ``run()``).
    public var onAnswered: (@Sendable (OutgoingNotice, _ messageID: String, _ refusal: String?) -> Void)?
    private let started = Locked(false)
    private let stateFile: AgentStateFile?
    private let lock: AgentStateLock?
    // Touched by run() only (one thread).
    private var certificates: [[UInt8]: Certificate] = [:]
    private var certificateMisses: [[UInt8]: Int] = [:]
    private var backoff: ReconnectBackoff
    private var outboxHoldUntilMillis: Int64 = 0
    private var unsavedSinceMillis: Int64?
    private var lastSaveMillis: Int64 = 0
    private var headLosses = 0
    private var headResigns = 0
    private var sessionProgressed = false

    /// - Parameters:
    ///   - agent: The agent, built from ``AgentSavedState/agent`` of its state file when there is one.
    ///   - connect: Opens the node's connection asking for the capabilities given.
    ///   - log: Receives each line the runner and the agent say.
    /// - Throws: ``AgentStateError`` when the state file exists and cannot be read.
    public init(agent: Agent, credentials: NodeCredentials, options: Options = Options(),
                connect: @escaping @Sendable ([String]) throws -> NexConnection, log: @escaping @Sendable (String) -> Void) throws {
        self.credentials = credentials
        self.connect = connect
        self.options = options
        self.log = log
        self.agent = Locked(agent)
        backoff = ReconnectBackoff(maximumDelay: options.maximumRetryDelay)
        stateFile = options.stateDirectory.map { AgentStateFile(directory: $0, name: AgentSavedState.fileName) }
        // One agent per state: a second one would write over the first's state.
        lock = try options.stateDirectory.map { try AgentStateLock(directory: $0) }
        let saved = try stateFile.flatMap { try AgentSavedState.read(from: $0) }?.outbox ?? []
        outbox = Locked(saved)
        if !saved.isEmpty { log("outbox: \(saved.count) notices kept from the last run, sent when nexd answers") }
    }

    /// The agent as it stands (for reports and tests).
    public func withAgent<T>(_ body: (inout Agent) -> T) -> T {
        agent.withLock { body(&$0) }
    }

    /// Notices waiting for nexd.
    public var pendingCount: Int { outbox.withLock { $0.count } }

    /// Hands the agent's runner actions from outside (a simulation's scripted notices): performed by
    /// the run loop as if the agent had returned them, within ``Options/idleWaitMillis`` (200 ms by default).
    public func inject(_ actions: [AgentAction]) {
        injected.withLock { $0 += actions }
    }

    /// Makes ``run()`` return within about 200 ms (or when the publish it waits on is answered).
    public func stop() {
        stopping.withLock { $0 = true }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// Runs until ``stop()``, a permanent refusal, or a failure to keep the state. Runs once.
    public func run() -> Ending {
        guard started.withLock({ let first = !$0; $0 = true; return first }) else { return .stopped }
        var client: NexConnection?
        var retryAtMillis: Int64 = 0
        var sessionStartMillis: Int64 = 0
        defer {
            client?.close()
            lock?.release()
        }

        func drop(_ open: NexConnection, _ reason: String) {
            open.close()
            client = nil
            // A session that lasted or got something through starts the backoff again.
            if sessionProgressed || WallClock.nowMillis() - sessionStartMillis > 10_000 { backoff.reset() }
            let delay = backoff.nextDelay()
            let millis = Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
            retryAtMillis = WallClock.nowMillis() + millis
            log("\(reason); reconnecting in \(String(format: "%.1f", Double(millis) / 1000)) s")
        }

        do {
            try save()
            while !isStopping {
                var now = WallClock.nowMillis()
                if client == nil, now >= retryAtMillis {
                    switch attach() {
                    case .success(let opened):
                        client = opened
                        sessionStartMillis = now
                        sessionProgressed = false
                    case .failure(let failure):
                        if failure.isPermanent {
                            log("nexd refused \(credentials.nodeID) for good: \(failure.reason); stopping")
                            try save()
                            return .refused(failure.reason)
                        }
                        let delay = backoff.nextDelay()
                        retryAtMillis = now + Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
                        log("cannot reach nexd (\(failure.reason)); retrying in \(String(format: "%.1f", Double(retryAtMillis - now) / 1000)) s")
                    }
                }
                let handedIn = injected.withLock { actions -> [AgentAction] in defer { actions = [] }; return actions }
                if !handedIn.isEmpty { perform(handedIn) }
                // The agent's own work goes on while nexd is away (a border post keeps checking).
                if let due = agent.withLock({ $0.nextDueMillis }), due <= now {
                    let actions = agent.withLock { $0.tick(atMillis: now) }
                    perform(actions)
                }
                try saveIfDue()
                if let open = client {
                    switch try flushOutbox(open) {
                    case .done: break
                    case .lost(let reason): drop(open, reason)
                    }
                }
                now = WallClock.nowMillis()
                var wait = max(options.idleWaitMillis, 1)
                if let due = agent.withLock({ $0.nextDueMillis }) { wait = min(wait, max(due - now, 0)) }
                guard let open = client else {
                    if wait > 0 { Thread.sleep(forTimeInterval: Double(wait) / 1000) }
                    continue
                }
                switch nextEvent(open, within: .milliseconds(max(wait, 1))) {
                case .none:
                    continue
                case .lost(let reason):
                    drop(open, "connection lost (\(reason))")
                case .delivery(let first):
                    if let lost = try handleDeliveries(startingWith: first, on: open) { drop(open, lost) }
                }
            }
            try save()
        } catch let error as AgentStateError {
            log("cannot keep the agent's state: \(error); stopping")
            return .stateFailed("\(error)")
        } catch {
            log("cannot keep the agent's state: \(error); stopping")
            return .stateFailed("\(error)")
        }
        log("stopping")
        return .stopped
    }

    // MARK: - Connection

    private enum Attached {
        case success(NexConnection)
        case failure(ConnectionFailure)
    }

    private func attach() -> Attached {
        let client: NexConnection
        do {
            client = try connect([Capability.inbox, Capability.lifecycle])
        } catch let error as ClientError {
            return .failure(ConnectionFailure(error))
        } catch {
            return .failure(ConnectionFailure.permanent("\(error)"))
        }
        let filters = agent.withLock { $0.subscriptions }
        var waiting = 0
        do {
            for (index, filter) in filters.enumerated() {
                switch try client.subscribeDurable(filter, id: UInt32(index + 1)) {
                case .accepted(let status):
                    waiting += Int(status.waiting)
                    if status.expired > 0 { log("inbox \(filter): \(status.expired) dropped while away (\(status.why))") }
                case .refused(let nack):
                    client.close()
                    return .failure(ConnectionFailure(refusal: nack))
                }
            }
        } catch {
            client.close()
            return .failure(ConnectionFailure(error))
        }
        log("connected as \(client.welcome.nodeID) (\(client.welcome.role), \(client.welcome.country)); "
            + (filters.isEmpty ? "no subscriptions" : "durable inboxes \(filters.joined(separator: ", ")): \(waiting) waiting"))
        return .success(client)
    }

    private enum Event {
        case none
        case delivery(Deliver)
        case lost(String)
    }

    private enum Next {
        case delivery(Deliver)
        case withdrawn(SubscribeNack)
    }

    private func nextEvent(_ client: NexConnection, within timeout: Duration) -> Event {
        do throws(ClientError) {
            let next = try client.awaitFrame(timeout: timeout) { frame -> Next? in
                switch frame {
                case .deliver(let deliver): .delivery(deliver)
                case .subnack(let nack): .withdrawn(nack)
                default: nil
                }
            }
            switch next {
            case .delivery(let delivery): return .delivery(delivery)
            case .withdrawn(let nack): return .lost("subscription withdrawn: \(nack.code.name): \(nack.reason)")
            }
        } catch {
            return error.code == .timedOut ? .none : .lost("\(error)")
        }
    }

    // MARK: - Deliveries

    /// Applies `first` and the deliveries already waiting (up to 256), keeps the state once, then
    /// receipts them all (receipts are cumulative). Returns why the connection must go, if it must.
    private func handleDeliveries(startingWith first: Deliver, on client: NexConnection) throws -> String? {
        var next: Deliver? = first
        var receiptThrough: UInt64?
        var lost: String?
        var handled = 0
        while let delivery = next, lost == nil {
            switch verify(delivery, on: client) {
            case .failure(let reason):
                lost = reason.reason
                continue
            case .success(.notVerified(let failure)) where failure.code == .certificateUnavailable
                && certificateMisses[delivery.certificateFingerprint, default: 0] < 2:
                // Maybe not the delivery's fault: left unreceipted so the inbox delivers it again —
                // twice; the third time it is receipted unapplied (below), so it cannot block the inbox.
                certificateMisses[delivery.certificateFingerprint, default: 0] += 1
                lost = "the originator certificate of delivery \(delivery.deliverySequence) could not be fetched (\(failure))"
                continue
            case .success(.notVerified(let failure)):
                // It will never verify: receipted so it does not come back, never applied.
                log("delivery \(delivery.deliverySequence) from \(delivery.originNode) NOT verified (\(failure)): ignored")
            case .success(.verified(let signed)):
                let envelope = signed.envelope
                let now = WallClock.nowMillis()
                let actions = agent.withLock {
                    $0.receive(AgentDelivery(messageID: "\(envelope.messageID)", kind: envelope.kind, topic: envelope.topic,
                                             sender: envelope.sender, document: envelope.payload), atMillis: now)
                }
                perform(actions)
            }
            receiptThrough = delivery.deliverySequence
            handled += 1
            guard handled < 256 else { break }
            switch nextEvent(client, within: .milliseconds(1)) {
            case .delivery(let more): next = more
            case .lost(let reason): lost = reason
            case .none: next = nil
            }
        }
        guard let receiptThrough else { return lost }
        // Kept before the receipt: a receipted delivery is never delivered again.
        try save()
        do {
            try client.sendReceipt(through: receiptThrough)
            sessionProgressed = true
        } catch {
            return lost ?? "connection lost (\(error))"
        }
        return lost
    }

    private func verify(_ delivery: Deliver, on client: NexConnection) -> Result<DeliveryVerification, VerifyFailure> {
        let certificate: Certificate?
        if let cached = certificates[delivery.certificateFingerprint] {
            certificate = cached
        } else {
            do {
                certificate = try client.fetchCertificate(fingerprint: delivery.certificateFingerprint)
            } catch {
                return .failure(VerifyFailure(reason: "connection lost (\(error))"))
            }
            if let certificate { certificates[delivery.certificateFingerprint] = certificate }
        }
        return .success(DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: credentials.trustRoots))
    }

    private struct VerifyFailure: Error {
        let reason: String
    }

    // MARK: - State

    /// Says the agent's lines and queues its notices; the state is now unsaved.
    private func perform(_ actions: [AgentAction]) {
        var published = false
        for action in actions {
            switch action {
            case .say(let line): log(line)
            case .publish(let notice):
                outbox.withLock { $0.append(PendingNotice(notice)) }
                published = true
            }
        }
        markUnsaved(urgently: published)
    }

    private func markUnsaved(urgently: Bool = false) {
        let now = WallClock.nowMillis()
        // A notice to send is kept before it is sent (then a crash cannot make the agent send it twice).
        unsavedSinceMillis = urgently ? 0 : min(unsavedSinceMillis ?? now, now)
    }

    private func saveIfDue() throws {
        guard let since = unsavedSinceMillis, since == 0 || WallClock.nowMillis() - lastSaveMillis >= options.saveIntervalMillis else { return }
        try save()
    }

    /// Writes the agent's state and the outbox, in one file, atomically.
    private func save() throws {
        unsavedSinceMillis = nil
        lastSaveMillis = WallClock.nowMillis()
        guard let stateFile else { return }
        let agentState = try agent.withLock { try $0.encodedState() }
        try AgentSavedState.write(agent: agentState, outbox: outbox.withLock { $0 }, to: stateFile)
    }

    // MARK: - Publishing

    /// Refusals that say "not now": the notice stays in the outbox, its signed bytes kept (a
    /// re-send refused `overloaded` may have been accepted already, docs/PROTOCOL.md §3).
    private static var transient: Set<WireErrorCode> { [.auditUnavailable, .overloaded, .internalError, .shuttingDown] }

    private enum Flush {
        case done
        case lost(String)
    }

    /// Publishes the outbox in order.
    private func flushOutbox(_ client: NexConnection) throws -> Flush {
        guard WallClock.nowMillis() >= outboxHoldUntilMillis else { return .done }
        try signOutbox()
        while !isStopping, let pending = outbox.withLock({ $0.first }) {
            if pending.signed == nil || WallClock.nowMillis() - (pending.signedAtMillis ?? 0) >= options.replayWindowMillis - 20_000 {
                try signOutbox()
                continue
            }
            guard let bytes = pending.signed, let signed = try? SignedEnvelope(parsing: Array(bytes)) else {
                answerHead(pending, messageID: "(unreadable)", refusal: "its kept signed bytes cannot be read")
                continue
            }
            let outcome: PublishOutcome
            do {
                outcome = try client.publish(signed, timeout: .seconds(30))
            } catch {
                // nexd ended the connection in answer to this notice (an error frame): three times
                // and it is given up, so one notice cannot block the rest. A link that dropped, or a
                // nexd that is away, is no fault of the notice: it waits however long that takes.
                if case .refused = error.code { headLosses += 1 }
                if headLosses >= 3 {
                    answerHead(pending, messageID: "\(signed.envelope.messageID)",
                               refusal: "nexd closed the connection \(headLosses) times in answer to it (\(error)); given up")
                    try save()
                }
                return .lost("connection lost while publishing (\(error)); the notice stays in the outbox")
            }
            switch outcome {
            case .refused(let nack) where Self.transient.contains(nack.code):
                outboxHoldUntilMillis = WallClock.nowMillis() + 2_000
                log("nexd cannot take \(pending.notice.kind) now (\(nack.code.name): \(nack.reason)); kept, retried in 2 s")
                return .done
            case .refused(let nack) where nack.code == .outsideReplayWindow && headResigns < 3:
                // The clocks disagree, or it waited too long: signed again with the time now.
                headResigns += 1
                outbox.withLock { $0[0].signed = nil }
                outboxHoldUntilMillis = WallClock.nowMillis() + 2_000
                log("nexd refused \(pending.notice.kind) as outside its replay window (\(nack.reason)); signing it again")
                return .done
            case .refused(let nack):
                answerHead(pending, messageID: "\(signed.envelope.messageID)", refusal: "\(nack.code.name): \(nack.reason)")
            case .accepted:
                sessionProgressed = true
                answerHead(pending, messageID: "\(signed.envelope.messageID)", refusal: nil)
            }
            // Kept within a second (saveIfDue): should the agent stop before, the notice is re-sent
            // byte for byte and nexd answers with the original ACK.
        }
        return .done
    }

    /// Signs every notice of the outbox not signed yet (or signed too long ago), then keeps the
    /// outbox once: each is sent as it was kept, so a crash cannot make it two messages.
    private func signOutbox() throws {
        let now = WallClock.nowMillis()
        var failed: [(PendingNotice, String)] = []
        let changed = outbox.withLock { notices -> Bool in
            var changed = false
            var kept: [PendingNotice] = []
            for var pending in notices {
                if pending.signed == nil || now - (pending.signedAtMillis ?? 0) >= options.replayWindowMillis - 20_000 {
                    do {
                        let signed = try NoticeSigner.sign(Envelope(
                            messageID: .random(), sender: credentials.nodeID, topic: pending.notice.topic, kind: pending.notice.kind,
                            issuedAtMillis: now, allowedCountries: pending.notice.allowedCountries, allowedNodes: pending.notice.allowedNodes,
                            payload: pending.notice.document), with: credentials.key)
                        pending.signed = Data(signed.wireBytes)
                        pending.signedAtMillis = now
                        changed = true
                    } catch {
                        failed.append((pending, "cannot sign it: \(error)"))
                        changed = true
                        continue
                    }
                }
                kept.append(pending)
            }
            notices = kept
            return changed
        }
        for (pending, reason) in failed {
            let actions = agent.withLock { $0.answered(pending.notice, messageID: "(unsigned)", refusal: reason, atMillis: now) }
            onAnswered?(pending.notice, "(unsigned)", reason)
            perform(actions)
        }
        if changed { try save() }
    }

    /// Removes the outbox's head and tells the agent nexd's answer (or why it was given up).
    /// ``onAnswered`` hears it first: whoever watches ``pendingCount`` fall to 0 finds the answer there.
    private func answerHead(_ pending: PendingNotice, messageID: String, refusal: String?) {
        onAnswered?(pending.notice, messageID, refusal)
        outbox.withLock { _ = $0.removeFirst() }
        headLosses = 0
        headResigns = 0
        let actions = agent.withLock { $0.answered(pending.notice, messageID: messageID, refusal: refusal, atMillis: WallClock.nowMillis()) }
        perform(actions)
    }
}
