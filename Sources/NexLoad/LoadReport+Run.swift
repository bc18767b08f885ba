import Foundation

extension LoadReport {
    /// The measured phase's rates over a quarter of a second (issue 18 §3, `nex load --plot`).
    public struct TimelineSample: Codable, Sendable, Equatable {
        /// Seconds since the measured phase began (the end of the quarter).
        public var seconds: Double
        public var noticesPerSecond: Double
        public var deliveriesPerSecond: Double
    }

    /// When, where and how a run was made (issue 18 §3): enough to compare two reports, or to run
    /// one again.
    public struct RunInfo: Codable, Sendable, Equatable {
        /// The start of the run, ISO 8601 UTC.
        public var startedAt: String
        /// The version of the tool (and of the nexd it spawns, built with it).
        public var version: String
        public var host: Host
        /// The command line after `nex` (`load --spawn --publishers 2 …`).
        public var arguments: [String]
        /// Whether the run started a nexd of its own (`--spawn`), or the address of the nexd it used.
        public var nexd: String

        public struct Host: Codable, Sendable, Equatable {
            public var name: String
            public var cores: Int
            public var memoryGiB: Double
            /// The kernel (`uname -r`).
            public var kernel: String
            /// The one-minute load average at the start (a busy machine makes slow figures).
            public var loadAverage: Double?
        }

        public init(startedAt: Date, version: String, arguments: [String], nexd: String) {
            self.startedAt = startedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
            self.version = version
            self.arguments = arguments
            self.nexd = nexd
            var system = utsname()
            uname(&system)
            let kernel = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) }
            host = Host(name: ProcessInfo.processInfo.hostName, cores: ProcessInfo.processInfo.activeProcessorCount,
                        memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                        kernel: kernel, loadAverage: load)
        }
    }
}
