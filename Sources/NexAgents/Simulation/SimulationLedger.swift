/// What a simulation waits for before its border posts check travellers (issue 17): every record
/// that belongs to a simulated minute before the checks' — handed to a lane, answered by nexd,
/// for a request the General Secretariat's review too — must be delivered to every post that
/// should hold it. Then a traveller at a given simulated minute meets the same watchlist on every
/// run with one seed, however fast the machine or the network: the outcomes repeat exactly.
///
/// A value: the simulation feeds it nexd's answers (from any lane, under a lock) and each post's
/// deliveries, and asks ``isSettled(before:)``.
public struct SimulationLedger: Sendable, Equatable {
    /// A record the posts should hold: notices, lost or stolen documents, alerts — the topics of
    /// ``BorderPostAgent/subscriptions`` — with their follow-ups (cancellations …); not requests,
    /// diffusions (for NCBs), hits or answers.
    public struct Record: Sendable, Equatable {
        public let id: String
        /// Its kind and topic (for the report).
        public let kind: String
        public let topic: String
        public let minute: Double
        /// The envelope's restrictions (empty: everyone may receive it).
        public let allowedNodes: [String]
        public let allowedCountries: [String]
        /// When nexd accepted it (real Unix ms).
        public let acceptedAtMillis: Int64
        /// Since when it is waited for: its acceptance, or the latest return of a post it had missed.
        public var waitedForSinceMillis: Int64
    }

    /// A request waiting for the General Secretariat's review.
    public struct Review: Sendable, Equatable {
        public let minute: Double
        public let sinceMillis: Int64
    }

    /// The posts on duty (online, not revoked), by node id, with their country.
    public private(set) var posts: [String: String]
    /// Simulated minutes of the notices handed to lanes and not answered yet.
    public private(set) var unanswered: [Double] = []
    /// Requests accepted by nexd and not yet reviewed: request id → its minute, and since when (real ms).
    public private(set) var reviews: [String: Review] = [:]
    /// Requests whose review was answered before the request's own answer reached the ledger (two
    /// lanes, two threads): not waited for when that answer comes.
    private var reviewedEarly: Set<String> = []
    /// Every record so far, in the order nexd accepted them.
    public private(set) var records: [Record] = []
    /// Record id → the posts that should hold it and do not yet.
    public private(set) var waiting: [String: Set<String>] = [:]
    /// Records that did not reach a post within ``patienceMillis`` (the post stopped waiting for them).
    public private(set) var lateDeliveries: [String] = []
    /// The minute of answers that carry none (a lane's own notice before the day: the day's start).
    public var defaultMinute: Double
    /// How long a post is waited for before a record is taken as not for it.
    public var patienceMillis: Int64 = 15_000

    public init(posts: [String: String], startMinute: Double) {
        self.posts = posts
        defaultMinute = startMinute
    }

    /// A notice belonging to `minute` was handed to a lane.
    public mutating func handedIn(minute: Double) {
        unanswered.append(minute)
    }

    /// nexd answered `notice`: accepted as `messageID`, or refused.
    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) {
        var minute = notice.simulatedMinute ?? defaultMinute
        if let handed = notice.simulatedMinute, let index = unanswered.firstIndex(of: handed) { unanswered.remove(at: index) }
        // The General Secretariat's review of a request: its notice belongs to the request's minute.
        let parts = notice.tag.split(separator: " ").map(String.init)
        if parts.count >= 2, parts[0] == "notice" || parts[0] == "decision" {
            if let requested = reviews.removeValue(forKey: parts[1]) { minute = requested.minute } else { reviewedEarly.insert(parts[1]) }
        }
        guard refusal == nil else { return }
        if notice.topic.hasPrefix("request.") {
            if reviewedEarly.remove(messageID) == nil { reviews[messageID] = Review(minute: minute, sinceMillis: now) }
            return
        }
        guard Self.isForPosts(notice) else { return }
        let record = Record(id: messageID, kind: notice.kind, topic: notice.topic, minute: minute, allowedNodes: notice.allowedNodes, allowedCountries: notice.allowedCountries,
                            acceptedAtMillis: now, waitedForSinceMillis: now)
        records.append(record)
        let meant = Set(posts.filter { Self.reaches(record, post: $0.key, country: $0.value) }.keys)
        if !meant.isEmpty { waiting[messageID] = meant }
    }

    /// Whether every post receives `notice` (its restrictions permitting): notices, lost or stolen
    /// documents and alerts — the topics of ``BorderPostAgent/subscriptions`` (`reply.<country>`
    /// aside, which carries answers, not records); diffusions go to NCBs.
    public static func isForPosts(_ notice: OutgoingNotice) -> Bool {
        ["notice", "sltd", "alert"].contains(notice.topic.split(separator: ".").first.map(String.init) ?? "")
    }

    /// Whether nexd delivers `record` to `post` (its restrictions allow it).
    static func reaches(_ record: Record, post: String, country: String) -> Bool {
        (record.allowedNodes.isEmpty && record.allowedCountries.isEmpty)
            || record.allowedNodes.contains(post) || record.allowedCountries.contains(country)
    }

    /// Takes note of what `post` has received; `delivered` answers whether it holds a message id.
    public mutating func confirm(post: String, delivered: (String) -> Bool) {
        for (id, posts) in waiting where posts.contains(post) && delivered(id) {
            remove(post, from: id)
        }
    }

    /// Gives up on records that have waited longer than ``patienceMillis`` for a post, and on
    /// requests not reviewed within it (noted in ``lateDeliveries``).
    public mutating func expire(atMillis now: Int64) {
        for (request, review) in reviews where now - review.sinceMillis > patienceMillis {
            lateDeliveries.append("request \(request) was not reviewed")
            reviews[request] = nil
        }
        for record in records where waiting[record.id] != nil && now - record.waitedForSinceMillis > patienceMillis {
            for post in waiting[record.id]!.sorted() { lateDeliveries.append("\(record.kind) \(record.id) on \(record.topic) never reached \(post)") }
            waiting[record.id] = nil
        }
    }

    /// Notes something else the run gave up waiting for.
    public mutating func noteLate(_ what: String) {
        lateDeliveries.append(what)
    }

    private mutating func remove(_ post: String, from id: String) {
        waiting[id]?.remove(post)
        if waiting[id]?.isEmpty == true { waiting[id] = nil }
    }

    /// `post` goes off duty (offline, revoked): nothing is waited for it.
    public mutating func postLeft(_ post: String) {
        posts[post] = nil
        for id in Array(waiting.keys) { remove(post, from: id) }
    }

    /// `post` is back: it should hold every record for it that it has not received (its inboxes
    /// kept them); `delivered` answers whether it has a message id. Waited for from `now`.
    public mutating func postReturned(_ post: String, country: String, atMillis now: Int64, delivered: (String) -> Bool) {
        posts[post] = country
        for (index, record) in records.enumerated() where Self.reaches(record, post: post, country: country) && !delivered(record.id) {
            waiting[record.id, default: []].insert(post)
            // Patience counts from the return, not from the record's acceptance hours ago.
            records[index].waitedForSinceMillis = now
        }
    }

    /// Whether travellers before simulated `minute` may be checked: nothing of an earlier minute
    /// is unanswered, unreviewed or still on its way to a post.
    public func isSettled(before minute: Double) -> Bool {
        !unanswered.contains { $0 < minute } && !reviews.values.contains { $0.minute < minute }
            && !records.contains { $0.minute < minute && waiting[$0.id] != nil }
    }
}
