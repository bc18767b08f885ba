import ArgumentParser
import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexWire

extension SubscribeCommand {
    /// How one session ended.
    enum SessionOutcome {
        /// --count distinct deliveries printed.
        case finished
        /// --timeout seconds without a new delivery.
        case idle
        /// The session could not start or was lost; the reconnect loop judges it.
        case ended(SessionEnd)
    }

    /// Why a session could not start or was lost.
    enum SessionEnd: Error {
        /// No connection (TCP, TLS, nexd's refusal at connect, or the client's own TLS setup).
        case cannotConnect(any Error)
        /// nexd answered the subscribe with a `subnack`.
        case subscriptionRefused(SubscribeNack)
        /// nexd withdrew the accepted subscription (an unasked `subnack` after a reload).
        case withdrawn(SubscribeNack)
        /// nexd ended the connection with an `error` frame while the client waited for deliveries.
        case closedWithError(ClientError)
        /// Any other failure once connected; `subscribed` when nexd had accepted the subscription.
        case lost(ClientError, subscribed: Bool)

        /// Whether retrying can help.
        var failure: ConnectionFailure {
            switch self {
            case .cannotConnect(let error as ClientError): ConnectionFailure(error)
            // The client's own certificate, key or TLS setup: the next attempt fails the same way.
            case .cannotConnect(let error): .permanent("\(error)")
            // Withdrawn with duplicate-subscription: another connection of this node took the inbox
            // over. Re-attaching would take it back, and the two would trade it forever.
            case .withdrawn(let nack) where nack.code == .duplicateSubscription:
                .permanent("inbox taken over by another connection of this node: \(nack.reason)")
            case .subscriptionRefused(let nack), .withdrawn(let nack): ConnectionFailure(refusal: nack)
            case .closedWithError(let error), .lost(let error, _): ConnectionFailure(error)
            }
        }

        /// Whether the session had its subscription accepted (then the backoff starts again).
        var wasSubscribed: Bool {
            switch self {
            case .cannotConnect, .subscriptionRefused: false
            case .withdrawn, .closedWithError: true
            case .lost(_, let subscribed): subscribed
            }
        }

        /// What happened, for the reconnect line.
        var summary: String {
            switch self {
            case .cannotConnect: "cannot connect"
            case .subscriptionRefused: "subscription refused"
            case .withdrawn: "subscription withdrawn"
            case .closedWithError, .lost: "connection lost"
            }
        }

        /// What the command did before it reconnected (and does with --no-reconnect): say why and exit.
        func exitAsBefore() throws -> Never {
            switch self {
            case .cannotConnect(let error):
                SubscribeCommand.complain("\(error)")
                throw ExitCode(3)
            case .subscriptionRefused(let nack):
                SubscribeCommand.complain("refused: \(nack.code.name): \(nack.reason)")
                throw ExitCode(1)
            case .withdrawn(let nack):
                SubscribeCommand.complain("nexd withdrew the subscription: \(nack.code.name): \(nack.reason)")
                throw ExitCode(1)
            case .closedWithError(let error):
                let detail = error.message.hasPrefix("nexd refused: ") ? String(error.message.dropFirst("nexd refused: ".count)) : error.message
                SubscribeCommand.complain("nexd closed the connection: \(detail)")
                throw ExitCode(1)
            case .lost(let error, _):
                throw error
            }
        }
    }

    /// Connects as the node and subscribes to FILTER with id 1 (with --durable, attached to the
    /// node's inbox): the session every run starts with.
    func openSession(credentials: NodeCredentials, keeper: WitnessKeeper?) -> Result<NexConnection, SessionEnd> {
        let client: NexConnection
        do {
            client = try connection.connect(credentials: credentials, capabilities: durable ? [Capability.inbox, Capability.lifecycle] : [Capability.lifecycle])
        } catch {
            return .failure(.cannotConnect(error))
        }
        if let keeper {
            if let first = client.latestCheckpoint { keeper.offer(first) }
            client.onCheckpoint = { keeper.offer($0) }
        }
        do {
            if durable {
                switch try client.subscribeDurable(filter, id: 1, inbox: inbox ?? "") {
                case .refused(let nack):
                    client.close()
                    return .failure(.subscriptionRefused(nack))
                case .accepted(let status):
                    describe(status, node: client.welcome.nodeID)
                }
            } else if case .refused(let nack) = try client.subscribe(filter, id: 1) {
                client.close()
                return .failure(.subscriptionRefused(nack))
            }
        } catch {
            client.close()
            return .failure(.lost(error, subscribed: false))
        }
        if !json, !durable {
            FileHandle.standardError.write(Data("subscribed to \(filter) as \(client.welcome.nodeID) (\(client.welcome.role), \(client.welcome.country))\n".utf8))
        }
        return .success(client)
    }

