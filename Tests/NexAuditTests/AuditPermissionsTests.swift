import Foundation
import Testing
@testable import NexAudit

/// An existing audit directory made with a loose mode is restricted to its owner when the log is
/// opened, and the log says what it changed (``AuditRecovery/tightenedPermissions``).
@Suite struct AuditPermissionsTests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    private func setMode(_ mode: Int, _ path: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func looseDirectoryAndFilesAreTightenedAndReported() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/audit"
        var first = AuditEvent(.start, timeMillis: 1)
        first.detail = "first run"
        let log = try AuditLog(configuration: .init(directory: directory), nowMillis: 0)
        log.append([first])
        log.close()
        let segment = directory + "/" + (try #require(try AuditSegments.list(in: directory).first))
        for sub in ["certificates", "index"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: false)
            try setMode(0o755, directory + "/" + sub)
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/checkpoint.json"))
        try setMode(0o644, directory + "/checkpoint.json")
        try setMode(0o755, directory)
        try setMode(0o640, segment)
        // Not the log's: left as it is.
        try Data().write(to: URL(fileURLWithPath: directory + "/notes.txt"))
        try setMode(0o644, directory + "/notes.txt")

        let reopened = try AuditLog(configuration: .init(directory: directory), nowMillis: 0)
        defer { reopened.close() }
        let changes = reopened.recovery.tightenedPermissions
        #expect(changes.map(\.path) == [directory, directory + "/certificates", directory + "/checkpoint.json",
                                         directory + "/index", segment])
        #expect(changes.first == AuditPermissionChange(path: directory, previousMode: 0o755, mode: 0o700))
        #expect(changes.last?.description == "\(segment) 0640 → 0600")
        #expect(try mode(directory) == 0o700)
        #expect(try mode(directory + "/certificates") == 0o700)
        #expect(try mode(directory + "/index") == 0o700)
        #expect(try mode(directory + "/checkpoint.json") == 0o600)
        #expect(try mode(segment) == 0o600)
        #expect(try mode(directory + "/notes.txt") == 0o644)
    }

    @Test func privateDirectoryIsLeftAloneAndNothingIsReported() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/audit"
        let log = try AuditLog(configuration: .init(directory: directory), nowMillis: 0)
        #expect(log.recovery.tightenedPermissions.isEmpty)
        log.append([AuditEvent(.start, timeMillis: 1)])
        log.close()
        let reopened = try AuditLog(configuration: .init(directory: directory), nowMillis: 0)
        #expect(reopened.recovery.tightenedPermissions.isEmpty)
        reopened.close()
        // An owner who chose fewer bits keeps them: only group and other bits are removed.
        try setMode(0o500, directory)
        defer { try? setMode(0o700, directory) }
        #expect(try AuditPermissions.tighten(directory: directory).isEmpty)
        #expect(try mode(directory) == 0o500)
    }
}
