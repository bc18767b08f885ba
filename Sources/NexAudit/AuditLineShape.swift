/// The fixed head and tail every canonical record line has (docs/AUDIT.md §Canonical form):
/// `{"seq":N,"time":"YYYY-MM-DDTHH:MM:SS.mmmZ","event":"<a-z and ->",` … `,"prev":"<64 hex>","hash":"<64 hex>"}`.
///
/// Both verifiers check it on every record, also with `--no-signatures` (when only `start`,
/// `certificate` and `checkpoint` records are parsed): the sequence, time, event and link they use
/// are read here, and for parsed records the canonical-form check makes them equal the parse.
struct AuditLineShape {
    /// Why a line does not have the shape.
    struct Mismatch: Error {
        var reason: String
    }

    var sequence: UInt64
    var timeMillis: Int64
    var event: String
    /// The 64 lowercase hex digits of `prev`.
    var previousHash: ArraySlice<UInt8>

    private static let seqKey = Array(#"{"seq":"#.utf8)
    private static let timeKey = Array(#","time":""#.utf8)
    private static let eventKey = Array(#"","event":""#.utf8)
    private static let prevKey = Array(#","prev":""#.utf8)
    private static let hashKey = Array(#"","hash":""#.utf8)

    /// Reads the shape of a framed line (the caller checked the hash suffix).
    init(line bytes: ArraySlice<UInt8>) throws(Mismatch) {
        guard bytes.starts(with: Self.seqKey) else { throw Mismatch(reason: "it does not begin with {\"seq\":") }
        var index = bytes.startIndex + Self.seqKey.count
        let digitsStart = index
        var value: UInt64 = 0
        while index < bytes.endIndex, (48...57).contains(bytes[index]), index - digitsStart < 16 {
            value = value * 10 + UInt64(bytes[index] - 48)
            index += 1
        }
        let digits = index - digitsStart
        guard digits > 0, bytes[digitsStart] != UInt8(ascii: "0") || digits == 1,
              value <= UInt64(AuditFormat.largestInteger),
              bytes[index...].starts(with: Self.timeKey)
        else { throw Mismatch(reason: "\"seq\" is not a plain integer followed by \"time\"") }
        sequence = value
        index += Self.timeKey.count
        guard bytes.endIndex - index > 24, bytes[(index + 24)...].starts(with: Self.eventKey),
              let time = Timestamp.parseCanonical(bytes[index..<(index + 24)])
        else { throw Mismatch(reason: "\"time\" is not YYYY-MM-DDTHH:MM:SS.mmmZ with a real date, followed by \"event\"") }
        timeMillis = time
        index += 24 + Self.eventKey.count
        let eventStart = index
        while index < bytes.endIndex, (97...122).contains(bytes[index]) || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index > eventStart, bytes.endIndex - index >= 2, bytes[index] == UInt8(ascii: "\""),
              bytes[index + 1] == UInt8(ascii: ",")
        else { throw Mismatch(reason: "\"event\" is not a plain name (a-z and -)") }
        event = String(decoding: bytes[eventStart..<index], as: UTF8.self)
        // The tail: `,"prev":"<64>","hash":"<64>"}` (the hash itself was checked against the core).
        let tail = bytes.endIndex - (Self.prevKey.count + 64 + Self.hashKey.count + 64 + 2)
        guard tail > index, bytes[tail...].starts(with: Self.prevKey),
              bytes[(tail + Self.prevKey.count + 64)...].starts(with: Self.hashKey)
        else { throw Mismatch(reason: "it does not end with \"prev\" and \"hash\"") }
        previousHash = bytes[(tail + Self.prevKey.count)..<(tail + Self.prevKey.count + 64)]
        guard previousHash.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw Mismatch(reason: "\"prev\" is not 64 lowercase hex digits")
        }
    }
}
