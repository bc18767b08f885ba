@testable import NexBroker
import Testing

@Suite struct SubscriptionTableTests {
    private func filter(_ text: String) throws -> TopicFilter { try TopicFilter(validating: text) }
    private func topic(_ text: String) throws -> Topic { try Topic(validating: text) }

    @Test func subscriberWithTwoMatchingFiltersAppearsOnceWithBothIDs() throws {
        var table = SubscriptionTable<String>()
        let inserted1 = table.insert(try filter("notice.>"), subscriber: "a", subscriptionID: 9)
        #expect(inserted1)
        let inserted2 = table.insert(try filter("notice.red.fr"), subscriber: "a", subscriptionID: 2)
        #expect(inserted2)
        let inserted3 = table.insert(try filter("notice.*.fr"), subscriber: "b", subscriptionID: 1)
        #expect(inserted3)
        let inserted4 = table.insert(try filter("hit.>"), subscriber: "c", subscriptionID: 1)
        #expect(inserted4)
        #expect(table.matches(for: try topic("notice.red.fr")) == ["a": [2, 9], "b": [1]])
        #expect(table.matches(for: try topic("notice.red.rw")) == ["a": [9]])
        #expect(table.matches(for: try topic("notice")) == [:])
        #expect(table.count == 4)
    }

    @Test func duplicateIDIsRefused() throws {
        var table = SubscriptionTable<Int>()
        let inserted1 = table.insert(try filter("a"), subscriber: 1, subscriptionID: 1)
        #expect(inserted1)
        let inserted2 = table.insert(try filter("b"), subscriber: 1, subscriptionID: 1)
        #expect(!inserted2)
        let inserted3 = table.insert(try filter("a"), subscriber: 2, subscriptionID: 1)
        #expect(inserted3)
        #expect(table.count == 2)
        #expect(table.matches(for: try topic("b")) == [:])
    }

    @Test func removeAndRemoveAll() throws {
        var table = SubscriptionTable<Int>()
        table.insert(try filter("a.*"), subscriber: 1, subscriptionID: 1)
        table.insert(try filter("a.>"), subscriber: 1, subscriptionID: 2)
        table.insert(try filter("a.b"), subscriber: 2, subscriptionID: 1)
        #expect(table.subscriptionCount(of: 1) == 2)
        let removed1 = table.remove(subscriber: 1, subscriptionID: 1)
        #expect(removed1)
        let removed2 = table.remove(subscriber: 1, subscriptionID: 1)
        #expect(!removed2)
        #expect(table.matches(for: try topic("a.b")) == [1: [2], 2: [1]])
        table.removeAll(subscriber: 1)
        #expect(table.subscriptionCount(of: 1) == 0)
        #expect(table.matches(for: try topic("a.b")) == [2: [1]])
        #expect(table.count == 1)
        let removed3 = table.remove(subscriber: 2, subscriptionID: 1)
        #expect(removed3)
        #expect(table.count == 0)
        #expect(table.matches(for: try topic("a.b")) == [:])
        // The same id can be reused after removal.
        let inserted1 = table.insert(try filter("a.b"), subscriber: 2, subscriptionID: 1)
        #expect(inserted1)
    }

    @Test func removalPrunesEmptyBranches() throws {
        var table = SubscriptionTable<Int>()
        table.insert(try filter("a.b.c.d"), subscriber: 1, subscriptionID: 1)
        table.insert(try filter("a.*.c"), subscriber: 1, subscriptionID: 2)
        table.insert(try filter("x.>"), subscriber: 2, subscriptionID: 1)
        #expect(table.trieNodeCount == 8)
        table.remove(subscriber: 1, subscriptionID: 1)
        #expect(table.trieNodeCount == 5)
        table.removeAll(subscriber: 1)
        table.removeAll(subscriber: 2)
        #expect(table.trieNodeCount == 1)
        #expect(table.count == 0)
    }

    @Test func lookupOfSubscriptions() throws {
        var table = SubscriptionTable<Int>()
        table.insert(try filter("a.*"), subscriber: 1, subscriptionID: 5)
        #expect(table.filter(subscriber: 1, subscriptionID: 5)?.description == "a.*")
        #expect(table.subscriptions(of: 1).keys.sorted() == [5])
        #expect(table.filter(subscriber: 2, subscriptionID: 5) == nil)
    }

    /// The trie must agree with brute-force `TopicFilter.matches` on random filters and topics,
    /// including after random removals.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func agreesWithBruteForce(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let alphabet = ["a", "b", "c"]
        func randomTokens(wildcards: Bool) -> String {
            let count = Int.random(in: 1...4, using: &generator)
            return (0..<count).map { index -> String in
                if wildcards {
                    let roll = Int.random(in: 0..<10, using: &generator)
                    if roll == 0 && index == count - 1 { return ">" }
                    if roll < 3 { return "*" }
                }
                return alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
            }.joined(separator: ".")
        }
        var table = SubscriptionTable<Int>()
        var all: [(subscriber: Int, id: UInt32, filter: TopicFilter)] = []
        for id in 0..<300 {
            let subscriber = Int.random(in: 0..<20, using: &generator)
            let filter = try TopicFilter(validating: randomTokens(wildcards: true))
            if table.insert(filter, subscriber: subscriber, subscriptionID: UInt32(id)) {
                all.append((subscriber, UInt32(id), filter))
            }
        }
        for _ in 0..<100 {
            let index = Int.random(in: 0..<all.count, using: &generator)
            let removed = all.remove(at: index)
            let removed1 = table.remove(subscriber: removed.subscriber, subscriptionID: removed.id)
            #expect(removed1)
        }
        table.removeAll(subscriber: 0)
        all.removeAll { $0.subscriber == 0 }
        #expect(table.count == all.count)
        for _ in 0..<300 {
            let topic = try Topic(validating: randomTokens(wildcards: false))
            var expected: [Int: [UInt32]] = [:]
            for entry in all where entry.filter.matches(topic) {
                expected[entry.subscriber, default: []].append(entry.id)
            }
            for key in expected.keys { expected[key]?.sort() }
            #expect(table.matches(for: topic) == expected, "topic \(topic)")
        }
    }
}
