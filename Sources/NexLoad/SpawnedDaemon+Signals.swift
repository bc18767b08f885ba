import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a spawned nexd ended.
public enum DaemonExit: Sendable, Equatable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)

    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signalled(let signal): "signal \(signal)"
        }
    }
}

extension SpawnedDaemon {
    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Kills nexd with SIGKILL (no chance to flush or say goodbye) and waits for it: the crash the
    /// crash test simulates.
    @discardableResult
    public func crash() -> DaemonExit {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return exit
    }

    /// Sends SIGTERM and waits up to `timeout` seconds; `nil` when nexd is still running then
    /// (it is killed, and the caller reports the hang).
    public func terminate(timeout: Double = 15) -> DaemonExit? {
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return exit
    }

    private var exit: DaemonExit {
        process.terminationReason == .uncaughtSignal ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
    }
}
