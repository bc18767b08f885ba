import NexAudit
import NexBroker
import NexWire
import Testing
@testable import NexServer

/// The inboxes as a value: definitions, attachments, entries, cursors and bounds (D54).
@Suite struct InboxBookTests {
    private static let limits = InboxLimits(messagesPerNode: 4, bytesPerNode: 1 << 20, maxAgeMillis: 1000, inboxesPerNode: 2)

    private func entry(_ sequence: UInt64, bytes: Int = 10, at time: Int64 = 0) -> InboxEntry {
        InboxEntry(message: DeliveryMessage(envelope: [UInt8](repeating: 0, count: bytes), messageID: .random(), originNode: "gs.fr.lyon",
                                            receivedAtMillis: time, certificateFingerprint: [], auditSequence: sequence),
                   acceptedAtMillis: time)
    }

    private func filter(_ text: String) throws -> TopicFilter { try TopicFilter(validating: text) }

    @Test func anInboxKeepsItsFirstFilterAndANodeHasABoundedNumber() throws {
        var book = InboxBook(limits: Self.limits)
        let a = InboxKey(node: "bcp.ke.busia", name: "a")
        #expect(book.define(a, filter: try filter("notice.>")) == .created)
        #expect(book.define(a, filter: try filter("notice.>")) == .existing)
        #expect(book.define(a, filter: try filter("hit.>")) == .filterMismatch(existing: "notice.>"))
        #expect(book.define(InboxKey(node: "bcp.ke.busia", name: "b"), filter: try filter("hit.>")) == .created)
        #expect(book.define(InboxKey(node: "bcp.ke.busia", name: "c"), filter: try filter("hit.>")) == .tooMany(limit: 2))
        #expect(book.define(InboxKey(node: "bcp.ug.busia", name: "c"), filter: try filter("hit.>")) == .created)
        #expect(book.matching(try Topic(validating: "notice.red.fr")) == [a])
    }

    /// Past `limits.inboxBytesTotal` (each envelope once), a new entry is not kept for the inboxes
    /// of nodes that are away; an attached inbox keeps it; freed bytes make room again.
    @Test func theTotalBoundKeepsNoNewEntryForOfflineInboxes() throws {
        var limits = Self.limits
        limits.bytesTotal = 100
        limits.messagesPerNode = 100
        var book = InboxBook(limits: limits)
        let away = InboxKey(node: "bcp.ke.busia", name: "a")
        let here = InboxKey(node: "bcp.ug.busia", name: "a")
        _ = book.define(away, filter: try filter("notice.>"))
        _ = book.define(here, filter: try filter("notice.>"))
        for sequence: UInt64 in 1...2 {
            book.append(entry(sequence, bytes: 40), to: away)
            book.append(entry(sequence, bytes: 40), to: here)
            #expect(book.enforceTotalBound(newest: sequence, in: [away]).isEmpty)
        }
        #expect(book.storedBytes == 80)
        let third = entry(3, bytes: 40)
        book.append(third, to: away)
        book.append(third, to: here)
        let dropped = book.enforceTotalBound(newest: 3, in: [away])
        #expect(dropped == [InboxBook.Expiry(key: away, messageIDs: [third.message.messageID.description], bound: "limits.inboxBytesTotal")])
        #expect(Array(book.inboxes[away]!.waitingSequences) == [1, 2])
        #expect(Array(book.inboxes[here]!.waitingSequences) == [1, 2, 3])
        #expect(book.inboxes[away]!.expiredWhy == ["limits.inboxBytesTotal"])
        #expect(book.receipted(here, through: 3) == 3)
        #expect(book.receipted(away, through: 2) == 2)
        #expect(book.storedBytes == 0)
    }

