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
        let connectionID = id
        @Sendable func candidate(_ outcome: PublishCandidate.Outcome) -> PublishCandidate {
            PublishCandidate(connectionID: connectionID, identity: identity, receivedAtMillis: now, outcome: outcome)
        }
        /// Answered before verification: completed at once.
        func finish(_ outcome: PublishCandidate.Outcome) {
            completePublishes([(ticket, candidate(outcome))])
        }
        // Backpressure: a peer may not queue more than the limit for verification; reading pauses
        // until half of them are through.
        let limit = UInt64(inFlightPublishLimit)
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
        var admission = PublishAdmission(identity: identity, settings: settings)
        admission.acceptsBatchSignatures = session.capabilities.contains(Capability.batch)
        switch admission.admit(bytes, nowMillis: now) {
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
        let verification = SignatureVerification(identity: identity, batchSeals: batchSeals)
        let metrics = context.metrics
        pendingVerifications.append(PendingVerification(ticket: ticket, isUrgent: unverified.markings.priority == .urgent) {
            guard failures.allows(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
                return candidate(.refused(PublishRefusal(failures.spentRefusal(of: identity.id, limits: limits),
                                                         envelope: unverified.signed, topic: unverified.topic)))
            }
            let started = ContinuousClock.now
            let result = verification.verify(unverified)
            metrics.verified(in: ContinuousClock.now - started)
            switch result {
            case .success(let verified):
                return candidate(.verified(verified))
            case .failure(let failure):
                // Only a signature check that failed costs the budget: a proof refused by hashes, or
                // a batch signature already refused for a sibling, cost no verification.
                if failure.checkedSignature { failures.charge(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) }
                return candidate(.refused(PublishRefusal(failure.error, envelope: unverified.signed, topic: unverified.topic)))
            }
        })
    }

    /// Hands finished publishes to the sequencer (any queue), which releases every one now in
    /// ticket order to the broker as one hop; resumes reading when the sequencer says so.
    func completePublishes(_ finished: [(ticket: UInt64, candidate: PublishCandidate)]) {
        let broker = context.broker
        let resume = sequencer.complete(finished) { ready in
            // A batch with an urgent publish raises the broker queue's QoS until it is handled (D58).
            let isUrgent = ready.contains { $0.isUrgent }
            broker.queue.async(qos: isUrgent ? .userInteractive : .unspecified) { for candidate in ready { broker.handle(candidate) } }
        }
        if resume { resumeReading() }
    }
}

extension Connection {
    /// A publish waiting for the verification pool: its ticket, and the check (the failed-check
    /// budget, then the signature), which returns what goes to the broker.
    struct PendingVerification: Sendable {
        let ticket: UInt64
        /// Its document is marked urgent: checked on the urgent queue (D58).
        let isUrgent: Bool
        let check: @Sendable () -> PublishCandidate
    }
}

extension PerNodeBudget {
    /// The `overloaded` refusal of a node that has spent its budget.
    func spentRefusal(of node: String, limits: DaemonConfiguration.Limits) -> WireError {
        WireError(.overloaded,
            "\(node) has failed too many signature checks (limits.failedVerificationsPerSecondPerNode \(limits.failedVerificationsPerSecondPerNode)/s, burst \(limits.failedVerificationsBurstPerNode)); its publishes are refused unverified until the budget refills")
    }
}
