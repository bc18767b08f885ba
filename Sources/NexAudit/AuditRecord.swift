import Foundation

/// One record read back from the log: its framing plus its decoded members.
public struct AuditRecord: @unchecked Sendable {
    /// The segment file it was read from and its 1-based line number there.
    public var segment: String
    public var line: Int
    /// The exact line bytes (without newline).
    public var bytes: [UInt8]
    /// The decoded JSON object.
    public var members: [String: Any]

    /// The record's sequence number, if present and numeric.
    public var sequence: UInt64? { (members["seq"] as? NSNumber)?.uint64Value }
    /// The event name (`publish`, `route`, …).
    public var event: String? { members["event"] as? String }
    /// A string member.
    public func string(_ key: String) -> String? { members[key] as? String }
    /// An integer member.
    public func integer(_ key: String) -> Int64? { (members[key] as? NSNumber)?.int64Value }
    /// Event time in Unix milliseconds.
    public var timeMillis: Int64? { string("time").flatMap(Timestamp.parse) }
    /// A base64 member decoded (envelope, certificate).
    public func base64(_ key: String) -> [UInt8]? {
        string(key).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }

    /// Parses a line; `nil` when it is not a JSON object.
    public init?(segment: String, line: Int, bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        self.segment = segment
        self.line = line
        self.bytes = bytes
        self.members = object
    }
}
