import NexNotices

/// The shape of a reconnect storm (benchmark S8): `posts` durable border posts attach their
/// inboxes and go offline, one publisher publishes `notices` notices, then every post reconnects
/// at once and drains its inbox.
///
/// Topics: notice `s` goes to `notice.<kind>.<cc>` with `cc = countries[s % countries.count]`;
/// post `i` is a border post (role `bcp`) of country `countries[i % countries.count]` whose one
/// durable subscription is `notice.*.<cc>`. Each inbox thus holds about `notices / countries`
/// notices, and the storm delivers about `posts × notices / countries` in all.
public struct ReconnectStormConfiguration: Sendable {
    /// Durable border posts.
    public var posts = 1000
    /// Notices published while every post is offline.
    public var notices = 10_000
    /// Countries the notices and posts are spread over (at most ``countryCodes``'s count).
    public var countryCount = 10
    /// Notice kind (a colour notice).
    public var kind = NoticeKind.yellow
    /// Size of each notice document in bytes.
    public var payloadBytes = 1000
    /// Publishes awaiting their ACK at once.
    public var window = 64
    /// TLS handshakes (and hello/welcome) in progress at once while posts connect.
    public var connectConcurrency = 64
    /// Deliveries after which a post sends a cumulative receipt (and always once drained).
    public var receiptEvery = 64
    /// How long the drain may go without a new delivery before the run gives up, in seconds.
    public var drainTimeoutSeconds = 10.0
    /// Event lanes (serial queues the connections share).
    public var lanes = 2
    /// nexd's `limits.inboxMessagesPerNode` (its default): a post's inbox must fit in it, or nexd
    /// drops the oldest and the figure would measure the bound, not the drain.
    public var inboxMessagesPerNode = 10_000
    /// nexd's `limits.inboxBytesPerNode` (its default, 64 MiB).
    public var inboxBytesPerNode = 64 << 20
    /// The replay window nexd applies, in seconds (issued-at values are chosen to stay inside it).
    public var replayWindowSeconds = 120

    /// East African country codes, in the order posts and notices are spread over them.
    public static let countryCodes = ["ke", "ug", "tz", "rw", "bi", "ss", "et", "so", "cd", "zm",
                                      "mw", "mz", "dj", "er", "sd", "ao", "zw", "na", "bw", "ls"]

    /// A default storm: 1,000 posts, 10,000 yellow notices of 1000 bytes over 10 countries.
    public init() {}

    /// The countries in use.
    public var countries: [String] { Array(Self.countryCodes.prefix(countryCount)) }

    /// The topic of each country's notices, in country order.
    public var topics: [String] { countries.map { "notice.\(kind.rawValue).\($0)" } }

    /// Post `index`'s country.
    public func country(ofPost index: Int) -> String { countries[index % countries.count] }

    /// Post `index`'s durable filter: every notice kind of its country.
    public func filter(ofPost index: Int) -> String { "notice.*.\(country(ofPost: index))" }

    /// The country of notice `sequence`.
    public func countryIndex(ofNotice sequence: Int) -> Int { sequence % countries.count }

    /// The most notices one post's inbox holds (the first country's share).
    public var largestInbox: Int { (notices + countries.count - 1) / max(countries.count, 1) }

    /// What is wrong with this configuration, in a sentence that says what to change; nil if valid.
    public var problem: String? {
        if posts < 1 { return "--durable-posts must be at least 1" }
        if notices < 1 { return "--count must be at least 1" }
        if !(1...Self.countryCodes.count).contains(countryCount) {
            return "--post-countries must be between 1 and \(Self.countryCodes.count)"
        }
        if kind == .diffusion || kind == .hit || kind == .decision { return "--kind must be a colour notice (diffusion, hit and decision have their own topics)" }
        if payloadBytes > 60_000 { return "--payload-bytes must be at most 60000 (the protocol's payload limit)" }
        if window < 1 { return "--window must be at least 1" }
        if connectConcurrency < 1 { return "--reconnect-concurrency must be at least 1" }
        if largestInbox > inboxMessagesPerNode {
            return "each post's inbox would hold \(largestInbox) notices, more than nexd's limits.inboxMessagesPerNode "
                + "(\(inboxMessagesPerNode)): lower --count or raise --post-countries"
        }
        // Envelope bytes per notice: the document plus the signed envelope's fields (well under 512).
        if largestInbox * (payloadBytes + 512) > inboxBytesPerNode {
            return "each post's inbox would exceed nexd's limits.inboxBytesPerNode (\(inboxBytesPerNode) bytes): "
                + "lower --count or --payload-bytes"
        }
        return nil
    }
}
