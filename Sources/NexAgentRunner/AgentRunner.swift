import Foundation
import NexAgents
import NexClient
import NexCrypto
import NexSync
import NexWire

/// Runs one agent as its node (issue 16 §3): over the node's own mutual-TLS connection, attached
/// to a durable inbox per subscription (capabilities `inbox.1` and `lifecycle.1`), re-verifying
/// every delivery end to end before the agent sees it, keeping the agent's state on disk **before**
/// receipting each delivery (an inbox does not redeliver what was receipted), signing what the
/// agent publishes with the node's key, and keeping unanswered notices in an outbox on disk while
/// nexd cannot be reached. Reconnects with jittered backoff; stops at a permanent refusal.
///
/// One thread: ``run()`` blocks until ``stop()`` (or a permanent refusal). Not a Dispatch object:
/// the blocking ``NexConnection`` is the client the CLI and the tests already trust.
public final class AgentRunner<Agent: NodeAgent>: @unchecked Sendable {
    /// How the runner behaves.
    public struct Options: Sendable {
        /// Where the agent's state and outbox are kept (nil: in memory only).
        public var stateDirectory: String?
        /// The longest wait between reconnect attempts.
        public var maximumRetryDelay: Duration = .seconds(30)
        /// nexd's replay window (a signed notice older than this less a margin is signed again).
        public var replayWindowMillis: Int64 = 120_000

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
    private let stateFile: AgentStateFile?
    private let outboxFile: AgentStateFile?
    private var certificates: [[UInt8]: Certificate] = [:]
    private var backoff: ReconnectBackoff
    private var outboxHoldUntilMillis: Int64 = 0

    /// - Parameters:
    ///   - agent: The agent, as read back from its state file by the caller (or new).
    ///   - connect: Opens the node's connection asking for the capabilities given.
    ///   - log: Receives each line the runner and the agent say.
    public init(agent: Agent, credentials: NodeCredentials, options: Options = Options(),
                connect: @escaping @Sendable ([String]) throws -> NexConnection, log: @escaping @Sendable (String) -> Void) throws {
        self.credentials = credentials
        self.connect = connect
        self.options = options
        self.log = log
        self.agent = Locked(agent)
        backoff = ReconnectBackoff(maximumDelay: options.maximumRetryDelay)
        stateFile = options.stateDirectory.map { AgentStateFile(directory: $0, name: "state.json") }
        outboxFile = options.stateDirectory.map { AgentStateFile(directory: $0, name: "outbox.json") }
        let saved = try outboxFile?.read().map { try JSONDecoder().decode([PendingNotice].self, from: $0) } ?? []
        outbox = Locked(saved)
        if !saved.isEmpty { log("outbox: \(saved.count) notices kept from the last run, sent when nexd answers") }
    }

    /// The agent as it stands (for reports and tests).
    public func withAgent<T>(_ body: (inout Agent) -> T) -> T {
        agent.withLock { body(&$0) }
    }

    /// Notices waiting for nexd.
    public var pendingCount: Int { outbox.withLock { $0.count } }

