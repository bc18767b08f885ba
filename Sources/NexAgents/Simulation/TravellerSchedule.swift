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

    /// The minute the next traveller presents after one at `minute`: one interval at the hour's
    /// rate later, or the start of the next hour when the hour has no travellers.
    public func minute(after minute: Double) -> Double {
        let rate = travellersPerHour(atMinute: minute)
        guard rate > 0 else { return (minute / 60).rounded(.down) * 60 + 60 }
        return minute + 60 / rate
    }
}
