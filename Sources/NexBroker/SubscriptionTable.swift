/// The subscriptions of all connections, as a trie from filter tokens to subscriptions (in the
/// manner of nats-server's sublist), so matching a topic costs its token count, not the number of
/// subscriptions.
///
/// A subscription is a `(subscriber, subscriptionID)` pair with one filter. The table is a value
/// type; its owner (one queue or a lock) serialises changes.
public struct SubscriptionTable<Subscriber: Hashable & Sendable>: Sendable {
    struct Key: Hashable, Sendable {
        var subscriber: Subscriber
        var subscriptionID: UInt32
    }

    private var root = SubscriptionTrieNode<Key>()
    private var filtersBySubscriber: [Subscriber: [UInt32: TopicFilter]] = [:]

    /// The number of subscriptions in the table.
    public private(set) var count = 0

    /// An empty table.
    public init() {}

    /// Adds a subscription. Returns `false`, changing nothing, if `subscriber` already has `subscriptionID`.
    @discardableResult
    public mutating func insert(_ filter: TopicFilter, subscriber: Subscriber, subscriptionID: UInt32) -> Bool {
        guard filtersBySubscriber[subscriber]?[subscriptionID] == nil else { return false }
        filtersBySubscriber[subscriber, default: [:]][subscriptionID] = filter
        root.insert(Key(subscriber: subscriber, subscriptionID: subscriptionID), filter.tokens[...])
        count += 1
        return true
    }

    /// Removes a subscription. Returns `false` if there was none.
    @discardableResult
    public mutating func remove(subscriber: Subscriber, subscriptionID: UInt32) -> Bool {
        guard let filter = filtersBySubscriber[subscriber]?.removeValue(forKey: subscriptionID) else { return false }
        if filtersBySubscriber[subscriber]?.isEmpty == true { filtersBySubscriber[subscriber] = nil }
        root.remove(Key(subscriber: subscriber, subscriptionID: subscriptionID), filter.tokens[...])
        count -= 1
        return true
    }

    /// Removes every subscription of `subscriber` (e.g. when its connection closes).
    public mutating func removeAll(subscriber: Subscriber) {
        guard let filters = filtersBySubscriber.removeValue(forKey: subscriber) else { return }
        for (id, filter) in filters {
            root.remove(Key(subscriber: subscriber, subscriptionID: id), filter.tokens[...])
        }
        count -= filters.count
    }

    /// The number of trie nodes, root included; for tests of pruning.
    var trieNodeCount: Int { root.nodeCount }

    /// The number of subscriptions `subscriber` holds.
    public func subscriptionCount(of subscriber: Subscriber) -> Int {
        filtersBySubscriber[subscriber]?.count ?? 0
    }

    /// The filter of one subscription, or `nil` if there is none.
    public func filter(subscriber: Subscriber, subscriptionID: UInt32) -> TopicFilter? {
        filtersBySubscriber[subscriber]?[subscriptionID]
    }

    /// The subscriptions of `subscriber`, by id.
    public func subscriptions(of subscriber: Subscriber) -> [UInt32: TopicFilter] {
        filtersBySubscriber[subscriber] ?? [:]
    }

    /// Every subscriber with a subscription matching `topic`, each once, with all its matching
    /// subscription ids in ascending order.
    public func matches(for topic: Topic) -> [Subscriber: [UInt32]] {
        var result: [Subscriber: [UInt32]] = [:]
        root.collect(topic.tokens, from: 0) { key in
            result[key.subscriber, default: []].append(key.subscriptionID)
        }
        for subscriber in result.keys { result[subscriber]?.sort() }
        return result
    }
}
