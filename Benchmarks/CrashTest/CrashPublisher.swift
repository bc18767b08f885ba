import Foundation
import NexClient
import NexCrypto
import NexWire

/// One publisher of the crash test: its own node identity, topic and thread. It connects to
/// whichever nexd the ``DaemonSlot`` names, pipelines every message not yet ACKed (in order, the
/// same bytes) with at most `window` awaiting an answer, and after each restart first re-sends a
/// few messages it already saw ACKed (probes: they must get their original ACK back).
///
/// Confined to its thread while ``run()`` runs; ``ledger`` is read after it returned.
final class CrashPublisher: @unchecked Sendable {
    struct Settings: Sendable {
        var window: Int
        /// First sends per second, in bursts of `burst`, on the daemons' uptime (0: as fast as the
        /// window allows); re-sends, and first sends to the final daemon, are not paced.
        var rate: Double
        var burst: Int
        /// ACKed messages re-sent at each new connection after a restart.
        var probes: Int
        var deadline: ContinuousClock.Instant
        /// The notices are batch-signed: the connection lists `batch.1` (D73).
        var batched = false
    }

    let messages: PreSignedMessages
    private let context: TLSContext
    private let settings: Settings
    private let slot: DaemonSlot
    private let progress: CrashProgress
    private(set) var ledger: PublisherLedger

