/// What a start-up fold needs of an accepted notice, read from the bytes of its `publish` and
/// `route` lines without a JSON parse (the writer's canonical form fixes member names and order;
/// node ids, topics, kinds, message ids and restriction lists hold no escapes). Used by nexd to
/// rebuild its notice registry in the pass that rebuilds the inboxes (D56).
public struct AcceptedRoute: Sendable, Equatable {
    /// The acceptance record's sequence (where the envelope is).
    public let acceptedSequence: UInt64
    /// The acceptance record's `time` (Unix milliseconds; 0 if it cannot be read).
    public let acceptedAtMillis: Int64
    /// The message id (lowercase UUID text).
    public let messageID: String
    /// The sending node.
    public let node: String
    /// The topic.
    public let topic: String
    /// The envelope's kind, from the acceptance record.
    public let kind: String
    /// The nodes of `recipients` and `queued` (in record order, repeats possible).
    public let holders: [String]
    /// The route record's `restrictions` text, when the notice was restricted.
    public let restrictions: String?
    /// The acceptance record's `expiresAt` (format 5, D61), Unix milliseconds, when it has one.
    public let expiresAtMillis: Int64?

    /// The accepted notice whose acceptance line is `publish` (an accepted `publish` record) and
    /// whose routing line is `route`; nil when `route` is not that notice's routing record.
    public init?(publish: ArraySlice<UInt8>, route: ArraySlice<UInt8>) {
        guard let event = LineScan.event(of: route), event.elementsEqual("route".utf8),
              LineScan.find(Self.outcomeKey, in: route.prefix(160)) == nil,
              let publishSequence = Self.sequence(of: publish), let routeSequence = Self.sequence(of: route) else { return nil }
        if let ref = Self.integer(after: Self.refKey, in: route) {
            guard ref == publishSequence else { return nil }
        } else {
            guard routeSequence == publishSequence + 1 else { return nil }
        }
        guard let id = LineScan.stringValue(after: Self.msgKey, in: route),
              let node = LineScan.stringValue(after: Self.nodeKey, in: route),
              let topic = LineScan.stringValue(after: Self.topicKey, in: route),
              let kind = LineScan.stringValue(after: Self.kindKey, in: publish),
              let publishID = LineScan.stringValue(after: Self.msgKey, in: publish), publishID.elementsEqual(id)
        else { return nil }
        acceptedSequence = publishSequence
        acceptedAtMillis = LineScan.stringValue(after: Self.timeKey, in: publish, searchLimit: 64).flatMap(Timestamp.parseCanonical) ?? 0
        messageID = String(decoding: id, as: UTF8.self)
        self.node = String(decoding: node, as: UTF8.self)
        self.topic = String(decoding: topic, as: UTF8.self)
        self.kind = String(decoding: kind, as: UTF8.self)
        // Recipient and queued entries start with {"node":" — a quote inside a string value is
        // escaped, so the pattern cannot occur inside one; withheld entries come after them.
        let end = LineScan.find(Self.withheldKey, in: route) ?? LineScan.find(Self.restrictionsKey, in: route) ?? route.endIndex
        var holders: [String] = []
        var rest = route[route.startIndex..<end]
        while let at = LineScan.find(Self.entryNodeKey, in: rest) {
            let start = at + Self.entryNodeKey.count
            guard let close = rest[start...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            holders.append(String(decoding: rest[start..<close], as: UTF8.self))
            rest = rest[close...]
        }
        self.holders = holders
        restrictions = LineScan.stringValue(after: Self.restrictionsKey, in: route).map { String(decoding: $0, as: UTF8.self) }
        // Between `issuedAt` and `digest`, before the long `envelope`: searched up to `digest` only.
        let beforeDigest = LineScan.find(Self.digestKey, in: publish).map { publish[publish.startIndex..<$0] } ?? publish.prefix(0)
        expiresAtMillis = LineScan.stringValue(after: Self.expiresAtKey, in: beforeDigest).flatMap(Timestamp.parseCanonical)
    }

    private static let timeKey = Array(#","time":""#.utf8)
    private static let outcomeKey = Array(#","outcome":""#.utf8)
    private static let refKey = Array(#","ref":"#.utf8)
    private static let msgKey = Array(#","msg":""#.utf8)
    private static let nodeKey = Array(#","node":""#.utf8)
    private static let topicKey = Array(#","topic":""#.utf8)
    private static let kindKey = Array(#","kind":""#.utf8)
    private static let withheldKey = Array(#","withheld":["#.utf8)
    private static let restrictionsKey = Array(#","restrictions":""#.utf8)
    private static let digestKey = Array(#","digest":""#.utf8)
    private static let expiresAtKey = Array(#","expiresAt":""#.utf8)
    private static let entryNodeKey = Array(#"{"node":""#.utf8)
    private static let seqKey = Array(#"{"seq":"#.utf8)

    private static func sequence(of line: ArraySlice<UInt8>) -> UInt64? {
        guard line.starts(with: seqKey) else { return nil }
        return integer(at: line.startIndex + seqKey.count, in: line)
    }

    private static func integer(after key: [UInt8], in line: ArraySlice<UInt8>) -> UInt64? {
        guard let at = LineScan.find(key, in: line) else { return nil }
        return integer(at: at + key.count, in: line)
    }

    private static func integer(at start: Int, in line: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var index = start
        while index < line.endIndex, (48...57).contains(line[index]) {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = times + UInt64(line[index] - 48)
            index += 1
        }
        return index > start ? value : nil
    }
}
