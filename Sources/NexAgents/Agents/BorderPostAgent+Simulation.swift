extension BorderPostAgent {
    /// Checks on the simulated clock (`nex simulate`, issue 17): travellers present at the
    /// schedule's minutes, and the post checks those before ``checksAllowedBefore`` only. The simulation
    /// raises it once every record published before that minute is on the post's watchlist, so a
    /// traveller meets the same watchlist on every run, however fast the machine.
    public struct SimulatedChecks: Sendable, Equatable {
        public var schedule: TravellerSchedule
        /// The next traveller's simulated minute.
        public var nextMinute: Double
        /// Travellers before this simulated minute may be checked now.
        public var checksAllowedBefore: Double
        /// The end of the day: no traveller presents at or after it.
        public var endMinute: Double

        public init(schedule: TravellerSchedule, startMinute: Double, endMinute: Double) {
            self.schedule = schedule
            nextMinute = schedule.first(atOrAfter: startMinute)
            checksAllowedBefore = startMinute
            self.endMinute = endMinute
        }

        /// Whether a traveller may be checked now.
        public var hasDueTraveller: Bool { nextMinute < min(checksAllowedBefore, endMinute) }
    }

}
extension BorderPostAgent {
    /// Checks the travellers of the simulated schedule due before ``SimulatedChecks/checksAllowedBefore``
    /// (at most 1,000 at a time).
    mutating func checkSimulatedTravellers(atMillis now: Int64) -> [AgentAction] {
        var actions: [AgentAction] = []
        var checked = 0
        while let simulated, simulated.hasDueTraveller, checked < 1_000 {
            actions += checkNextTraveller(atMillis: now)
            self.simulated?.nextMinute = simulated.schedule.minute(after: simulated.nextMinute)
            checked += 1
        }
        return actions
    }

}
