import NexCrypto

/// Frames one record as a line of the log and checks a line's own hash.
///
/// The *core* of record N is `{"seq":N,<members>,"prev":"<hash of record N-1>"}`; the stored line is
/// the core with its final `}` replaced by `,"hash":"<SHA-256 of the core>"}`, then `\n`.
/// The hash suffix has a fixed length, so an auditor recovers the core by cutting it off.
public enum AuditLine {
    /// The `prev` of the first record: 64 zeros.
    public static let genesisHash = SHA256Digest(bytes: [UInt8](repeating: 0, count: 32))!

    /// Length of `,"hash":"` + 64 hex + `"}`.
    static let hashSuffixLength = 9 + 64 + 2
    private static let hashSuffixPrefix: [UInt8] = Array(#","hash":""#.utf8)

    /// Builds the line (with its trailing newline) for record `sequence`; returns it and its hash.
    public static func make(sequence: UInt64, members: [UInt8], previous: SHA256Digest) -> (line: [UInt8], hash: SHA256Digest) {
        var core: [UInt8] = []
        core.reserveCapacity(members.count + 120 + hashSuffixLength)
        JSONText.appendRaw(#"{"seq":"#, to: &core)
        JSONText.appendInteger(sequence, to: &core)
        core.append(UInt8(ascii: ","))
        core.append(contentsOf: members)
        JSONText.appendRaw(#","prev":""#, to: &core)
        JSONText.appendHex(previous.bytes, to: &core)
        JSONText.appendRaw(#""}"#, to: &core)
        let hash = SHA256.hash(core)
        core.removeLast()
        core.append(contentsOf: hashSuffixPrefix)
        JSONText.appendHex(hash.bytes, to: &core)
        JSONText.appendRaw("\"}\n", to: &core)
        return (core, hash)
    }

    /// Splits a line (without newline) into its core and its stored hash; `nil` if not framed.
    public static func split(_ line: ArraySlice<UInt8>) -> (core: [UInt8], storedHash: SHA256Digest)? {
        guard line.count > hashSuffixLength + 2, line.last == UInt8(ascii: "}") else { return nil }
        let suffixStart = line.endIndex - hashSuffixLength
        guard Array(line[suffixStart..<(suffixStart + hashSuffixPrefix.count)]) == hashSuffixPrefix,
              line[line.endIndex - 2] == UInt8(ascii: "\""),
              let hexText = String(validating: line[(suffixStart + 9)..<(line.endIndex - 2)], as: UTF8.self),
              let stored = SHA256Digest(hex: hexText)
        else { return nil }
        var core = Array(line[line.startIndex..<suffixStart])
        core.append(UInt8(ascii: "}"))
        return (core, stored)
    }
}
