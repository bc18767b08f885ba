import Dispatch
import NexAudit
import NexBroker
import NexNotices
import NexWire

/// Durable inboxes at the broker (broker queue): attaching a durable subscription, what routing
/// keeps for nodes that are away, receipts that move an inbox's cursor, and the bounds (D54).
extension Broker {
    /// What routing knows of `node` whether or not it is connected: its roster country and its
    /// permissions under the settings in force; nil when it is not on the roster.
    func facts(ofNode node: String) -> SubscriberFacts? {
        guard let entry = settings.configuration.roster.entry(for: node) else { return nil }
        return SubscriberFacts(node: node, country: entry.country, permissions: settings.permissions(of: node),
                               reviewsCompliance: entry.role == .gs)
    }

    /// Attaches connection `connectionID`'s durable subscription to inbox `key` (defining the inbox
    /// on first use): records it, with the redelivery of what waited, in one append; once durable,
    /// sends the SUBACK with the inbox's status, then every waiting entry, oldest first. A
    /// connection of the node that held the inbox loses it (an unasked SUBNACK).
    /// Returns nil when attached, else why not (the connection undoes its side).
    func attachInbox(_ connectionID: UInt64, subscriptionID: UInt32, key: InboxKey, filter: TopicFilter) -> WireError? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let identity = sessions[connectionID], let subscriber = subscribers[connectionID] else {
            return WireError(.permissionDenied, "the session is not admitted (ended by a reload)")
        }
        if case .denied(let reason) = subscriber.permissions.allowsSubscribe(to: filter) {
            return WireError(.permissionDenied, "\(identity.id) (\(identity.role.rawValue)): \(reason)")
        }
        let isNew: Bool
        switch inboxes.define(key, filter: filter) {
        case .created:
            isNew = true
        case .existing:
            isNew = false
        case .filterMismatch(let existing):
            return WireError(.invalidFilter, "inbox \(key.name) of \(key.node) keeps the filter \(existing), not \(filter); name another inbox")
        case .tooMany(let limit):
            return WireError(.tooManySubscriptions, "\(key.node) already has \(limit) durable inboxes (limits.inboxesPerNode)")
        }
        let attachment = InboxBook.Attachment(connection: connectionID, subscriptionID: subscriptionID)
        guard let attached = inboxes.attach(key, to: attachment) else {
            return WireError(.internalError, "inbox \(key) vanished")
        }
        let connections = commit.connections
        if let replaced = attached.replaced {
            connections.withdrawInbox(replaced.subscriptionID, inbox: key.name, from: replaced.connection,
                                      detail: "inbox \(key.name) was attached by another connection of \(key.node) (connection \(connectionID))")
        }
        let now = WallClock.nowMillis()
        var subscribe = AuditEvent(.subscribe, timeMillis: now, outcome: .accepted)
        subscribe.connection = connectionID
        subscribe.node = identity.id
        subscribe.country = identity.country
        subscribe.subscriptionID = subscriptionID
        subscribe.filter = filter.description
        subscribe.inbox = key.name
        subscribe.count = UInt64(attached.backlog.count)
        if attached.expired > 0 {
            subscribe.detail = "durable; \(attached.expired) dropped since the last attach (\(attached.why.joined(separator: ", ")))"
        } else {
            subscribe.detail = "durable"
        }
        var events = [subscribe]
        if let first = attached.backlog.first, let last = attached.backlog.last {
            var redelivered = AuditEvent(.inbox, timeMillis: now)
            redelivered.reason = "redelivered"
            redelivered.connection = connectionID
            redelivered.node = identity.id
            redelivered.inbox = key.name
            redelivered.fromSequence = first.sequence
            redelivered.throughSequence = last.sequence
            redelivered.count = UInt64(attached.backlog.count)
            events.append(redelivered)
        }
        let status = InboxStatus(
            inbox: key.name, waiting: UInt32(clamping: attached.backlog.count), expired: attached.expired,
            why: attached.expired == 0 ? "" : "\(attached.expired) dropped: \(attached.why.joined(separator: ", ")); ids in the audit log")
        let backlog = attached.backlog.map(\.message)
        let queue = self.queue
        audit.append(events) { result in
            switch result {
            case .success:
                connections.send(.suback(SubscribeAck(subscriptionID: subscriptionID, extensions: [status.extensionEntry])), to: connectionID)
                connections.deliver(backlog, subscriptionID: subscriptionID, to: connectionID)
            case .failure:
                queue.async {
                    // A new inbox whose first attach is not on record would not survive a restart: gone
                    // now too, unless another connection has attached it since. Otherwise the drops
                    // it was to report are still to report.
                    if isNew, self.inboxes.inboxes[key]?.attachment == attachment {
                        self.inboxes.undefine(key)
                    } else if self.inboxes.inboxes[key]?.attachment == attachment {
                        self.inboxes.detach(key, from: connectionID)
                        self.inboxes.noteExpiredSinceAttach(key, count: attached.expired, bounds: attached.why)
                    }
                }
                connections.withdrawInbox(subscriptionID, inbox: key.name, from: connectionID, unrecorded: true,
                                          detail: "the audit log cannot be written; inbox \(key.name) not attached")
            }
        }
        return nil
    }

    /// The node of `connectionID` received every entry of its inbox `name` through acceptance
    /// sequence `through` (the receipt is recorded by the connection): forget them.
    func inboxReceipted(node: String, inbox name: String, through: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        inboxes.receipted(InboxKey(node: node, name: name), through: through)
    }

    /// Keeps an accepted notice in every inbox `routing` names, then applies the bounds of their
    /// nodes; what the bounds drop is recorded.
    func keep(_ message: DeliveryMessage, in routing: InboxRouting, acceptedAtMillis: Int64) {
        guard !routing.targets.isEmpty else { return }
        let entry = InboxEntry(message: message, acceptedAtMillis: acceptedAtMillis)
        for key in routing.targets { inboxes.append(entry, to: key) }
        // The total bound first: it drops the new entry, so a node's own bounds need not drop an old one for it.
        var expiries = inboxes.enforceTotalBound(newest: entry.sequence, in: routing.queued)
        for node in Set(routing.targets.map(\.node)).sorted() { expiries += inboxes.enforceBounds(of: node) }
        recordExpiries(expiries, atMillis: acceptedAtMillis)
    }

    /// Start-up (before the listener opens): the inboxes and the notice registry as the audit log
    /// left them, in one pass (the age bound
    /// is applied once the run's `start` record is written: ``startInboxExpiry()``). Returns how
    /// many inboxes and waiting entries there are, and what the log describes that could not be
    /// rebuilt (for the log: an inbox whose filter no longer parses, an entry without its envelope).
    func rebuildInboxes(from directory: String) throws -> (inboxes: Int, entries: Int, problems: [String]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let rebuild = try InboxRebuild.read(directory)
        inboxes = rebuild.book(limits: inboxes.limits)
        registry = rebuild.registry.registry
        return (inboxes.inboxes.count, inboxes.inboxes.values.reduce(0) { $0 + $1.waitingCount }, rebuild.problems)
    }

    /// Drops entries older than `limits.inboxMaxAgeSeconds` now and then every minute (broker
    /// queue) until ``stopInboxExpiry()``.
    /// Also applies the count and byte bounds once, to what the log left (they may have been
    /// lowered since): otherwise a backlog over the new bound would wait for the node's next notice.
    func startInboxExpiry() {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = WallClock.nowMillis()
        recordExpiries(inboxes.enforceBoundsOfEveryNode(), atMillis: now)
        expireOldInboxEntries(nowMillis: now)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(60), repeating: .seconds(60), leeway: .seconds(5))
        timer.setEventHandler { [weak self] in self?.expireOldInboxEntries(nowMillis: WallClock.nowMillis()) }
        timer.resume()
        inboxExpiryTimer = timer
    }

    func stopInboxExpiry() {
        dispatchPrecondition(condition: .onQueue(queue))
        inboxExpiryTimer?.cancel()
        inboxExpiryTimer = nil
    }

    /// Drops entries older than `limits.inboxMaxAgeSeconds` (a timer on the broker queue).
    func expireOldInboxEntries(nowMillis: Int64) {
        dispatchPrecondition(condition: .onQueue(queue))
        recordExpiries(inboxes.expireByAge(nowMillis: nowMillis), atMillis: nowMillis)
    }

    private func recordExpiries(_ expiries: [InboxBook.Expiry], atMillis now: Int64) {
        guard !expiries.isEmpty else { return }
        audit.append(expiries.map { expiry in
            var event = AuditEvent(.inbox, timeMillis: now)
            event.reason = "expired"
            event.node = expiry.key.node
            event.inbox = expiry.key.name
            event.missedMessageIDs = expiry.messageIDs
            event.count = UInt64(expiry.messageIDs.count)
            event.detail = expiry.bound   // the bound's config key (docs/AUDIT.md §Inboxes)
            return event
        })
    }
}
