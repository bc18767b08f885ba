import Testing
@testable import NexAgents

/// The training day's scenario format and clock (issue 17, docs/SIMULATION.md).
@Suite struct ScenarioTests {
    static func scenario(profile: [Double]? = nil) -> Scenario {
        Scenario(name: "t", description: "t", day: .init(start: "06:00", end: "20:00"), countries: 2, postsPerCountry: 1, travellersPerHour: 30,
                 hourlyProfile: profile, watchlistedShare: 0, unListed: 0, ncbPublishEveryMinutes: 0,
                 cases: [.init(name: "c", record: "red", country: "ug", published: "07:00", at: "08:00", post: "bcp.ke.malaba", disguise: .alias)],
                 injects: [.init(kind: .offline, at: "09:00", post: "bcp.ke.malaba", minutes: 60)])
    }

    @Test func theHourlyProfileScalesTheRate() {
        var profile = [Double](repeating: 1, count: 24)
        profile[8] = 2
        let scenario = Self.scenario(profile: profile)
        #expect(scenario.travellersPerHour(atMinute: 8 * 60 + 30) == 60)
        #expect(scenario.travellersPerHour(atMinute: 9 * 60) == 30)
        #expect(Self.scenario().travellersPerHour(atMinute: 8 * 60) == 30)
    }

    @Test func problemsAreNamed() {
        let nodes: Set<String> = ["bcp.ke.malaba"]
        #expect(Self.scenario().problem(knownNodes: nodes) == nil)
        #expect(Self.scenario(profile: [1, 2]).problem(knownNodes: nodes)?.contains("hourlyProfile") == true)
        var late = Self.scenario()
        late.cases[0].at = "21:00"
        #expect(late.problem(knownNodes: nodes)?.contains("within the day") == true)
        #expect(Self.scenario().problem(knownNodes: [])?.contains("not a border post") == true)
        var offline = Self.scenario()
        offline.injects = [.init(kind: .offline, at: "09:00", post: "bcp.ke.malaba", minutes: 0)]
        #expect(offline.problem(knownNodes: nodes)?.contains("minutes") == true)
    }

    @Test func theClockRunsSpeedTimesFaster() {
        let clock = SimulatedClock(realStartMillis: 1_000_000, startMinute: 360, speed: 60)
        #expect(clock.minute(atRealMillis: 1_000_000) == 360)
        #expect(clock.minute(atRealMillis: 1_060_000) == 420)
        #expect(clock.realMillis(atMinute: 420) == 1_060_000)
        #expect(SimulatedClock.text(425.5) == "07:05")
        #expect(Scenario.minutes("24:00") == 1440 && Scenario.minutes("07:05") == 425)
        #expect(Scenario.minutes("24:01") == nil && Scenario.minutes("x") == nil && Scenario.minutes("06:60") == nil)
    }
}
