import Testing
@testable import NexAgents

/// When travellers present on the simulated clock (issue 17, D69).
@Suite struct TravellerScheduleTests {
    static func count(_ schedule: TravellerSchedule, from start: Double, to end: Double) -> Int {
        var minute = schedule.first(atOrAfter: start)
        var count = 0
        while minute < end {
            count += 1
            minute = schedule.minute(after: minute)
        }
        return count
    }

    @Test func anHourWithoutTravellersHasNone() {
        var profile = [Double](repeating: 1, count: 24)
        profile[7] = 0
        profile[8] = 0
        let schedule = TravellerSchedule(travellersPerHour: 30, hourlyProfile: profile)
        #expect(schedule.first(atOrAfter: 360) == 360)
        #expect(schedule.minute(after: 360) == 362)
        #expect(schedule.minute(after: 418) == 9 * 60, "07:00–09:00 are skipped")
        #expect(Self.count(schedule, from: 360, to: 10 * 60) == 30 + 30)
        #expect(Self.count(TravellerSchedule(travellersPerHour: 0), from: 0, to: 24 * 60) == 0)
        #expect(TravellerSchedule(travellersPerHour: 0).first(atOrAfter: 0) == .infinity)
    }

    @Test func aDayHasExactlyItsTravellersWithoutDrift() {
        // 3,000 an hour: 60/3000 is not exact in binary; an interval added 1,500 times ends short of
        // the half hour and gives a traveller too many.
        for (rate, minutes, expected) in [(3_000.0, 30.0, 1_500), (7_500, 30, 3_750), (150, 240, 600), (37, 60, 37)] {
            #expect(Self.count(TravellerSchedule(travellersPerHour: rate), from: 360, to: 360 + minutes) == expected, "\(rate)/h")
        }
    }

    @Test func theProfileScalesEachHour() {
        var profile = [Double](repeating: 1, count: 24)
        profile[6] = 2
        let schedule = TravellerSchedule(travellersPerHour: 30, hourlyProfile: profile)
        #expect(Self.count(schedule, from: 360, to: 480) == 60 + 30)
        #expect(schedule.first(atOrAfter: 361) == 361 + 0, "one every minute in the doubled hour")
    }
}
