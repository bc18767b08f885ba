/// The role of a node in the roster.
public enum NodeRole: String, CaseIterable, Sendable {
    /// The General Secretariat: reviews requests and publishes notices.
    case gs
    /// A National Central Bureau, one per country.
    case ncb
    /// A regional bureau.
    case rb
    /// A border-control point.
    case bcp
    /// A regional cybercrime centre.
    case cyber

    /// A one-line description for CLIs and logs.
    public var summary: String {
        switch self {
        case .gs: "General Secretariat: reviews requests and publishes notices"
        case .ncb: "National Central Bureau: a country's single point of contact"
        case .rb: "Regional bureau: coordinates the NCBs of a region"
        case .bcp: "Border-control point: checks travellers and reports hits"
        case .cyber: "Cybercrime centre: regional cyber threat and incident exchange"
        }
    }
}
