import Foundation

/// The plain-build entry point shared by the fuzz targets: without the fuzzer runtime each target
/// is a reproducer and seed writer.
///
///     FuzzX FILE…               runs the target's check on each file (a crash reproducer, say)
///     FuzzX --write-seeds DIR   writes the target's seed corpus (Fuzz/corpus/…)
public enum FuzzReproducer {
    /// Runs the check on each file argument, or writes the seeds.
    public static func run(name: String, check: ([UInt8]) -> Void, seeds: () -> [[UInt8]]) {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count == 2, arguments[0] == "--write-seeds" {
            let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
            let corpus = seeds()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                for (index, seed) in corpus.enumerated() {
                    try Data(seed).write(to: directory.appendingPathComponent(String(format: "seed-%03d", index)))
                }
            } catch {
                print("cannot write seeds: \(error)")
                exit(2)
            }
            print("wrote \(corpus.count) seeds to \(directory.path)")
        } else if arguments.isEmpty {
            print("usage: \(name) FILE… | \(name) --write-seeds DIR (fuzz with scripts/fuzz.sh)")
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
}
