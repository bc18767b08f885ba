import NexClient
import NexWire
import Testing

/// The bounded memory of printed message ids that drops deliveries a reconnect repeats.
struct RecentMessageIDsTests {
    private func id(_ n: UInt64) -> MessageID { MessageID(high: 7, low: n) }

    /// Inserts each of `ids` and says which were new.
    private func insert(_ ids: [UInt64], into recent: inout RecentMessageIDs) -> [Bool] {
        ids.map { recent.insert(id($0)) }
    }

    @Test func aRepeatIsCaught() {
        var recent = RecentMessageIDs(capacity: 10)
        #expect(insert([1, 2, 1], into: &recent) == [true, true, false])
        #expect(recent.count == 2)
    }

    @Test func theOldestIsForgottenFirstAndMemoryStaysBounded() {
        var recent = RecentMessageIDs(capacity: 3)
        #expect(insert([1, 2, 3, 4], into: &recent) == [true, true, true, true])   // 4 forgets 1
        #expect(!recent.contains(id(1)))
        #expect((2...4).allSatisfy { recent.contains(id($0)) })
        #expect(insert([1], into: &recent) == [true])                            // 1 is new again; forgets 2
        #expect(!recent.contains(id(2)))
        #expect(insert([3], into: &recent) == [false])                           // a repeat does not move the window
        #expect(recent.contains(id(3)))
        _ = insert(Array(100..<1_100), into: &recent)
        #expect(recent.count == 3)
        #expect((1_097..<1_100).allSatisfy { recent.contains(id($0)) })
    }

    @Test func theDefaultRemembersOneHundredThousand() {
        var recent = RecentMessageIDs()
        #expect(recent.capacity == 100_000)
        _ = insert(Array(0...100_000), into: &recent)
        #expect(recent.count == 100_000)
        #expect(!recent.contains(id(0)))
        #expect(recent.contains(id(1)))
    }
}
