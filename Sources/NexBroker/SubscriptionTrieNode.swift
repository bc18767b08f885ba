/// One level of the subscription trie: children by literal token or `*`, and the subscriptions
/// whose filter ends here (exactly, or with `>`).
///
/// Empty children are pruned on removal, so the trie's size follows the live subscriptions.
struct SubscriptionTrieNode<Key: Hashable & Sendable>: Sendable {
    enum Edge: Hashable, Sendable {
        case literal(String)
        case single
    }

    var children: [Edge: SubscriptionTrieNode] = [:]
    /// Subscriptions whose filter ends at this node.
    var exact: Set<Key> = []
    /// Subscriptions whose filter is this node's path followed by `>`.
    var rest: Set<Key> = []

    var isEmpty: Bool { children.isEmpty && exact.isEmpty && rest.isEmpty }

    /// This node and all its descendants; for tests of pruning.
    var nodeCount: Int { 1 + children.values.reduce(0) { $0 + $1.nodeCount } }

    mutating func insert(_ key: Key, _ tokens: ArraySlice<TopicFilter.Token>) {
        guard let first = tokens.first else {
            exact.insert(key)
            return
        }
        switch first {
        case .rest:
            rest.insert(key)
        case .single:
            children[.single, default: SubscriptionTrieNode()].insert(key, tokens.dropFirst())
        case .literal(let literal):
            children[.literal(literal), default: SubscriptionTrieNode()].insert(key, tokens.dropFirst())
        }
    }

    mutating func remove(_ key: Key, _ tokens: ArraySlice<TopicFilter.Token>) {
        guard let first = tokens.first else {
            exact.remove(key)
            return
        }
        let edge: Edge
        switch first {
        case .rest:
            rest.remove(key)
            return
        case .single:
            edge = .single
        case .literal(let literal):
            edge = .literal(literal)
        }
        // Mutates the child in place (no copy of the subtree), then prunes it if it emptied.
        children[edge]?.remove(key, tokens.dropFirst())
        if children[edge]?.isEmpty == true { children[edge] = nil }
    }

    func collect(_ tokens: [String], from index: Int, _ body: (Key) -> Void) {
        guard index < tokens.count else {
            exact.forEach(body)
            return
        }
        rest.forEach(body)  // `>` needs at least one more token, which there is.
        children[.literal(tokens[index])]?.collect(tokens, from: index + 1, body)
        children[.single]?.collect(tokens, from: index + 1, body)
    }
}
