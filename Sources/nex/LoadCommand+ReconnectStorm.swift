import ArgumentParser
import NexLoad
import NexNotices

/// `nex load --durable-posts N`: the reconnect storm's flags (benchmark S8).
extension LoadCommand {
    /// The storm's configuration from the flags.
    func stormConfiguration() -> ReconnectStormConfiguration {
        var configuration = ReconnectStormConfiguration()
        configuration.posts = durablePosts ?? 0
        configuration.notices = count ?? configuration.notices
        configuration.countryCount = postCountries
        configuration.kind = kind.flatMap { NoticeKind(rawValue: $0) } ?? .yellow
        configuration.payloadBytes = payloadBytes
        configuration.window = window
        configuration.connectConcurrency = reconnectConcurrency
        configuration.lanes = lanes
        return configuration
    }

    /// Each durable post's country, in post order (empty without `--durable-posts`).
    var durablePostCountries: [String] {
        guard let durablePosts, durablePosts > 0, (1...ReconnectStormConfiguration.countryCodes.count).contains(postCountries) else { return [] }
        let storm = stormConfiguration()
        return (0..<durablePosts).map { storm.country(ofPost: $0) }
    }

    /// The storm's rules: one publisher, none of the live run's extras.
    func validateReconnectStorm() throws {
        if let problem = stormConfiguration().problem { throw ValidationError(problem) }
        if publishers != 1 { throw ValidationError("--durable-posts runs with one publisher; drop --publishers") }
        if stalledSubscribers > 0 || idle > 0 || rate != nil || duration != nil || verify || diskProbe != nil || diskProbeBytes != nil || fsyncProbe {
            throw ValidationError("--durable-posts runs the reconnect storm alone: drop --stalled-subscribers, --idle, --rate, "
                + "--duration, --verify and the probes")
        }
        if (slowConsumerPolicy != nil || outboundBufferBytes != nil), !spawn, writeConfig == nil {
            throw ValidationError("--slow-consumer-policy and --outbound-buffer-bytes apply to the nexd config that --spawn or --write-config writes")
        }
    }
}