    init(messages: PreSignedMessages, credentials: NodeCredentials, settings: Settings, slot: DaemonSlot,
         progress: CrashProgress) throws {
        self.messages = messages
        self.context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key,
                                             trustRoots: credentials.trustRoots)
        self.settings = settings
        self.slot = slot
        self.progress = progress
        self.ledger = PublisherLedger(count: messages.count)
    }

    /// Publishes until every message is settled and the final daemon has been used, or the run ends.
    func run() {
        var generation = 0
        while true {
            let state = slot.snapshot
            if state.isFinished || ContinuousClock.now > settings.deadline { return }
            guard let port = state.port, state.generation >= generation else {
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            let isNewDaemon = state.generation > generation
            if !isNewDaemon, ledger.isComplete {
                if state.isFinal { return }
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            generation = state.generation
            let outcome = session(port: port, generation: generation, probes: generation > 1 && isNewDaemon, isFinal: state.isFinal)
            if case .dropped(let reason) = outcome {
                let now = slot.snapshot
                // Still up under the same generation: nexd (not the killer) ended the connection.
                if now.generation == generation, now.port != nil, !now.isFinished {
                    ledger.unexpectedDisconnects += 1
                    if ledger.disconnectReasons.count < 5 { ledger.disconnectReasons.append(reason) }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
    }

    private enum SessionOutcome {
        case finished
        case dropped(String)
    }

    /// One connection: probes first, then every unsettled message in order.
    private func session(port: UInt16, generation: Int, probes: Bool, isFinal: Bool) -> SessionOutcome {
        let connection: NexConnection
        do {
            connection = try NexConnection(host: "127.0.0.1", port: port, context: context, clientName: "CrashTest",
                                           acceptsCheckpoints: false, capabilities: settings.batched ? [Capability.batch] : [])
        } catch {
            return .dropped("connect: \(error)")
        }
        defer { connection.close() }
        var queue: [(index: Int, isProbe: Bool)] = []
        if probes, settings.probes > 0 {
            let acknowledged = ledger.acknowledgedSequence.indices.filter { ledger.acknowledgedSequence[$0] != nil }
            queue += acknowledged.suffix(settings.probes).map { ($0, true) }
        }
        queue += messages.ids.indices.filter { !ledger.isSettled($0) }.map { ($0, false) }
        var inFlight: [MessageID: (index: Int, isProbe: Bool)] = [:]
        defer {
            progress.inFlight.subtract(inFlight.count, ordering: .relaxed)
            ledger.probesUnanswered += inFlight.values.filter(\.isProbe).count
        }
        var next = 0
        while next < queue.count || !inFlight.isEmpty {
            var due: ContinuousClock.Instant?
            while next < queue.count, inFlight.count < settings.window {
                let item = queue[next]
                if !item.isProbe, !isFinal, ledger.sendCount[item.index] == 0, let wait = timeToFirstSend(item.index) {
                    due = .now + wait
                    break
                }
                do {
                    try connection.sendRaw(messages.frames[item.index])
                } catch {
                    return .dropped("send: \(error)")
                }
                if item.isProbe { ledger.probesSent += 1 } else { ledger.sendCount[item.index] += 1 }
                inFlight[messages.ids[item.index]] = item
                progress.inFlight.add(1, ordering: .relaxed)
                next += 1
            }
            if slot.snapshot.generation != generation { return .dropped("superseded") }
            // Wait for an answer; while a paced send is due, only until then.
            let timeout = due.map { max(.milliseconds(1), $0 - ContinuousClock.now) } ?? .seconds(30)
            let answer: Frame
            do throws(ClientError) {
                answer = try connection.awaitFrame(timeout: timeout) { frame -> Frame? in
                    switch frame {
                    case .ack, .nack: frame
                    default: nil
                    }
                }
            } catch where error.code == .timedOut && due != nil {
                continue
            } catch {
                return .dropped("read: \(error)")
            }
            switch answer {
            case .ack(let ack):
                guard let item = inFlight.removeValue(forKey: ack.messageID) else {
                    ledger.failures.append("ACK for \(ack.messageID), which was not awaiting an answer")
                    continue
                }
                progress.inFlight.subtract(1, ordering: .relaxed)
                record(ack, for: item)
            case .nack(let nack):
                guard let item = inFlight.removeValue(forKey: nack.messageID) else {
                    ledger.nacks += 1
                    ledger.failures.append("NACK \(nack.code.name) for \(nack.messageID) (not awaiting an answer): \(nack.reason)")
                    continue
                }
                progress.inFlight.subtract(1, ordering: .relaxed)
                ledger.nacks += 1
                ledger.failures.append("NACK \(nack.code.name) for \(nack.messageID)\(item.isProbe ? " (probe)" : ""): \(nack.reason)")
                if !item.isProbe, !ledger.isSettled(item.index) {
                    ledger.refuse(item.index, nack)
                    progress.unsettledMessages.subtract(1, ordering: .relaxed)
                }
            default:
                continue
            }
        }
        return .finished
    }

    /// How long until message `index` is first sent under `--rate`; nil when it is due or unpaced.
    /// Messages go in bursts (up to a full window), so a kill often finds publishes between receipt
    /// and their durable record. The schedule runs on the daemons' uptime (``DaemonSlot/uptime``), so
    /// it spans the kills however long the restarts take.
    private func timeToFirstSend(_ index: Int) -> Duration? {
        guard settings.rate > 0 else { return nil }
        let burst = index / settings.burst * settings.burst
        let wait = .microseconds(Int64(Double(burst) / settings.rate * 1e6)) - slot.uptime
        return wait > .zero ? wait : nil
    }

    private func record(_ ack: Ack, for item: (index: Int, isProbe: Bool)) {
        ledger.acknowledgements += 1
        let id = messages.ids[item.index]
        if item.isProbe {
            let original = ledger.acknowledgedSequence[item.index]
            if ack.isDuplicate, ack.auditSequence == original {
                ledger.probesAnsweredWithOriginal += 1
            } else {
                ledger.failures.append("re-sent ACKed \(id) (first ACK audit-seq \(original.map(String.init) ?? "?")) "
                    + "was answered with audit-seq \(ack.auditSequence)\(ack.isDuplicate ? "" : " as a new acceptance")")
            }
            return
        }
        let sends = ledger.sendCount[item.index]
        if let earlier = ledger.acknowledgedSequence[item.index] {
            if earlier != ack.auditSequence {
                ledger.failures.append("\(id) ACKed twice with different audit sequences (\(earlier), \(ack.auditSequence))")
            }
            return
        }
        if ack.isDuplicate, sends == 1 {
            ledger.failures.append("\(id) was sent once but ACKed as a duplicate (audit-seq \(ack.auditSequence))")
        } else if sends > 1 {
            if ack.isDuplicate { ledger.resentAnsweredWithOriginal += 1 } else { ledger.resentAcceptedAnew += 1 }
        }
        ledger.settle(item.index, sequence: ack.auditSequence)
        progress.unsettledMessages.subtract(1, ordering: .relaxed)
    }
}
