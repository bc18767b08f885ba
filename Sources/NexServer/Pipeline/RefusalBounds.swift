import NexAudit

/// Bounds the peer-supplied strings a refusal record keeps, so a refused frame cannot grow the log
/// by more than a fixed amount (docs/AUDIT.md §Refusal records).
///
/// The bound is on the bytes the string takes *in the record*, after JSON escaping: a control byte
/// is written as `\u00XX` (6 bytes), so bounding the raw UTF-8 alone would let a string of control
/// bytes grow sixfold.
enum RefusalBounds {
    /// At most this many bytes of a bounded string are written, as escaped in the record, before
    /// the cut marker.
    static let maximumRecordedBytes = 256

    /// `value` itself when its escaped form fits ``maximumRecordedBytes``; otherwise its longest
    /// prefix of whole Unicode scalars that fits, followed by `…(+N bytes)`, N being the UTF-8
    /// bytes of `value` left out.
    static func bounded(_ value: String, limit: Int = maximumRecordedBytes) -> String {
        // Cheap exit for the common case: even fully escaped, the string fits.
        if value.utf8.count * 6 <= limit { return value }
        var written = 0
        var keptUTF8 = 0
        var kept = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            let cost = escapedLength(scalar)
            guard written + cost <= limit else {
                let omitted = value.utf8.count - keptUTF8
                return String(kept) + "…(+\(omitted) bytes)"
            }
            written += cost
            keptUTF8 += UTF8.width(scalar)
            kept.append(scalar)
        }
        return value
    }

    /// The bytes `scalar` takes in a record string (docs/AUDIT.md §Records: `"`, `\` and
    /// U+0000–U+001F are escaped, `\n`, `\r`, `\t` in two bytes, the others in six).
    private static func escapedLength(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x0A, 0x0D, 0x09, 0x22, 0x5C: 2
        case 0x00..<0x20: 6
        default: UTF8.width(scalar)
        }
    }
}

extension AuditEvent {
    /// This refusal record with every peer-supplied string (`topic`, `kind`, `filter`, `detail`,
    /// and `node`, which a `connect` refusal takes from the peer certificate's CN) cut to
    /// ``RefusalBounds/maximumRecordedBytes``.
    func boundedForRefusal() -> AuditEvent {
        var event = self
        event.node = event.node.map { RefusalBounds.bounded($0) }
        event.topic = event.topic.map { RefusalBounds.bounded($0) }
        event.noticeKind = event.noticeKind.map { RefusalBounds.bounded($0) }
        event.filter = event.filter.map { RefusalBounds.bounded($0) }
        event.detail = event.detail.map { RefusalBounds.bounded($0) }
        return event
    }
}
