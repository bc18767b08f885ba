import Foundation
import NexAudit

extension AuditBench {
    /// A log of `records` records; verify without signatures; index; query and trace as processes.
    func large() throws {
        let dir = directory ?? Self.temporaryDirectory()
        let generator = try NoticeLogGenerator()
        var sampleID = ""
        if !FileManager.default.fileExists(atPath: dir + "/index") && (try? AuditSegments.list(in: dir).isEmpty) ?? true {
            var configuration = AuditLog.Configuration(directory: dir)
            configuration.synchronizesWrites = false
            let signer = try Self.signer()
            configuration.checkpointSigner = signer
            if directory != nil {
                // Kept logs get their audit certificate beside them, for `nex audit verify --audit-cert`.
                try signer.certificate.pemEncoded().write(toFile: dir + ".audit.pem", atomically: true, encoding: .utf8)
            }
            let log = try AuditLog(configuration: configuration, nowMillis: 0)
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                log.append([generator.certificateEvent(time: 1_795_910_339_000)])
                var written = 1
                var index = 0
                while written < records {
                    let (events, id) = try generator.notice(index, time: 1_795_910_339_000 + Int64(index) * 3)
                    if index == records / 6 { sampleID = id }
                    log.append(events)
                    written += 3
                    index += 1
                    if index % 2000 == 0 { log.flush() }
                }
                log.close()
            }
            print("generated \(records) records (\(records / 3) notices, 1 KiB documents, signed envelopes) in \(dir) in \(elapsed)")
        }
        if sampleID.isEmpty {
            try AuditReader(directory: dir).forEachRecord { record in
                if record.event == "route" { sampleID = record.string("msg") ?? "" }
                return sampleID.isEmpty
            }
        }
        let clock = ContinuousClock()
        var options = AuditVerifier.Options()
        options.checksSignatures = false
        let verifyStart = ContinuousClock.now
        let result = try AuditVerifier.verify(directory: dir, options: options)
        let verifyTime = ContinuousClock.now - verifyStart
        print(String(format: "verify --no-signatures: %d records, %d checkpoints, intact=%@ in %.2f s: %.0f records/s",
                     result.recordCount, result.checkpointCount, result.foundNoProblem ? "yes" : "NO", seconds(verifyTime), Double(result.recordCount) / seconds(verifyTime)))
        let indexDirectory = dir + ".index"
        try? FileManager.default.removeItem(atPath: indexDirectory)
        let indexTime = try clock.measure { try AuditIndex(directory: dir, indexDirectory: indexDirectory).update() }
        print(String(format: "index build (from scratch): %.2f s", seconds(indexTime)))
        // The last two: a message with no record (the index finds nothing; a scan of the log
        // confirms it) and the same without the index (every line decoded).
        let absentID = "00000000-0000-7000-8000-000000000000"
        for arguments in [["audit", "query", "--dir", dir, "--msg", sampleID, "--json"], ["audit", "trace", sampleID, "--dir", dir],
                          ["audit", "query", "--dir", dir, "--msg", absentID, "--json"],
                          ["audit", "query", "--dir", dir, "--msg", sampleID, "--json", "--no-index"]] {
            var times: [Double] = []
            var output = ""
            for _ in 0..<(arguments.contains("--no-index") ? 1 : 7) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: nexPath)
                process.arguments = arguments + ["--index-dir", indexDirectory]
                let pipe = Pipe()
                process.standardOutput = pipe
                let start = ContinuousClock.now
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                times.append(seconds(ContinuousClock.now - start))
                output = String(decoding: data, as: UTF8.self)
            }
            times.sort()
            let shown = arguments[1] == "trace" ? "MSG" : arguments.contains("--no-index") ? "--msg … --json --no-index"
                : arguments.contains(absentID) ? "--msg ABSENT --json (index, then a confirming scan)" : "--msg … --json"
            print(String(format: "nex %@ %@: median %.0f ms, min %.0f ms wall including process start (%d output lines)",
                         arguments[1], shown, times[times.count / 2] * 1000, times[0] * 1000, output.split(separator: "\n").count))
        }
        if directory == nil { try? FileManager.default.removeItem(atPath: dir) }
        try? FileManager.default.removeItem(atPath: indexDirectory)
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
