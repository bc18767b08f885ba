// libFuzzer target for nexd's YAML configuration loader (see scripts/fuzz.sh).
//
// Runs DaemonConfiguration.parse(yaml:path:) on the input decoded as UTF-8 (invalid sequences
// repaired). It must never trap: every bad input is a ConfigurationError.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
// Seeds: Config/nexd.yaml and variants in Fuzz/corpus/config.
import NexServer

func check(_ bytes: [UInt8]) {
    _ = try? DaemonConfiguration.parse(yaml: String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml")
}

func seeds() -> [[UInt8]] { [] }

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
// Plain build (no fuzzer runtime): a reproducer and seed writer.
//   FuzzConfig FILE…                runs the check on each file (a crash reproducer, for instance)
//   FuzzConfig --write-seeds DIR    writes the seed corpus (Fuzz/corpus/…)
import Foundation

/// Runs the check on each file argument, or writes the seeds; the plain build's entry point.
func runReproducer() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.count == 2, arguments[0] == "--write-seeds" {
        let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (index, seed) in seeds().enumerated() {
                try Data(seed).write(to: directory.appendingPathComponent(String(format: "seed-%03d", index)))
            }
        } catch {
            print("cannot write seeds: \(error)")
            exit(2)
        }
        print("wrote \(seeds().count) seeds to \(directory.path)")
    } else if arguments.isEmpty {
        print("usage: FuzzConfig FILE… | FuzzConfig --write-seeds DIR (fuzz with scripts/fuzz.sh)")
    } else {
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            check(Array(data))
            print("ok \(path)")
        }
    }
}

// The fuzz build compiles this file with -parse-as-library (SwiftPM adds it for -sanitize=fuzzer),
// which refuses top-level statements even in an inactive #if branch: a global's initialiser runs
// the reproducer instead (eagerly, as top-level code, in the plain build).
let reproducerRan: Void = runReproducer()
#endif
