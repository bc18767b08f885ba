import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a process's resident memory and CPU time from `/proc` (Linux).
public enum ProcessStats {
    /// VmRSS of `pid` in bytes, from `/proc/PID/status`; nil if unreadable.
    public static func residentBytes(pid: Int32) -> Int? {
        statusBytes(pid: pid, field: "VmRSS:")
    }

    /// VmHWM of `pid` in bytes (the peak resident set since it started); nil if unreadable.
    public static func peakResidentBytes(pid: Int32) -> Int? {
        statusBytes(pid: pid, field: "VmHWM:")
    }

    /// A `kB` field of `/proc/PID/status`, in bytes.
    private static func statusBytes(pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// User + system CPU seconds of `pid` (all its threads), from `/proc/PID/stat`; nil if unreadable.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// This process's CPU seconds.
    public static func ownCPUSeconds() -> Double {
        cpuSeconds(pid: getpid()) ?? 0
    }

    /// Raises this process's open-file soft limit to its hard limit; returns the new soft limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(resource, &limit)
            _ = getrlimit(resource, &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
