import Foundation
import Testing
@testable import NexLoad

@Suite("Sustained disk probe")
struct SustainedDiskProbeTests {
    @Test("a sync on time serves one arrival; the next is due one interval later")
    func pacing() {
        let probe = SustainedDiskProbe(seconds: 1, rate: 1000)
        let (served, next) = probe.arrivals(from: 5_000_000, servedBySyncStartedAt: 5_000_100, before: 1_000_000_000)
        #expect(served == [5_000_000])
        #expect(next == 6_000_000)
    }

    @Test("after a 150 ms sync, one sync serves the 150 arrivals that waited, each charged from its own due time")
    func groupCommitAfterASlowSync() {
        let probe = SustainedDiskProbe(seconds: 1, rate: 1000)
        // The sync due at 5 ms ran 5.0 → 155.0 ms; the next began at once, at 155.2 ms.
        let (served, next) = probe.arrivals(from: 6_000_000, servedBySyncStartedAt: 155_200_000, before: 1_000_000_000)
        #expect(served.count == 150)
        #expect(served.first == 6_000_000 && served.last == 155_000_000)
        #expect(next == 156_000_000)
        // Arrivals stop at the end of the run.
        let (cut, _) = probe.arrivals(from: 6_000_000, servedBySyncStartedAt: 155_200_000, before: 10_000_000)
        #expect(cut == [6_000_000, 7_000_000, 8_000_000, 9_000_000])
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
        // Every arrival of the run is served and waits at least its sync's service time.
        #expect(result.arrivals >= result.samples && result.arrivals <= 301, "\(result.arrivals) arrivals")
        #expect(result.waitP50Millis > 0)
        #expect(result.waitMaxMillis >= result.maxMillis * 0.99)
        #expect(result.waitP50Millis <= result.waitP99Millis && result.waitP99Millis <= result.waitP999Millis && result.waitP999Millis <= result.waitMaxMillis)
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
