/// A `--since` / `--until` value of `nex audit query`, `tail` and `stats`.
public enum AuditTimeBound {
    /// Unix milliseconds for `text`, or `nil` when it is none of the accepted forms:
    /// - RFC 3339 UTC, as the log writes it: `2026-11-28T23:00:00Z`, `2026-11-28T23:00:00.250Z`;
    /// - a bare date, meaning its UTC midnight: `2026-11-28`;
    /// - a time before `nowMillis`: a count and a unit, `d` days, `h` hours, `m` minutes, `s` seconds
    ///   (`7d`, `2h`, `30m`).
    public static func parse(_ text: String, nowMillis: Int64) -> Int64? {
        if let exact = Timestamp.parse(text) { return exact }
        if text.count == 10, let midnight = Timestamp.parse(text + "T00:00:00Z") { return midnight }
        guard let unit = text.last, let count = Int64(text.dropLast()), count >= 0, !text.dropLast().hasPrefix("+") else { return nil }
        let unitMillis: Int64
        switch unit {
        case "d": unitMillis = 86_400_000
        case "h": unitMillis = 3_600_000
        case "m": unitMillis = 60_000
        case "s": unitMillis = 1000
        default: return nil
        }
        let (span, overflow) = count.multipliedReportingOverflow(by: unitMillis)
        return overflow ? nil : nowMillis - span
    }
}
