/// A durable inbox: the node it belongs to and its name (unique per node). docs/AUDIT.md §Inboxes.
public struct InboxKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The node id (certificate CN) whose inbox it is.
    public var node: String
    /// The inbox name, as in `subscribe … "inbox"` and `inbox` records.
    public var name: String

    /// Creates a key.
    public init(node: String, name: String) {
        self.node = node
        self.name = name
    }

    /// Orders by node, then name: the order of a `route` record's `queued` list.
    public static func < (a: InboxKey, b: InboxKey) -> Bool {
        (a.node, a.name) < (b.node, b.name)
    }

    public var description: String { "\(node)/\(name)" }
}
