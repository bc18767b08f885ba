import Foundation
import Testing
@testable import NexLoad

@Suite("Sustained disk probe")
struct SustainedDiskProbeTests {
    @Test("samples are paced one interval apart; a late one is followed at once, never by a burst")
    func pacing() {
        let probe = SustainedDiskProbe(seconds: 1, rate: 1000)
        #expect(probe.nextDue(after: 5_000_000, finishedAt: 5_300_000) == 6_000_000)
        // A 150 ms sync: the next sample starts when it ends, not 150 samples at once.
        #expect(probe.nextDue(after: 5_000_000, finishedAt: 155_000_000) == 155_000_000)
    }

    @Test("a short run appends and syncs at the asked pace, reports ordered percentiles and removes its file")
    func shortRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("disk-probe-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try SustainedDiskProbe(seconds: 0.3, rate: 1000).run(directory: directory)
        // Paced: at most one sample per millisecond (a back-to-back loop makes thousands on a fast disk).
        #expect(result.samples >= 1 && result.samples <= 301, "\(result.samples) samples")
        #expect(result.bytes == 12 * 1024)
        #expect(result.targetRate == 1000)
        #expect(result.directory == directory)
        #expect(!result.filesystem.isEmpty)
        #expect(result.p50Millis > 0)
        #expect(result.p50Millis <= result.p99Millis && result.p99Millis <= result.p999Millis && result.p999Millis <= result.maxMillis)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("the filesystem is named from the mount table")
    func filesystemName() {
        if FileManager.default.fileExists(atPath: "/dev/shm") {
            #expect(SustainedDiskProbe.filesystem("/dev/shm") == "tmpfs")
        }
        #expect(SustainedDiskProbe.filesystem("/no/such/directory") == "unknown")
    }
}
