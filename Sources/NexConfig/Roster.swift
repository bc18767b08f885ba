import NexNotices

/// One node allowed to connect: its id is its certificate's subject CN.
public struct RosterEntry: Sendable, Equatable {
    /// Node id, e.g. `bcp.rw.rusumo`.
    public var id: String
    public var role: NodeRole
    /// Lowercase ISO 3166 alpha-2 country code.
    public var country: String
    /// A readable name (for logs and the README), optional.
    public var name: String?

    /// Creates an entry.
    public init(id: String, role: NodeRole, country: String, name: String? = nil) {
        self.id = id
        self.role = role
        self.country = country
        self.name = name
    }

    /// Whether `id` is a well-formed node id: lowercase tokens of `[a-z0-9-]` joined by dots.
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 64 else { return false }
        return id.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { token in
            !token.isEmpty && token.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
        }
    }

    /// Whether `code` looks like a lowercase ISO 3166 alpha-2 code.
    public static func isValidCountry(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { (97...122).contains($0) }
    }
}

/// The nodes allowed to connect, looked up by id.
public struct Roster: Sendable {
    public let entries: [RosterEntry]
    private let byID: [String: RosterEntry]
    /// Each node's role and country, for the workflow rules (D55), built once with the roster.
    public let directory: NodeDirectory

    /// Creates a roster; ids must be unique (the loader checks and reports duplicates).
    public init(_ entries: [RosterEntry]) {
        self.entries = entries
        self.byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.directory = NodeDirectory(byID.mapValues { NodeDirectory.Node(role: $0.role, country: $0.country) })
    }

    /// The entry for a node id, if it is on the roster.
    public func entry(for id: String) -> RosterEntry? { byID[id] }
}