    @Test func attachReturnsTheBacklogInOrderAndWhoHeldItBefore() throws {
        var book = InboxBook(limits: Self.limits)
        let key = InboxKey(node: "bcp.ke.busia", name: "a")
        _ = book.define(key, filter: try filter("notice.>"))
        for sequence: UInt64 in [3, 7, 9] { book.append(entry(sequence), to: key) }
        let attachedFirst = book.attach(key, to: .init(connection: 1, subscriptionID: 5))
        let first = try #require(attachedFirst)
        #expect(first.replaced == nil)
        #expect(first.backlog.map(\.sequence) == [3, 7, 9])
        #expect(book.receipted(key, through: 7) == 2)
        let attachedSecond = book.attach(key, to: .init(connection: 2, subscriptionID: 1))
        let second = try #require(attachedSecond)
        #expect(second.replaced == .init(connection: 1, subscriptionID: 5))
        #expect(second.backlog.map(\.sequence) == [9])
        book.detach(key, from: 1)   // not the holder: nothing changes
        #expect(book.attached(to: 2) == [1: key])
        book.detachAll(from: 2)
        #expect(book.attached(to: 2).isEmpty)
    }

    @Test func boundsDropTheNodesOldestEntriesAcrossItsInboxes() throws {
        var book = InboxBook(limits: Self.limits)
        let a = InboxKey(node: "bcp.ke.busia", name: "a"), b = InboxKey(node: "bcp.ke.busia", name: "b")
        _ = book.define(a, filter: try filter("notice.>"))
        _ = book.define(b, filter: try filter("hit.>"))
        book.append(entry(1), to: a)
        book.append(entry(2), to: b)
        book.append(entry(3), to: a)
        book.append(entry(4), to: b)
        #expect(book.enforceBounds(of: "bcp.ke.busia").isEmpty)
        book.append(entry(5), to: a)
        book.append(entry(6), to: a)
        let dropped = book.enforceBounds(of: "bcp.ke.busia")
        #expect(dropped.map(\.key) == [a, b])
        #expect(dropped.allSatisfy { $0.bound == "limits.inboxMessagesPerNode" && $0.messageIDs.count == 1 })
        #expect(book.usage(of: "bcp.ke.busia").messages == 4)
        let attached = book.attach(a, to: .init(connection: 1, subscriptionID: 1))
        let status = try #require(attached)
        #expect(status.backlog.map(\.sequence) == [3, 5, 6])
        #expect(status.expired == 1)
        #expect(status.why == ["limits.inboxMessagesPerNode"])
    }

    @Test func entriesOlderThanTheAgeBoundExpire() throws {
        var book = InboxBook(limits: Self.limits)
        let a = InboxKey(node: "bcp.ke.busia", name: "a")
        _ = book.define(a, filter: try filter("notice.>"))
        book.append(entry(1, at: 0), to: a)
        book.append(entry(2, at: 900), to: a)
        let expired = book.expireByAge(nowMillis: 1500)
        #expect(expired.map(\.bound) == ["limits.inboxMaxAgeSeconds"])
        #expect(book.inboxes[a].map { Array($0.waitingSequences) } == [2])
    }

    @Test func aReceiptMovesEachInboxCursorToTheNewestEntryItCovers() {
        var deliveries = InboxDeliveries()
        deliveries.delivered(1, inbox: "a", auditSequence: 10)
        deliveries.delivered(2, inbox: "b", auditSequence: 12)
        deliveries.delivered(2, inbox: "a", auditSequence: 12)
        deliveries.delivered(4, inbox: "a", auditSequence: 20)
        let cursors = deliveries.receipt(through: 3)
        #expect(cursors.map(\.inbox) == ["a", "b"])
        #expect(cursors.map(\.cursor) == [12, 12])
        #expect(deliveries.receipt(through: 4).map(\.cursor) == [20])
        #expect(deliveries.receipt(through: 9).isEmpty)
    }

    @Test func anEntryKeptByTwoNodesStaysUntilBothHaveIt() throws {
        var book = InboxBook(limits: Self.limits)
        let busia = InboxKey(node: "bcp.ke.busia", name: "a"), malaba = InboxKey(node: "bcp.ke.malaba", name: "a")
        _ = book.define(busia, filter: try filter("notice.>"))
        _ = book.define(malaba, filter: try filter("notice.>"))
        let shared = entry(7)
        book.append(shared, to: busia)
        book.append(shared, to: malaba)
        #expect(book.receipted(busia, through: 7) == 1)
        #expect(book.usage(of: "bcp.ke.busia").messages == 0)
        let attached = book.attach(malaba, to: .init(connection: 3, subscriptionID: 1))
        let backlog = try #require(attached).backlog
        #expect(backlog.map(\.message.messageID) == [shared.message.messageID])
    }
}