    /// Makes ``run()`` return within about 200 ms.
    public func stop() {
        stopping.withLock { $0 = true }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// Runs until ``stop()``, a permanent refusal, or a failure to keep the state.
    public func run() -> Ending {
        var client: NexConnection?
        var retryAtMillis: Int64 = 0
        defer { client?.close() }
        do {
            try saveState()
        } catch {
            return .stateFailed("\(error)")
        }
        while !isStopping {
            var now = WallClock.nowMillis()
            if client == nil, now >= retryAtMillis {
                switch attach() {
                case .success(let opened):
                    client = opened
                case .failure(let failure):
                    if failure.isPermanent {
                        log("nexd refused \(credentials.nodeID) for good: \(failure.reason); stopping")
                        return .refused(failure.reason)
                    }
                    let delay = backoff.nextDelay()
                    retryAtMillis = now + Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
                    log("cannot reach nexd (\(failure.reason)); retrying in \(Double(retryAtMillis - now) / 1000) s")
                }
            }
            // The agent's own work goes on while nexd is away (a border post keeps checking).
            if let due = agent.withLock({ $0.nextDueMillis }), due <= now {
                let actions = agent.withLock { $0.tick(atMillis: now) }
                if let ending = perform(actions) { return ending }
            }
            if let open = client, !flushOutbox(open) {
                open.close()
                client = nil
                retryAtMillis = WallClock.nowMillis()
            }
            now = WallClock.nowMillis()
            var wait: Int64 = 200
            if let due = agent.withLock({ $0.nextDueMillis }) { wait = min(wait, max(due - now, 0)) }
            guard let open = client else {
                if wait > 0 { Thread.sleep(forTimeInterval: Double(wait) / 1000) }
                continue
            }
            switch nextEvent(open, within: .milliseconds(max(wait, 1))) {
            case .none:
                continue
            case .delivery(let delivery):
                do {
                    if let ending = try handle(delivery, on: open) { return ending }
                } catch {
                    log("connection lost (\(error)); reconnecting")
                    open.close()
                    client = nil
                }
            case .lost(let reason):
                log("connection lost (\(reason)); reconnecting")
                open.close()
                client = nil
                retryAtMillis = WallClock.nowMillis() + 500
            }
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
        backoff.reset()
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

    /// Verifies, applies, keeps the state, then receipts.
    private func handle(_ delivery: Deliver, on client: NexConnection) throws -> Ending? {
        let certificate: Certificate?
        if let cached = certificates[delivery.certificateFingerprint] {
            certificate = cached
        } else {
            certificate = try client.fetchCertificate(fingerprint: delivery.certificateFingerprint)
            if let certificate { certificates[delivery.certificateFingerprint] = certificate }
        }
        switch DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: credentials.trustRoots) {
        case .notVerified(let failure):
            log("delivery \(delivery.deliverySequence) from \(delivery.originNode) NOT verified (\(failure)): ignored")
        case .verified(let signed):
            let envelope = signed.envelope
            let now = WallClock.nowMillis()
            let actions = agent.withLock {
                $0.receive(AgentDelivery(messageID: "\(envelope.messageID)", kind: envelope.kind, topic: envelope.topic,
                                         sender: envelope.sender, document: envelope.payload), atMillis: now)
            }
            // Kept before the receipt: a receipted delivery is never delivered again.
            if let ending = perform(actions) { return ending }
        }
        try client.sendReceipt(through: delivery.deliverySequence)
        return nil
    }

    /// Says the agent's lines, queues its notices, and keeps the state and the outbox on disk.
    private func perform(_ actions: [AgentAction]) -> Ending? {
        for action in actions {
            switch action {
            case .say(let line): log(line)
            case .publish(let notice): outbox.withLock { $0.append(PendingNotice(notice)) }
            }
        }
        do {
            try saveState()
        } catch {
            log("cannot keep the agent's state: \(error); stopping")
            return .stateFailed("\(error)")
        }
        return nil
    }

    private func saveState() throws {
        if let stateFile, let data = try agent.withLock({ try $0.encodedState() }) { try stateFile.write(data) }
        if let outboxFile { try outboxFile.write(try JSONEncoder().encode(outbox.withLock { $0 })) }
    }

    // MARK: - Publishing

    /// Refusals that say "not now": the notice stays in the outbox.
    private static var transient: Set<WireErrorCode> { [.auditUnavailable, .overloaded, .internalError, .shuttingDown] }

    /// Publishes the outbox in order; false when the connection was lost.
    private func flushOutbox(_ client: NexConnection) -> Bool {
        guard WallClock.nowMillis() >= outboxHoldUntilMillis else { return true }
        while var pending = outbox.withLock({ $0.first }) {
            let now = WallClock.nowMillis()
            let signed: SignedEnvelope
            do {
                if let bytes = pending.signed, let at = pending.signedAtMillis, now - at < options.replayWindowMillis - 20_000,
                   let kept = try? SignedEnvelope(parsing: Array(bytes)) {
                    signed = kept
                } else {
                    signed = try NoticeSigner.sign(Envelope(
                        messageID: .random(), sender: credentials.nodeID, topic: pending.notice.topic, kind: pending.notice.kind,
                        issuedAtMillis: now, allowedCountries: pending.notice.allowedCountries, allowedNodes: pending.notice.allowedNodes,
                        payload: pending.notice.document), with: credentials.key)
                    pending.signed = Data(signed.wireBytes)
                    pending.signedAtMillis = now
                    outbox.withLock { $0[0] = pending }
                    try saveState()
                }
            } catch {
                log("cannot sign \(pending.notice.kind) for \(pending.notice.topic): \(error); dropped")
                outbox.withLock { _ = $0.removeFirst() }
                continue
            }
            let outcome: PublishOutcome
            do {
                outcome = try client.publish(signed, timeout: .seconds(30))
            } catch {
                log("connection lost while publishing (\(error)); the notice stays in the outbox")
                return false
            }
            let refusal: String?
            switch outcome {
            case .accepted:
                refusal = nil
            case .refused(let nack) where Self.transient.contains(nack.code) || nack.code == .outsideReplayWindow:
                // Signed again next time (a new message id: the refused one was not accepted).
                outbox.withLock { $0[0].signed = nil }
                outboxHoldUntilMillis = WallClock.nowMillis() + 2_000
                log("nexd cannot take \(pending.notice.kind) now (\(nack.code.name): \(nack.reason)); kept, retried in 2 s")
                return true
            case .refused(let nack):
                refusal = "\(nack.code.name): \(nack.reason)"
            }
            let actions = agent.withLock {
                $0.answered(pending.notice, messageID: "\(signed.envelope.messageID)", refusal: refusal, atMillis: WallClock.nowMillis())
            }
            outbox.withLock { _ = $0.removeFirst() }
            if perform(actions) != nil { return false }
        }
        return true
    }
}
