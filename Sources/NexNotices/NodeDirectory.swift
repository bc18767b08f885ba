/// What the workflow rules know of the roster (D55): each node's role and country, and the
/// countries that have a node. Built once per roster; a reload builds a new one.
public struct NodeDirectory: Sendable {
    /// One roster node as the rules see it.
    public struct Node: Sendable, Equatable {
        public let role: NodeRole
        /// Lowercase ISO 3166 alpha-2 code.
        public let country: String

        /// Creates a node entry.
        public init(role: NodeRole, country: String) {
            self.role = role
            self.country = country
        }
    }

    private let nodes: [String: Node]
    /// The countries at least one roster node is in.
    public let countries: Set<String>

    /// A directory of `nodes`, keyed by node id.
    public init(_ nodes: [String: Node]) {
        self.nodes = nodes
        self.countries = Set(nodes.values.map(\.country))
    }

    /// The roster node `id`, or nil when it is not on the roster.
    public func node(_ id: String) -> Node? { nodes[id] }

    /// Whether a roster node is in `country`.
    public func hasNode(in country: String) -> Bool { countries.contains(country) }

    /// Why `id` cannot be named as the requesting NCB of `country`, or nil when it can: it must be
    /// on the roster, an NCB, and (when `country` is given) in that country.
    public func requestingNCBProblem(_ id: String, country: String?) -> String? {
        guard let node = nodes[id] else { return "\"\(id)\" is not on the roster" }
        guard node.role == .ncb else { return "\"\(id)\" is a \(node.role.rawValue) node, not an NCB" }
        if let country, node.country != country {
            return "\"\(id)\" is the NCB of \(node.country), not of \(country)"
        }
        return nil
    }
}
