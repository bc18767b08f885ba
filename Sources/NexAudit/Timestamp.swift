/// RFC 3339 UTC timestamps with millisecond precision, formatted and parsed without Foundation's
/// date formatters (they cost microseconds per record on the audit path).
public enum Timestamp {
    /// Appends `millis` formatted as by ``format(millis:)`` (quoted) to `out`, without building a
    /// String: every audit record carries one.
    static func appendQuoted(millis: Int64, to out: inout [UInt8]) {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civilDate(fromDays: days)
        guard (0...9999).contains(year) else {
            JSONText.appendString(format(millis: millis), to: &out)
            return
        }
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        out.append(UInt8(ascii: "\""))
        digits(year, 4); out.append(UInt8(ascii: "-")); digits(month, 2); out.append(UInt8(ascii: "-")); digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(msOfDay / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        digits(msOfDay / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(msOfDay / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        digits(msOfDay % 1000, 3)
        out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    /// Formats Unix milliseconds as `2026-11-28T23:58:59.123Z`.
    public static func format(millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civilDate(fromDays: days)
        let hours = msOfDay / 3_600_000
        let minutes = msOfDay / 60_000 % 60
        let seconds = msOfDay / 1000 % 60
        let ms = msOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(ms, 3))Z"
    }

    /// Parses the format written by ``format(millis:)`` (also without fraction); `nil` when malformed.
    public static func parse(_ text: String) -> Int64? {
        let chars = Array(text.utf8)
        guard chars.count >= 20, chars.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard index < chars.count, (48...57).contains(chars[index]) else { return nil }
                value = value * 10 + Int64(chars[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var millis: Int64 = 0
        if chars[19] == UInt8(ascii: ".") {
            guard chars.count == 24, let fraction = number(20..<23) else { return nil }
            millis = fraction
        } else if chars.count != 20 {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    }

    /// Parses exactly the form the audit writer makes, `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 ASCII bytes),
    /// with a real date: year 0001…9999, the month's days (leap years included), hours 00…23,
    /// minutes and seconds 00…59 (no leap second). `nil` for anything else.
    ///
    /// The audit verifiers use this one (docs/AUDIT.md §Canonical form); ``parse(_:)`` stays lenient
    /// for times a person types on the command line.
    public static func parseCanonical<Bytes: Collection<UInt8>>(_ text: Bytes) -> Int64? {
        guard text.count == 24 else { return nil }
        let chars = Array(text)
        for (index, separator) in zip([4, 7, 10, 13, 16, 19, 23], "--T::.Z".utf8) where chars[index] != separator {
            return nil
        }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard (48...57).contains(chars[index]) else { return nil }
                value = value * 10 + Int64(chars[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let millis = number(20..<23),
              year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
    private static func civilDate(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysFromCivil(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
