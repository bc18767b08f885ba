/// A training day (issue 17, docs/SIMULATION.md): which part of the region takes part, how many
/// travellers cross, and the planted cases a trainer expects the exchange to catch. Read from
/// YAML by `nex simulate`; times are simulated `HH:MM` of one day.
public struct Scenario: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// The simulated day: `start` … `end` (`HH:MM`).
    public var day: Day
    /// The countries whose NCBs and border posts take part: roster countries in roster order,
    /// the first `countries` of them (those named by the cases always included).
    public var countries: Int
    /// Border posts per country at most (its crossings in roster order).
    public var postsPerCountry: Int
    /// Travellers per simulated hour at each post.
    public var travellersPerHour: Double
    /// Optional: 24 multipliers of ``travellersPerHour``, one per hour of the day (00–23): the
    /// night's quiet, the morning's and evening's queues. Absent: the same rate all day.
    public var hourlyProfile: [Double]?
    /// The share of ordinary travellers who are someone or something on the post's watchlist (0…1).
    public var watchlistedShare: Double
    /// UN special notices the General Secretariat publishes at the start of the day.
    public var unListed: Int
    /// Simulated minutes between an NCB's own publications (requests, document records, diffusions); 0: none.
    public var ncbPublishEveryMinutes: Double
    public var cases: [PlantedCase]
    /// Events that act on the exchange during the day (none: an undisturbed day).
    public var injects: [Inject]?

    public struct Day: Sendable, Equatable, Codable {
        public var start: String
        public var end: String
    }

    /// A planted case: a record published at `published`, and at `at` its subject (or its document)
    /// crossing at `post` in `disguise`. Intelligence cases (`cbrne-alert`, `purple`) have no
    /// traveller: they are caught when every post of the day holds the alert or notice by `at`.
    public struct PlantedCase: Sendable, Equatable, Codable {
        public var name: String
        /// The kind of record: `red`, `un-special`, `sltd`; or `cbrne-alert` (an orange alert of the
        /// General Secretariat) or `purple` (a Purple Notice on a modus operandi, e.g. counterfeit medicines).
        public var record: String
        /// The record's country (the data owner: the notice's topic country, the document's issuer).
        public var country: String
        public var published: String
        public var at: String
        public var post: String?
        public var disguise: Traveller.Disguise?

        /// An alert or a notice without a person: no one crosses.
        public var isIntelligence: Bool { Scenario.intelligenceRecords.contains(record) }
        /// The templates the record carries (`face`, `fingerprint`); none: names and documents only.
        public var biometrics: [BiometricModel.Modality]?
    }

    /// Something that happens to the exchange during the day.
    public struct Inject: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Equatable, Codable {
            /// `post` goes offline at `at` for `minutes` (its agent stopped; its inboxes keep what comes).
            case offline
            /// The record of case `case` is cancelled at `at` (by the General Secretariat, or by its NCB for
            /// a document record), reason arrest.
            case cancel
            /// nexd is stopped and started again at `at` (needs --spawn).
            case restart
            /// `post`'s certificate is revoked at `at` and nexd reloads (needs --spawn).
            case revoke
        }

        public var kind: Kind
        public var at: String
        public var post: String?
        public var minutes: Double?
        /// For `cancel`: the case whose record ends.
        public var `case`: String?
    }

    /// Travellers per simulated hour at each post during simulated minute `minute`.
    public func travellersPerHour(atMinute minute: Double) -> Double {
        travellerSchedule.travellersPerHour(atMinute: minute)
    }

    /// When travellers present at each post.
    public var travellerSchedule: TravellerSchedule {
        TravellerSchedule(travellersPerHour: travellersPerHour, hourlyProfile: hourlyProfile)
    }

    /// Cases whose subject or document crosses a post.
    public static let travellerRecords: Set<String> = ["red", "un-special", "sltd"]
    /// Cases that only have to reach every post.
    public static let intelligenceRecords: Set<String> = ["cbrne-alert", "purple"]

    /// Minutes since midnight of `HH:MM`, or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes),
              hours * 60 + minutes <= 24 * 60 else { return nil }
        return hours * 60 + minutes
    }

    /// What is wrong with the scenario, or nil.
    public func problem(knownNodes: Set<String>) -> String? {
        guard let start = Self.minutes(day.start), let end = Self.minutes(day.end), start < end else {
            return "day: start and end are HH:MM with start before end, for example start: \"06:00\", end: \"22:00\""
        }
        guard countries >= 1, postsPerCountry >= 0, travellersPerHour >= 0, (0...1).contains(watchlistedShare), unListed >= 0,
              ncbPublishEveryMinutes >= 0 else {
            return "countries ≥ 1, postsPerCountry ≥ 0, travellersPerHour ≥ 0, watchlistedShare 0…1, unListed ≥ 0, ncbPublishEveryMinutes ≥ 0"
        }
        if let profile = hourlyProfile, profile.count != 24 || profile.contains(where: { !($0 >= 0) }) {
            return "hourlyProfile is 24 multipliers of travellersPerHour (0 or more), one per hour 00–23"
        }
        for item in cases {
            guard Self.travellerRecords.contains(item.record) || Self.intelligenceRecords.contains(item.record) else {
                return "case \(item.name): record is red, un-special, sltd, cbrne-alert or purple"
            }
            guard let published = Self.minutes(item.published), let at = Self.minutes(item.at), published <= at, (start...end).contains(at),
                  (start...end).contains(published) else {
                return "case \(item.name): published and at are HH:MM within the day, published not after at"
            }
            if !item.isIntelligence {
                guard let post = item.post, knownNodes.contains(post), post.hasPrefix("bcp.") else {
                    return "case \(item.name): post \(item.post ?? "(none)") is not a border post on the roster"
                }
                guard item.disguise != nil else { return "case \(item.name): disguise is true-name, transliterated, alias or stolen-document" }
            }
            guard item.country.count == 2 else { return "case \(item.name): country is a two-letter code" }
        }
        for inject in injects ?? [] {
            guard let at = Self.minutes(inject.at), (start...end).contains(at) else { return "inject \(inject.kind.rawValue): at is HH:MM within the day" }
            switch inject.kind {
            case .offline, .revoke:
                guard let post = inject.post, knownNodes.contains(post), post.hasPrefix("bcp.") else {
                    return "inject \(inject.kind.rawValue) at \(inject.at): post must be a border post on the roster"
                }
                if inject.kind == .offline, !((inject.minutes ?? 0) > 0) { return "inject offline at \(inject.at): minutes must be more than 0" }
            case .cancel:
                guard let name = inject.case, cases.contains(where: { $0.name == name }) else {
                    return "inject cancel at \(inject.at): case must name a planted case"
                }
            case .restart:
                break
            }
        }
        return nil
    }
}

/// The simulated clock (issue 17): simulated time runs `speed` times faster than real time from
/// the moment the run starts; wire timestamps stay real.
public struct SimulatedClock: Sendable, Equatable {
    public let realStartMillis: Int64
    /// Simulated minutes since midnight at the start.
    public let startMinute: Int
    public let speed: Double

    public init(realStartMillis: Int64, startMinute: Int, speed: Double) {
        self.realStartMillis = realStartMillis
        self.startMinute = startMinute
        self.speed = speed
    }

    /// Simulated minutes since midnight at real time `millis`.
    public func minute(atRealMillis millis: Int64) -> Double {
        Double(startMinute) + Double(millis - realStartMillis) * speed / 60_000
    }

    /// The real time at which the simulated clock shows `minute`.
    public func realMillis(atMinute minute: Double) -> Int64 {
        realStartMillis + Int64(((minute - Double(startMinute)) * 60_000 / speed).rounded())
    }

    /// `HH:MM` of a simulated minute.
    public static func text(_ minute: Double) -> String {
        let whole = max(0, Int(minute))
        let (hours, minutes) = (whole / 60, whole % 60)
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }
}
