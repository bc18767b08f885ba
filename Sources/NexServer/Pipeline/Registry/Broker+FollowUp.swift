import Dispatch
import NexAudit
import NexBroker
import NexNotices
import NexWire

/// Follow-ups at the broker (broker queue; D57): judged against the notice registry, routed to
/// the original's holders as well as by topic, and registered once accepted. Hits, decisions and
/// notices naming a request are judged against it too (``bindingPlan(for:)``, D60).
extension Broker {
    /// How one accepted publish is routed and what it does to the registry.
    struct RegistryPlan {
        /// The follow-up, when the publish is one.
        let followUp: FollowUp?
        /// The original's restrictions and owner, for a follow-up.
        let original: OriginalRestrictions?
        /// The original's holders, for a follow-up.
        let holders: [String]
        /// The original's kind, for a follow-up (a diffusion's follow-ups are copied for compliance too).
        var originalKind: NoticeKind? = nil
        /// The request a decision decides (registered with it: one decision per request, D60).
        var decidedRequest: MessageID? = nil
        /// The record a hit matched (kept with the hit: an answer to it checks that record, D63).
        var matchedRecord: MessageID? = nil
    }

    /// The plan for `verified`, or the reason it is refused (`invalid-notice`).
    func registryPlan(for verified: VerifiedPublish) -> Result<RegistryPlan, WireError> {
        guard verified.kind.isFollowUp else {
            return bindingPlan(for: verified).map {
                RegistryPlan(followUp: nil, original: nil, holders: [], decidedRequest: $0.decidedRequest, matchedRecord: $0.matchedRecord)
            }
        }
        guard let followUp = NoticeValidator.followUp(in: verified.envelope.payload, as: verified.kind) else {
            return .failure(WireError(.invalidNotice, "the \(verified.kind.rawValue) document cannot be read"))
        }
        let originalID = MessageID(string: followUp.original)
        let original = originalID.flatMap { registry.lookup($0) }
        if let reason = FollowUpRules.refusal(
            of: followUp, topic: verified.envelope.topic, sender: verified.identity.id, role: verified.identity.role,
            original: original, followedUpOriginal: originalID.flatMap { registry.originalOfFollowUp($0) }) {
            return .failure(WireError(.invalidNotice, reason))
        }
        guard let original else { return .failure(WireError(.internalError, "the original vanished")) }
        // A lost or stolen document record keeps its number: a changed number is a new record (D62).
        if original.kind == .sltd, followUp.kind == .update, let number = followUp.documentNumber, let current = registry.documentKey(of: original.id),
           NoticeRegistry.documentKey(number, issuedBy: String(current.prefix { $0 != "|" })) != current {
            return .failure(WireError(.invalidNotice,
                "update of \(original.id) refused: a lost or stolen document record keeps its document_number; cancel it and report the new number as a new record"))
        }
        return .success(RegistryPlan(followUp: followUp, original: OriginalRestrictions(original.restrictions, owner: original.owner),
                                     holders: original.holders, originalKind: original.kind))
    }

    /// The holders of a follow-up's original that `decision` and `inboxRouting` do not reach, added:
    /// recipients with no subscription id where `lifecycle.1` is in effect, else withheld
    /// `no-capability`.
    func addingHolders(_ plan: RegistryPlan, to decision: RoutingDecision, _ inboxRouting: InboxRouting,
                       verified: VerifiedPublish, copiesForCompliance: Bool) -> (RoutingDecision, InboxRouting) {
        guard let original = plan.original, !plan.holders.isEmpty else { return (decision, inboxRouting) }
        let reached = Set(inboxRouting.recipients.map(\.node) + inboxRouting.targets.map(\.node))
        var byNode: [String: [HolderRouting.Connection]] = [:]
        let wanted = Set(plan.holders).subtracting(reached)
        guard !wanted.isEmpty else { return (decision, inboxRouting) }
        for (id, facts) in subscribers where wanted.contains(facts.node) {
            byNode[facts.node, default: []].append(.init(id: id, facts: facts, hasLifecycle: lifecycleConnections.contains(id)))
        }
        let extra = HolderRouting.route(
            holders: plan.holders, reached: reached, judged: Set(decision.withheld.map(\.connection)), topic: verified.topic,
            from: verified.identity.id,
            restrictions: decision.restrictions, original: original, copiesForCompliance: copiesForCompliance) { node in (byNode[node] ?? []).sorted { $0.id < $1.id } }
        guard !extra.recipients.isEmpty || !extra.withheld.isEmpty else { return (decision, inboxRouting) }
        let withheld = (decision.withheld + extra.withheld).sorted { $0.connection < $1.connection }
        let recipients = (inboxRouting.recipients + extra.recipients).sorted { $0.connection < $1.connection }
        var routing = InboxRouting(recipients: recipients, inboxesByConnection: inboxRouting.inboxesByConnection, queued: inboxRouting.queued,
                                   withheld: inboxRouting.withheld, targets: inboxRouting.targets)
        routing.complianceQueued = inboxRouting.complianceQueued
        return (RoutingDecision(recipients: decision.recipients, withheld: withheld, restrictions: decision.restrictions), routing)
    }

    /// Records an accepted publish in the registry (an original, or a follow-up applied to its
    /// original); returns how to undo it (on the broker queue) if its audit batch fails.
    func register(_ verified: VerifiedPublish, restrictions: DisseminationRestrictions, plan: RegistryPlan, routing: InboxRouting,
                  acceptedSequence: UInt64) -> @Sendable () -> Void {
        let id = verified.envelope.messageID
        var holders: [String] { routing.recipients.map(\.node) + routing.targets.map(\.node) }
        if let followUp = plan.followUp {
            guard let before = registry.apply(followUp, id: id, holders: holders, sequence: acceptedSequence),
                  let original = MessageID(string: followUp.original) else { return {} }
            return { self.registry.restore(before, of: original, forgettingFollowUp: id) }
        }
        if let request = plan.decidedRequest {
            registry.registerDecision(id, on: request)
            return { self.registry.forgetDecision(on: request) }
        }
        if verified.kind == .hit {
            registry.registerHit(id, checkpoint: verified.identity.id, topic: verified.envelope.topic, matched: plan.matchedRecord)
            return { self.registry.forgetHit(id) }
        }
        guard verified.kind.acceptsFollowUps else { return {} }
        registry.register(id, owner: verified.identity.id, kind: verified.kind, topic: verified.envelope.topic,
                          restrictions: restrictions, holders: holders, acceptedSequence: acceptedSequence,
                          acceptedAtMillis: verified.receivedAtMillis, expiresAtMillis: verified.markings.expiresAtMillis,
                          documentNumber: verified.kind == .sltd
                              ? NoticeValidator.references(in: verified.envelope.payload, as: .sltd)?.documentNumber : nil)
        return { self.registry.forget(id) }
    }

    /// A connection's hello put `lifecycle.1` in effect: follow-ups of what its node holds may
    /// reach it with no subscription id.
    func noteLifecycle(_ connectionID: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard sessions[connectionID] != nil else { return }
        lifecycleConnections.insert(connectionID)
    }
}
