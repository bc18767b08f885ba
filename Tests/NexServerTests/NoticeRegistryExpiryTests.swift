import NexBroker
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// The registry's expiry schedule (D61): what falls due, what an update, a cancellation or an
/// expire does to it, and how a failed expire is scheduled again.
@Suite struct NoticeRegistryExpiryTests {
    static let first = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a01")!
    static let second = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a02")!
    static let third = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a03")!
    static let followUpID = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a99")!

    func registry(expiries: [(MessageID, Int64?)]) -> NoticeRegistry {
        var registry = NoticeRegistry()
        for (sequence, (id, expiresAt)) in expiries.enumerated() {
            registry.register(id, owner: "gs.fr.lyon", kind: .red, topic: "notice.red.rw", restrictions: .init(), holders: ["bcp.ke.busia"],
                              acceptedSequence: UInt64(sequence + 1), expiresAtMillis: expiresAt)
        }
        return registry
    }

    func followUp(_ kind: NoticeKind, of id: MessageID, expiresAt: Int64? = nil) -> FollowUp {
        FollowUp(kind: kind, original: id.description, reason: kind == .expire ? .expired : .other, reasonText: kind == .expire ? nil : "x",
                 version: kind == .update ? 2 : nil, documentKind: kind == .update ? .red : nil, expiresAtMillis: expiresAt)
    }

    @Test func dueRecordsComeOutEarliestFirstAndOnlyOnce() {
        var registry = registry(expiries: [(Self.first, 3000), (Self.second, 1000), (Self.third, nil)])
        #expect(registry.nextExpiryMillis == 1000)
        #expect(registry.takeDueExpiries(atMillis: 999).isEmpty)
        #expect(registry.takeDueExpiries(atMillis: 5000).map(\.id) == [Self.second, Self.first])
        #expect(registry.takeDueExpiries(atMillis: 5000).isEmpty)
        #expect(registry.expiresAtMillis(of: Self.third) == nil)
    }

    @Test func anExpireEndsTheRecordAndAFailedOneIsScheduledAgain() {
        var registry = registry(expiries: [(Self.first, 1000)])
        #expect(registry.takeDueExpiries(atMillis: 1000).map(\.id) == [Self.first])
        guard let change = registry.apply(followUp(.expire, of: Self.first, expiresAt: 1000), id: Self.followUpID, holders: [], sequence: 9) else {
            Issue.record("the expire was not applied")
            return
        }
        #expect(registry.lookup(Self.first)?.state == .expired)
        #expect(registry.expiresAtMillis(of: Self.first) == nil)
        // Its audit batch failed: the record is active again and falls due again.
        registry.restore(change, of: Self.first, forgettingFollowUp: Self.followUpID)
        #expect(registry.lookup(Self.first)?.state == .active)
        #expect(registry.takeDueExpiries(atMillis: 2000).map(\.id) == [Self.first])
        // Not accepted at all (the log refused the batch): put back by hand.
        registry.reschedule(Self.first, expiresAtMillis: 1000)
        #expect(registry.takeDueExpiries(atMillis: 2000).map(\.id) == [Self.first])
    }

    @Test func anUpdateReplacesTheExpiryAndACancellationClearsIt() {
        var registry = registry(expiries: [(Self.first, 1000), (Self.second, 1000)])
        registry.apply(followUp(.update, of: Self.first, expiresAt: 9000), id: Self.followUpID, holders: [], sequence: 9)
        registry.apply(followUp(.cancel, of: Self.second), id: Self.third, holders: [], sequence: 10)
        #expect(registry.takeDueExpiries(atMillis: 5000).isEmpty)
        #expect(registry.expiresAtMillis(of: Self.first) == 9000)
        #expect(registry.takeDueExpiries(atMillis: 9000).map(\.id) == [Self.first])
        // An update without expires_at removes it.
        var other = self.registry(expiries: [(Self.first, 1000)])
        other.apply(followUp(.update, of: Self.first), id: Self.followUpID, holders: [], sequence: 9)
        #expect(other.takeDueExpiries(atMillis: 5000).isEmpty)
    }

    @Test func aRecordScheduledTwiceForTheSameTimeComesOutOnce() {
        // An update that keeps its expires_at (an update carries the whole document).
        var registry = registry(expiries: [(Self.first, 1000)])
        registry.apply(followUp(.update, of: Self.first, expiresAt: 1000), id: Self.followUpID, holders: [], sequence: 9)
        #expect(registry.takeDueExpiries(atMillis: 1000).map(\.id) == [Self.first])
        // A cancel whose audit batch failed, restored while the original entry is still scheduled.
        var other = self.registry(expiries: [(Self.first, 1000)])
        guard let change = other.apply(followUp(.cancel, of: Self.first), id: Self.followUpID, holders: [], sequence: 9) else {
            Issue.record("the cancel was not applied")
            return
        }
        other.restore(change, of: Self.first, forgettingFollowUp: Self.followUpID)
        #expect(other.takeDueExpiries(atMillis: 1000).map(\.id) == [Self.first])
    }

    @Test func voidedEntriesDoNotAccumulate() {
        var registry = registry(expiries: [(Self.first, 1000)])
        for version in 0..<10_000 {
            registry.apply(followUp(.update, of: Self.first, expiresAt: 9_000_000_000 + Int64(version)), id: Self.followUpID, holders: [],
                           sequence: UInt64(version))
        }
        #expect(registry.scheduledEntryCount <= 2 * registry.pendingExpiryCount + 1024)
        #expect(registry.takeDueExpiries(atMillis: .max).map(\.expiresAtMillis) == [9_000_000_000 + 9_999])
    }

    @Test func aForgottenRecordNeverFallsDue() {
        var registry = registry(expiries: [(Self.first, 1000)])
        registry.forget(Self.first)
        #expect(registry.takeDueExpiries(atMillis: 5000).isEmpty)
    }
}