    /// The inbox status nexd sent with the SUBACK: what waited (delivered next), and what its
    /// bounds dropped since the node last attached (always said, on standard error).
    private func describe(_ status: InboxStatus, node: String) {
        let inert = TerminalText.inert
        var line = "attached to inbox \(inert(status.inbox)) of \(node) (durable, \(filter)): \(status.waiting) waiting"
        if status.expired > 0 { line += "; \(status.expired) dropped while away: \(inert(status.why))" }
        if !json || status.expired > 0 { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Opens a session and prints its deliveries until --count, --timeout or the session's end.
    func runSession(credentials: NodeCredentials, keeper: WitnessKeeper?, progress: inout SubscriberProgress) -> SessionOutcome {
        let client: NexConnection
        switch openSession(credentials: credentials, keeper: keeper) {
        case .success(let opened): client = opened
        case .failure(let end): return .ended(end)
        }
        defer { client.close() }
        progress.subscribed()
        do throws(ClientError) {
            while count.map({ progress.received < $0 }) ?? true {
                let delivery: Deliver
                switch nextDelivery(client, within: progress.remainingIdleTime) {
                case .delivery(let next): delivery = next
                case .idle: return .idle
                case .ended(let end): return .ended(end)
                }
                let signed = try? SignedEnvelope(parsing: delivery.envelope)
                guard progress.accept(signed?.envelope.messageID) else {
                    // Already printed before a reconnect: nexd still needs the receipt.
                    try client.sendReceipt(through: delivery.deliverySequence)
                    continue
                }
                let certificate: Certificate?
                if let cached = progress.certificates[delivery.certificateFingerprint] {
                    certificate = cached
                } else {
                    certificate = try client.fetchCertificate(fingerprint: delivery.certificateFingerprint)
                    if let certificate { progress.certificates[delivery.certificateFingerprint] = certificate }
                }
                // The CA this client trusts for nexd's certificate is the one that must have issued the
                // originator's: nexd's word on whose certificate this is counts for nothing.
                let verification = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: credentials.trustRoots)
                // Unbuffered, so each delivery shows at once even when output goes to a file or pipe.
                // Printed before the receipt: a receipt moves an inbox's cursor for good, so a notice
                // must never be receipted that a crash or a closed pipe kept from being shown.
                FileHandle.standardOutput.write(Data((describe(delivery, signed, verification: verification) + "\n").utf8))
                try client.sendReceipt(through: delivery.deliverySequence)
            }
        } catch {
            return .ended(.lost(error, subscribed: true))
        }
        return .finished
    }

    private enum NextDelivery {
        case delivery(Deliver)
        case idle
        case ended(SessionEnd)
    }

    /// The next delivery; `idle` when none comes `within` the given time.
    private func nextDelivery(_ client: NexConnection, within idleTime: Duration) -> NextDelivery {
        enum Next { case delivery(Deliver), withdrawn(SubscribeNack) }
        let result = Result { () throws(ClientError) -> Next in
            try client.awaitFrame(timeout: idleTime) { frame -> Next? in
                switch frame {
                case .deliver(let deliver): .delivery(deliver)
                case .subnack(let nack): .withdrawn(nack)
                default: nil
                }
            }
        }
        switch result {
        case .success(.delivery(let delivery)): return .delivery(delivery)
        case .success(.withdrawn(let nack)): return .ended(.withdrawn(nack))
        case .failure(let error) where error.code == .timedOut: return .idle
        case .failure(let error):
            if case .refused = error.code { return .ended(.closedWithError(error)) }
            return .ended(.lost(error, subscribed: true))
        }
    }
}
