import Dispatch
import NexBroker
import NexNotices
import NexWire

/// Expiry of records (broker queue; D61): `expires_at` is a simulation device — INTERPOL reviews
/// notices rather than dating them — and nexd keeps it. Once a second it takes the active records
/// whose time passed and accepts for each an `expire` signed with its audit key, routed like a
/// cancellation: to every holder of the original (inboxes too), never to a node it was withheld
/// from, recorded like any accepted publish.
extension Broker {
    /// Starts the once-a-second check (after the run's `start` record; a record whose time passed
    /// while nexd was down expires at the first check). Without an audit key there is nothing to do:
    /// `expires_at` is then refused at publish.
    func startRecordExpiry() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard expirySigner != nil else { return }
        expireDueRecords(nowMillis: WallClock.nowMillis())
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1), leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.expireDueRecords(nowMillis: WallClock.nowMillis()) }
        timer.resume()
        recordExpiryTimer = timer
    }

    func stopRecordExpiry() {
        dispatchPrecondition(condition: .onQueue(queue))
        recordExpiryTimer?.cancel()
        recordExpiryTimer = nil
    }

    /// Accepts an `expire` for every active record whose `expires_at` is at or before `now`.
    func expireDueRecords(nowMillis now: Int64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let signer = expirySigner, let next = registry.nextExpiryMillis, next <= now else { return }
        for (id, expiresAt) in registry.takeDueExpiries(atMillis: now) {
            // Checked again here: an expire sent earlier in this loop must not be sent twice.
            guard let original = registry.lookup(id), original.state == .active, registry.expiresAtMillis(of: id) == expiresAt else { continue }
            guard let verified = signer.expire(original, expiresAtMillis: expiresAt, nowMillis: now),
                  let followUp = NoticeValidator.followUp(in: verified.envelope.payload, as: .expire) else {
                // Tried again at the next check.
                registry.reschedule(id, expiresAtMillis: expiresAt)
                continue
            }
            let plan = RegistryPlan(followUp: followUp, original: OriginalRestrictions(original.restrictions, owner: original.owner),
                                    holders: original.holders, originalKind: original.kind)
            commitAcceptance(verified, plan: plan, connection: 0, nowMillis: now)
            // Not applied: the log refused the batch at once (it has failed). Tried again later.
            if registry.lookup(id)?.state == .active { registry.reschedule(id, expiresAtMillis: expiresAt) }
        }
    }
}
