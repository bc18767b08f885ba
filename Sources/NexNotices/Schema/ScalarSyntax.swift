/// Byte-level checks of the string formats notice fields use; no allocation, no Foundation.
enum ScalarSyntax {
    /// `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar, year 0001–9999.
    /// Readable text: at least one non-space character; no control characters but tab and line
    /// feed; no bidirectional controls (U+061C, U+200E/F, U+202A–202E, U+2066–2069), which could
    /// make a subscriber's screen show something other than what was signed.
    static func isText(_ text: UnsafeRawBufferPointer) -> Bool {
        var hasVisible = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte < 0x20 {
                guard byte == 0x09 || byte == 0x0A else { return false }
            } else if byte == 0x7F {
                return false
            } else if byte != 0x20 {
                hasVisible = true
            }
            if byte == 0xD8, index + 1 < text.count, text[index + 1] == 0x9C { return false }
            if byte == 0xC2, index + 1 < text.count, (0x80...0x9F).contains(text[index + 1]) { return false }
            if byte == 0xE2, index + 2 < text.count {
                let second = text[index + 1], third = text[index + 2]
                if second == 0x80, third == 0x8E || third == 0x8F || (0xAA...0xAE).contains(third) { return false }
                if second == 0x81, (0xA6...0xA9).contains(third) { return false }
            }
            index += 1
        }
        return hasVisible
    }

    static func isDate(_ text: UnsafeRawBufferPointer) -> Bool {
        text.count == 10 && isDate(text, at: 0)
    }

    /// RFC 3339 `YYYY-MM-DDThh:mm:ss[.fraction]Z`, UTC only, upper-case `T` and `Z`.
    ///
    /// Seconds run 00–59 (no leap second); the fraction has 1–9 digits.
    static func isDateTime(_ text: UnsafeRawBufferPointer) -> Bool {
        guard text.count >= 20, isDate(text, at: 0), text[10] == UInt8(ascii: "T"),
              let hour = number(text, at: 11, digits: 2), hour <= 23, text[13] == UInt8(ascii: ":"),
              let minute = number(text, at: 14, digits: 2), minute <= 59, text[16] == UInt8(ascii: ":"),
              let second = number(text, at: 17, digits: 2), second <= 59 else { return false }
        var position = 19
        if text[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < text.count, isDigit(text[position]) { position += 1 }
            guard (1...9).contains(position - fractionStart) else { return false }
        }
        return position == text.count - 1 && text[position] == UInt8(ascii: "Z")
    }

    /// The Unix time in milliseconds of a valid RFC 3339 date-time (``isDateTime(_:)``), or nil.
    /// Fractions beyond milliseconds are cut, not rounded.
    static func dateTimeMillis(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard isDateTime(text), let year = number(text, at: 0, digits: 4), let month = number(text, at: 5, digits: 2),
              let day = number(text, at: 8, digits: 2), let hour = number(text, at: 11, digits: 2),
              let minute = number(text, at: 14, digits: 2), let second = number(text, at: 17, digits: 2) else { return nil }
        var millis = 0
        if text[19] == UInt8(ascii: ".") {
            var position = 20
            for _ in 0..<3 {
                millis *= 10
                if isDigit(text[position]) {
                    millis += Int(text[position] - UInt8(ascii: "0"))
                    position += 1
                }
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400_000 + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + millis)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Two lowercase ASCII letters.
    static func isCountry(_ text: UnsafeRawBufferPointer) -> Bool {
        text.count == 2 && isLowercaseLetter(text[0]) && isLowercaseLetter(text[1])
    }

    /// Non-empty tokens of `[a-z0-9-]` joined by single dots, at most 64 bytes in all.
    static func isNodeID(_ text: UnsafeRawBufferPointer) -> Bool {
        guard !text.isEmpty, text.count <= NoticeLimits.maximumNodeIDBytes else { return false }
        var tokenLength = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard tokenLength > 0 else { return false }
                tokenLength = 0
            } else if isLowercaseLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") {
                tokenLength += 1
            } else {
                return false
            }
        }
        return tokenLength > 0
    }

    /// Lowercase UUID text: 8-4-4-4-12 hexadecimal digits `0-9a-f`.
    /// The length of the padded base64 text of `bytes` bytes.
    static func base64Length(of bytes: Int) -> Int { (bytes + 2) / 3 * 4 }

    /// Whether `text` is canonical padded base64 (RFC 4648 §4) of exactly `decodedLength` bytes: the
    /// right length, the alphabet, the padding the length needs, and zero bits after the last byte.
    static func isBase64(_ text: UnsafeRawBufferPointer, decodedLength: Int) -> Bool {
        guard text.count == base64Length(of: decodedLength) else { return false }
        let padding = (3 - decodedLength % 3) % 3
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): 62
            case UInt8(ascii: "/"): 63
            default: nil
            }
        }
        let dataEnd = text.count - padding
        for position in 0..<text.count {
            if position >= dataEnd {
                guard text[position] == UInt8(ascii: "=") else { return false }
            } else if value(text[position]) == nil {
                return false
            }
        }
        // Canonical: the bits after the last byte are zero (2 bits with one "=", 4 with two).
        guard padding > 0, let last = value(text[dataEnd - 1]) else { return true }
        return last & (padding == 1 ? 0b11 : 0b1111) == 0
    }

    static func isMessageID(_ text: UnsafeRawBufferPointer) -> Bool {
        guard text.count == 36 else { return false }
        for (offset, byte) in text.enumerated() {
            switch offset {
            case 8, 13, 18, 23: if byte != UInt8(ascii: "-") { return false }
            default: if !(isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)) { return false }
            }
        }
        return true
    }

    private static func isDate(_ text: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard let year = number(text, at: start, digits: 4), year >= 1, text[start + 4] == UInt8(ascii: "-"),
              let month = number(text, at: start + 5, digits: 2), (1...12).contains(month),
              text[start + 7] == UInt8(ascii: "-"),
              let day = number(text, at: start + 8, digits: 2) else { return false }
        return day >= 1 && day <= daysIn(month: month, year: year)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func number(_ text: UnsafeRawBufferPointer, at start: Int, digits: Int) -> Int? {
        var value = 0
        for position in start..<start + digits {
            let byte = text[position]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
    }
}
