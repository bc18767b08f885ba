import Dispatch
import NexConfig
import NexWire

/// What an open connection does with a publish frame (connection queue). The stages, in order:
/// the node's publish rate → ``PublishAdmission`` → the node's failed-verification budget →
/// ``SignatureVerification`` (verification pool) → the broker (``Broker/handle(_:)``), which
/// routes and commits. Every publish is answered exactly once, by an ACK or a NACK, in order.
extension Connection {
    func handlePublish(_ bytes: [UInt8]) {
        guard let identity else { return }
        publishTaken()   // every publish is answered exactly once, by an ACK or a NACK
        publishBytesTaken(bytes.count)
        let ticket = sequencer.takeTicket()
        let now = WallClock.nowMillis()
        // This connection's generation: no lock, no copy of the settings per publish.
        let settings = self.settings
        let limits = settings.configuration.limits
        let broker = context.broker
        let sequencer = self.sequencer
        let connectionID = id
        @Sendable func finish(_ outcome: PublishCandidate.Outcome) {
            let candidate = PublishCandidate(connectionID: connectionID, identity: identity, receivedAtMillis: now, outcome: outcome)
            let resume = sequencer.complete(ticket, with: candidate) { ready in
                broker.queue.async { for candidate in ready { broker.handle(candidate) } }
            }
            if resume { self.resumeReading() }
        }
        // Backpressure: a peer may not queue more than the limit for verification; reading pauses
        // until half of them are through.
        let limit = UInt64(limits.maxInFlightPublishesPerConnection)
        if sequencer.inFlight >= limit, sequencer.requestResume(below: max(1, limit / 2)) {
            pauseReading()
        }
        // The node's publish rate (shared by its connections).
        guard context.publishRate.take(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            finish(.refused(PublishRefusal(.overloaded,
                "\(identity.id) is over its publish rate (limits.publishRatePerNode \(limits.publishRatePerNode)/s); retry later",
                envelope: try? SignedEnvelope(parsing: bytes))))
            return
        }
        let unverified: UnverifiedPublish
        switch PublishAdmission(identity: identity, settings: settings).admit(bytes, nowMillis: now) {
        case .success(let admitted):
            unverified = admitted
        case .failure(let refusal):
            finish(.refused(refusal))
            return
        }
        // A node that keeps re-sending notices already accepted has spent its duplicate budget (D45).
        if let spent = context.broker.duplicates.refusal(for: identity.id) {
            finish(.refused(PublishRefusal(spent, envelope: unverified.signed)))
            return
        }
        // A node whose signatures keep failing has spent its budget: refused unverified, here and
        // (for publishes already queued) again just before the check, so the bound holds.
        let failures = context.failedVerifications
        guard failures.allows(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            finish(.refused(PublishRefusal(failures.spentRefusal(of: identity.id, limits: limits), envelope: unverified.signed)))
            return
        }
        let verification = SignatureVerification(identity: identity)
        pendingVerifications.append {
            guard failures.allows(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
                finish(.refused(PublishRefusal(failures.spentRefusal(of: identity.id, limits: limits),
                                               envelope: unverified.signed, topic: unverified.topic)))
                return
            }
            switch verification.verify(unverified) {
            case .success(let verified):
                finish(.verified(verified))
            case .failure(let error):
                failures.charge(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds)
                finish(.refused(PublishRefusal(error, envelope: unverified.signed, topic: unverified.topic)))
            }
        }
    }
}

extension PerNodeBudget {
    /// The `overloaded` refusal of a node that has spent its budget.
    func spentRefusal(of node: String, limits: DaemonConfiguration.Limits) -> WireError {
        WireError(.overloaded,
            "\(node) has failed too many signature checks (limits.failedVerificationsPerSecondPerNode \(limits.failedVerificationsPerSecondPerNode)/s, burst \(limits.failedVerificationsBurstPerNode)); its publishes are refused unverified until the budget refills")
    }
}
