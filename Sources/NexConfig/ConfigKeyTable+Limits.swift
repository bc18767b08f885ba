extension ConfigKeyTable {
    /// `limits`: protocol and resource limits. Most are read at each use and apply live; those built
    /// into a connection apply to new connections; those built into shared state at start-up wait
    /// for a restart.
    public enum Limits {
        static let maxFrameBytes = ConfigKey("limits.maxFrameBytes", \.limits.maxFrameBytes, .integer(1024...(16 << 20)),
                                             default: 65_536, .newConnections, "Largest frame accepted (the frame decoder and welcome of a connection).")
        static let maxSubscriptionsPerConnection = ConfigKey("limits.maxSubscriptionsPerConnection", \.limits.maxSubscriptionsPerConnection, .integer(1...65_535),
                                                             default: 256, .live, "Subscriptions one connection may hold.")
        static let replayWindowSeconds = ConfigKey("limits.replayWindowSeconds", \.limits.replayWindow, .duration(.seconds, 1...86_400),
                                                   default: .seconds(120), .restartOnly, "How far a notice's issued-at may be from nexd's clock.")
        static let replayCacheEntries = ConfigKey("limits.replayCacheEntries", \.limits.replayCacheEntries, .integer(1000...100_000_000),
                                                  default: 1_000_000, .restartOnly, "Message ids remembered against replays.")
        static let replayCacheEntriesPerNode = ConfigKey("limits.replayCacheEntriesPerNode", \.limits.replayCacheEntriesPerNode, .integerOrZeroForUnset(0...100_000_000),
                                                         default: nil, .restartOnly, "One node's share of the replay cache; 0 = the cache ÷ roster nodes.")
        static let outboundBufferBytes = ConfigKey("limits.outboundBufferBytes", \.limits.outboundBufferBytes, .integer(65_536...(1 << 32)),
                                                   default: 8 << 20, .live, "Pending output per connection before a subscriber counts as too slow.")
        static let maxConnections = ConfigKey("limits.maxConnections", \.limits.maxConnections, .integer(1...1_000_000),
                                              default: 4096, .live, "Open connections; more are refused at accept.")
        static let verificationThreads = ConfigKey("limits.verificationThreads", \.limits.verificationThreads, .integer(0...256),
                                                   default: 0, .restartOnly, "Signature verification threads; 0 = one per core.")
        static let refusalsRecordedPerSource = ConfigKey("limits.refusalsRecordedPerSource", \.limits.refusalsRecordedPerSource, .integer(1...1_000_000),
                                                         default: 20, .restartOnly, "Refusals recorded one by one per source and interval before they are summarised.")
        static let refusalIntervalSeconds = ConfigKey("limits.refusalIntervalSeconds", \.limits.refusalInterval, .duration(.seconds, 1...3600),
                                                      default: .seconds(10), .restartOnly, "The interval of refusal summaries.")
        static let publishRatePerNode = ConfigKey("limits.publishRatePerNode", \.limits.publishRatePerNode, .integer(0...10_000_000),
                                                  default: 20_000, .restartOnly, "Publishes per second one node may make; 0 = no limit.")
        static let publishBurstPerNode = ConfigKey("limits.publishBurstPerNode", \.limits.publishBurstPerNode, .integer(1...100_000_000),
                                                   default: 40_000, .restartOnly, "The publish burst one node may save up.")
        static let failedVerificationsPerSecondPerNode = ConfigKey("limits.failedVerificationsPerSecondPerNode", \.limits.failedVerificationsPerSecondPerNode, .integer(0...1_000_000),
                                                                   default: 5, .restartOnly, "Signature checks that may fail per second for one node; 0 = no limit.")
        static let failedVerificationsBurstPerNode = ConfigKey("limits.failedVerificationsBurstPerNode", \.limits.failedVerificationsBurstPerNode, .integer(1...1_000_000),
                                                               default: 50, .restartOnly, "The failed-check burst one node may save up.")
        static let duplicatesPerSecondPerNode = ConfigKey("limits.duplicatesPerSecondPerNode", \.limits.duplicatesPerSecondPerNode, .integer(0...1_000_000),
                                                          default: 10, .restartOnly, "Byte-identical re-sends one node may have answered a second; 0 = no limit.")
        static let duplicatesBurstPerNode = ConfigKey("limits.duplicatesBurstPerNode", \.limits.duplicatesBurstPerNode, .integer(1...10_000_000),
                                                      default: 2048, .restartOnly, "The re-send burst one node may save up.")
        static let connectsPerSecondPerNode = ConfigKey("limits.connectsPerSecondPerNode", \.limits.connectsPerSecondPerNode, .integer(0...1_000_000),
                                                        default: 2, .restartOnly, "Connections one node may have accepted a second; 0 = no limit.")
        static let connectsBurstPerNode = ConfigKey("limits.connectsBurstPerNode", \.limits.connectsBurstPerNode, .integer(1...1_000_000),
                                                    default: 32, .restartOnly, "The connect burst one node may save up.")
        static let maxConnectionsPerNode = ConfigKey("limits.maxConnectionsPerNode", \.limits.maxConnectionsPerNode, .integer(1...1_000_000),
                                                     default: 16, .live, "Open connections one node may hold; checked when its TLS handshake completes.")
        static let maxPendingHandshakes = ConfigKey("limits.maxPendingHandshakes", \.limits.maxPendingHandshakes, .integer(1...1_000_000),
                                                    default: 256, .live, "Connections still in their handshake; at the cap the oldest is evicted.")
        static let handshakeTimeoutSeconds = ConfigKey("limits.handshakeTimeoutSeconds", \.limits.handshakeTimeout, .duration(.seconds, 1...600),
                                                       default: .seconds(10), .newConnections, "Time to finish the TLS handshake and send hello.")
        static let maxInFlightPublishesPerConnection = ConfigKey("limits.maxInFlightPublishesPerConnection", \.limits.maxInFlightPublishesPerConnection, .integer(1...1_000_000),
                                                                 default: 1024, .live, "Unanswered publishes of one connection before nexd stops reading it.")
        static let inFlightPublishesWhileUrgent = ConfigKey("limits.inFlightPublishesWhileUrgent", \.limits.inFlightPublishesWhileUrgent, .integer(0...1_000_000),
                                                            default: 16, .live, "While urgent notices flow (one admitted in the last second), unanswered publishes of one connection before nexd stops reading it; 0 = off.")
        static let maxInFlightPublishBytesPerConnection = ConfigKey("limits.maxInFlightPublishBytesPerConnection", \.limits.maxInFlightPublishBytesPerConnection, .integer(65_536...(1 << 32)),
                                                                    default: 8 << 20, .live, "Bytes of unanswered publishes of one connection before nexd stops reading it.")
        static let controlFramesPerSecondPerConnection = ConfigKey("limits.controlFramesPerSecondPerConnection", \.limits.controlFramesPerSecondPerConnection, .integer(0...10_000_000),
                                                                   default: 1000, .newConnections, "Control frames one connection may send a second; 0 = no limit.")
        static let maxUnansweredControlFramesPerConnection = ConfigKey("limits.maxUnansweredControlFramesPerConnection", \.limits.maxUnansweredControlFramesPerConnection, .integer(1...1_000_000),
                                                                       default: 256, .newConnections, "Unanswered control frames of one connection before nexd stops reading it.")
        static let maxUnreceiptedDeliveries = ConfigKey("limits.maxUnreceiptedDeliveries", \.limits.maxUnreceiptedDeliveries, .integer(16...10_000_000),
                                                        default: 65_536, .live, "Deliveries without a receipt before a subscriber counts as too slow.")
        static let slowConsumerPolicy = ConfigKey("limits.slowConsumerPolicy", \.limits.slowConsumerPolicy, .choice,
                                                  default: DaemonConfiguration.SlowConsumerPolicy.disconnect, .live, "What happens to a subscriber that cannot keep up.")
        static let idleTimeoutSeconds = ConfigKey("limits.idleTimeoutSeconds", \.limits.idleTimeout, .duration(.seconds, 0...86_400),
                                                  default: .seconds(60), .newConnections, "Silence after which a node is pinged (half) and closed; 0 = off (fixed when its TLS handshake completes).")
        static let maxSubscriptionsPerNode = ConfigKey("limits.maxSubscriptionsPerNode", \.limits.maxSubscriptionsPerNode, .integer(1...1_000_000),
                                                       default: 1024, .live, "Subscriptions one node may hold over all its connections.")
        static let subscribesPerSecondPerNode = ConfigKey("limits.subscribesPerSecondPerNode", \.limits.subscribesPerSecondPerNode, .integer(0...1_000_000),
                                                          default: 10, .live, "Subscribes one node may have accepted a second; 0 = no limit.")
        static let inboxMessagesPerNode = ConfigKey("limits.inboxMessagesPerNode", \.limits.inboxMessagesPerNode, .integer(1...100_000_000),
                                                    default: 10_000, .restartOnly, "Notices kept for one node over all its durable inboxes; past it the oldest are dropped (recorded).")
        static let inboxBytesPerNode = ConfigKey("limits.inboxBytesPerNode", \.limits.inboxBytesPerNode, .integer(65_536...(1 << 40)),
                                                 default: 64 << 20, .restartOnly, "Envelope bytes kept for one node over all its durable inboxes; past it the oldest are dropped (recorded).")
        static let inboxBytesTotal = ConfigKey("limits.inboxBytesTotal", \.limits.inboxBytesTotal, .integer(1_048_576...(1 << 42)),
                                               default: 1 << 30, .restartOnly, "Envelope bytes kept over every durable inbox of every node; past it new notices are not kept for offline nodes (recorded).")
        static let inboxMaxAgeSeconds = ConfigKey("limits.inboxMaxAgeSeconds", \.limits.inboxMaxAge, .duration(.seconds, 60...31_536_000),
                                                  default: .seconds(604_800), .restartOnly, "How long a durable inbox keeps a notice its node has not receipted; then it is dropped (recorded).")
        static let inboxesPerNode = ConfigKey("limits.inboxesPerNode", \.limits.inboxesPerNode, .integer(1...1024),
                                              default: 8, .restartOnly, "Durable inboxes one node may have.")
        static let hitMaxAgeSeconds = ConfigKey("limits.hitMaxAgeSeconds", \.limits.hitMaxAge, .duration(.seconds, 60...31_536_000),
                                                default: .seconds(86_400), .live, "How old a hit's observed_at may be when nexd receives it (D55).")

        static let all = [
            maxFrameBytes.row, maxSubscriptionsPerConnection.row, replayWindowSeconds.row, replayCacheEntries.row,
            replayCacheEntriesPerNode.row, outboundBufferBytes.row, maxConnections.row, verificationThreads.row,
            refusalsRecordedPerSource.row, refusalIntervalSeconds.row, publishRatePerNode.row, publishBurstPerNode.row,
            failedVerificationsPerSecondPerNode.row, failedVerificationsBurstPerNode.row, duplicatesPerSecondPerNode.row,
            duplicatesBurstPerNode.row, connectsPerSecondPerNode.row, connectsBurstPerNode.row, maxConnectionsPerNode.row,
            maxPendingHandshakes.row, handshakeTimeoutSeconds.row, maxInFlightPublishesPerConnection.row,
            inFlightPublishesWhileUrgent.row, maxInFlightPublishBytesPerConnection.row,
            controlFramesPerSecondPerConnection.row, maxUnansweredControlFramesPerConnection.row, maxUnreceiptedDeliveries.row,
            slowConsumerPolicy.row, idleTimeoutSeconds.row, maxSubscriptionsPerNode.row, subscribesPerSecondPerNode.row,
            inboxMessagesPerNode.row, inboxBytesPerNode.row, inboxBytesTotal.row, inboxMaxAgeSeconds.row, inboxesPerNode.row,
            hitMaxAgeSeconds.row,
        ]
    }
}
