import Foundation

/// Runs the built executables (they sit beside the test bundle in the build directory).
enum ProcessRunner {
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test binary may live inside `NoticeExchangePackageTests.xctest`.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("nexd").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }()

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `tool` (nexd or nex, or an absolute path such as `/usr/bin/python3`) with `arguments` in
    /// `directory`, waiting at most `timeout`.
    static func run(_ tool: String, _ arguments: [String], in directory: String, timeout: TimeInterval = 30) throws -> Result {
        let process = try start(tool, arguments, in: directory)
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.process.isRunning { process.process.terminate() }
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus, standardOutput: process.output(), standardError: process.errors())
    }

    /// A started process whose output is collected in files (no pipe can fill up and block it).
    final class Running {
        let process: Process
        let outputPath: String
        let errorPath: String

        init(process: Process, outputPath: String, errorPath: String) {
            self.process = process
            self.outputPath = outputPath
            self.errorPath = errorPath
        }

        func output() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        func errors() -> String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

        /// Sends SIGTERM and waits (bounded) for the exit status.
        func terminate(timeout: TimeInterval = 10) -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func start(_ tool: String, _ arguments: [String], in directory: String) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : buildDirectory + "/" + tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // `nex audit index`, `query --msg` and `trace` keep their index in the workspace, not in
        // the home directory of whoever runs the tests.
        var environment = ProcessInfo.processInfo.environment
        if environment["NEX_AUDIT_INDEX_DIR"] == nil { environment["NEX_AUDIT_INDEX_DIR"] = directory + "/.audit-index" }
        process.environment = environment
        let id = UUID().uuidString
        let name = URL(fileURLWithPath: tool).lastPathComponent
        // In the temporary directory, not the working one (which may be the repository: `nex simulate`).
        let scratch = FileManager.default.temporaryDirectory.path
        let outputPath = scratch + "/.\(name)-\(id).out"
        let errorPath = scratch + "/.\(name)-\(id).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, outputPath: outputPath, errorPath: errorPath)
    }
}
