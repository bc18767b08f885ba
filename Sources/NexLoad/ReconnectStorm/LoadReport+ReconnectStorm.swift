extension LoadReport {
    /// A reconnect storm's figures (benchmark S8, `nex load --durable-posts N`). The run's
    /// ``LoadReport/expected``, ``LoadReport/delivered``, ``LoadReport/lost``,
    /// ``LoadReport/duplicated`` and ``LoadReport/deliveriesPerSecond`` are the drain's.
    public struct ReconnectStorm: Codable, Sendable, Equatable {
        /// Durable border posts.
        public var posts: Int
        /// Countries the notices and posts were spread over.
        public var countries: Int
        /// Handshakes in progress at once while the posts connected.
        public var connectConcurrency: Int
        /// Seconds the posts took to attach their inboxes and go offline (phase 1).
        public var attachSeconds: Double
        /// Seconds from the first publish to the last ACK, every post offline (phase 2).
        public var publishSeconds: Double
        /// Notices waiting, summed over the posts' inbox statuses on reconnecting (`suback`).
        public var waitingAtReconnect: Int
        /// Notices nexd reported dropped by its bounds, summed over those statuses.
        public var expiredAtReconnect: Int
        /// Seconds from the first reconnect until every post had attached its inbox again.
        public var reattachSeconds: Double
        /// Seconds from the first reconnect to the last inbox drained (the figure).
        public var drainSeconds: Double
        /// Posts that received every notice they were owed.
        public var postsDrained: Int
        /// nexd's VmRSS just before the reconnect, in MB (10^6 bytes).
        public var nexdRSSBeforeMB: Double?
        /// The largest nexd VmRSS sampled (every 20 ms) during the drain, in MB.
        public var nexdRSSPeakMB: Double?
        /// nexd's VmHWM at the end of the drain (its peak since it started), in MB.
        public var nexdHWMMB: Double?
        /// nexd's VmRSS two seconds after the drain, posts still connected, in MB.
        public var nexdRSSAfterMB: Double?

        /// A storm's figures from their values.
        public init(posts: Int, countries: Int, connectConcurrency: Int, attachSeconds: Double, publishSeconds: Double,
                    waitingAtReconnect: Int, expiredAtReconnect: Int, reattachSeconds: Double, drainSeconds: Double,
                    postsDrained: Int, nexdRSSBeforeMB: Double?, nexdRSSPeakMB: Double?, nexdHWMMB: Double?,
                    nexdRSSAfterMB: Double?) {
            self.posts = posts
            self.countries = countries
            self.connectConcurrency = connectConcurrency
            self.attachSeconds = attachSeconds
            self.publishSeconds = publishSeconds
            self.waitingAtReconnect = waitingAtReconnect
            self.expiredAtReconnect = expiredAtReconnect
            self.reattachSeconds = reattachSeconds
            self.drainSeconds = drainSeconds
            self.postsDrained = postsDrained
            self.nexdRSSBeforeMB = nexdRSSBeforeMB
            self.nexdRSSPeakMB = nexdRSSPeakMB
            self.nexdHWMMB = nexdHWMMB
            self.nexdRSSAfterMB = nexdRSSAfterMB
        }

        /// The lines of the human-readable table.
        var tableLines: [String] {
            func megabytes(_ value: Double?) -> String { value.map { String(format: "%.1f MB", $0) } ?? "n/a" }
            return [
                "reconnect storm: \(posts) durable border posts over \(countries) countries, \(connectConcurrency) handshakes at a time",
                String(format: "  attach, go offline    %.2f s", attachSeconds),
                String(format: "  publish (offline)     %.2f s", publishSeconds),
                "  waiting at reconnect  \(waitingAtReconnect) (expired \(expiredAtReconnect))",
                String(format: "  re-attached           %.2f s after the first reconnect", reattachSeconds),
                String(format: "  drained               %d of %d posts in %.2f s", postsDrained, posts, drainSeconds),
                "  nexd RSS              before \(megabytes(nexdRSSBeforeMB)), peak \(megabytes(nexdRSSPeakMB)) "
                    + "(HWM \(megabytes(nexdHWMMB))), after \(megabytes(nexdRSSAfterMB))",
            ]
        }
    }
}
