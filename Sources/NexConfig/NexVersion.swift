/// The NoticeExchange release, printed by `--version` and recorded at start-up.
public enum NexVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
