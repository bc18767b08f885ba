/// Protocol capabilities: named additions to version 1 that a connection uses only when both sides
/// list them (docs/PROTOCOL.md §1, "Capabilities"; docs/DECISIONS.md D52).
///
/// nexd lists what it offers in `welcome` (extension tag 2), a client what it will use in `hello`
/// (tag 2). `welcome` is sent before the server reads `hello`, so neither is an answer to the
/// other: a capability is **in effect** on a connection when it is in both lists, and each side
/// computes that for itself. A frame of a capability not in effect is answered as a server without
/// it would answer it (`error unknown-frame-type`). A name never changes meaning: a changed
/// capability gets a new number (`inbox.2`), and a server may offer both.
public enum Capability {
    /// Durable inboxes: the `subscribeDurable` frame (0x25) and the inbox status in `suback`
    /// (extension tag 2).
    public static let inbox = "inbox.1"

    /// Notice lifecycle: a `deliver` with an empty subscription id list carries a follow-up
    /// (`update`, `cancel`, `withdraw`) of a record this node holds (D57).
    public static let lifecycle = "lifecycle.1"

    /// Batch signatures (D73): the publisher may send envelopes of the batch algorithms (3, 4),
    /// each sealed with its inclusion proof and the batch's one signature (``BatchSeal``).
    public static let batch = "batch.1"

    /// The extension tag of the capability list, in `hello` and in `welcome`.
    public static let extensionTag: UInt16 = 2

    /// The extension value of a capability list: `list16<str16>`.
    public static func encode(_ names: [String]) -> [UInt8] {
        var out: [UInt8] = []
        precondition(names.count <= Int(UInt16.max), "too many capabilities")
        out.writeU16(UInt16(names.count))
        for name in names { out.writeStr16(name) }
        return out
    }

    /// The names of an extension value; nil when it is not a well-formed `list16<str16>`.
    public static func decode(_ value: [UInt8]) -> [String]? {
        value.withUnsafeBytes { bytes -> [String]? in
            var reader = WireReader(bytes, context: "capabilities")
            do throws(WireError) {
                let count = try reader.readU16("count")
                var names: [String] = []
                for _ in 0..<count { names.append(try reader.readStr16("capability")) }
                try reader.expectEnd()
                return names
            } catch {
                return nil
            }
        }
    }
}

extension Hello {
    /// The capabilities the client will use (extension tag 2); empty when it lists none. A
    /// malformed list counts as none: the client then uses no capability.
    public var capabilities: [String] {
        extensions.first { $0.tag == Capability.extensionTag }.flatMap { Capability.decode($0.value) } ?? []
    }

    /// The extension entry listing the capabilities a client will use.
    public static func capabilitiesExtension(_ names: [String]) -> WireExtension {
        WireExtension(tag: Capability.extensionTag, value: Capability.encode(names))
    }
}

extension Welcome {
    /// The capabilities the server offers (extension tag 2); empty from a server that offers none
    /// (every server before D52).
    public var capabilities: [String] {
        extensions.first { $0.tag == Capability.extensionTag }.flatMap { Capability.decode($0.value) } ?? []
    }

    /// The extension entry listing the capabilities a server offers.
    public static func capabilitiesExtension(_ names: [String]) -> WireExtension {
        WireExtension(tag: Capability.extensionTag, value: Capability.encode(names))
    }
}
