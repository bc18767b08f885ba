/// When travellers present at a post on the simulated clock (issue 17): `travellersPerHour`,
/// shaped by an optional hourly profile. The same start and schedule give the same traveller
/// minutes on every run and every machine, whatever the real time of the checks: what a
/// traveller meets at the post depends on the simulated minute, not on how fast the run went.
public struct TravellerSchedule: Sendable, Equatable, Codable {
    public var travellersPerHour: Double
    /// 24 multipliers of ``travellersPerHour``, one per hour 00–23 (nil: the same rate all day).
    public var hourlyProfile: [Double]?

    public init(travellersPerHour: Double, hourlyProfile: [Double]? = nil) {
        self.travellersPerHour = max(travellersPerHour, 0)
        self.hourlyProfile = hourlyProfile
    }

    /// Travellers per simulated hour during simulated minute `minute`.
    public func travellersPerHour(atMinute minute: Double) -> Double {
        guard let profile = hourlyProfile, profile.count == 24 else { return travellersPerHour }
        return travellersPerHour * profile[min(23, max(0, Int(minute / 60)))]
    }

    /// The minute of the first traveller at or after `minute`: traveller *k* of an hour presents at
    /// `hour start + k × 60 / rate` (worked out from the hour's start, so no error accumulates
    /// over a day); an hour without travellers has none. `.infinity` when none comes before midnight.
    public func first(atOrAfter minute: Double) -> Double {
        var hour = max(0, Int((minute / 60).rounded(.down)))
        var from = minute
        while hour < 24 {
            let start = Double(hour * 60)
            let rate = travellersPerHour(atMinute: start)
            if rate > 0 {
                let interval = 60 / rate
                // The smallest k with start + k × interval ≥ from (a hair of tolerance for rounding).
                let k = max(0, ((from - start) / interval - 1e-9).rounded(.up))
                let at = start + k * interval
                if at < start + 60 - 1e-9 { return at }
            }
            hour += 1
            from = Double(hour * 60)
        }
        return .infinity
    }

    /// The minute of the traveller after the one at `minute` (see ``first(atOrAfter:)``).
    public func minute(after minute: Double) -> Double {
        let rate = travellersPerHour(atMinute: minute)
        let interval = rate > 0 ? 60 / rate : 60
        // Half an interval on: past this traveller, not past the next.
        return first(atOrAfter: minute + interval / 2)
    }
}
