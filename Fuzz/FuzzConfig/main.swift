// libFuzzer target for nexd's YAML configuration loader (see scripts/fuzz.sh).
//
// Runs DaemonConfiguration.parse(yaml:path:) on the input decoded as UTF-8 (invalid sequences
// repaired). It must never trap: every bad input is a ConfigurationError.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
// Seeds: Config/nexd.yaml and variants in Fuzz/corpus/config.
import NexConfig

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
// Plain build (no fuzzer runtime): a reproducer and seed writer (FuzzReproducer).
import FuzzSupport

// The fuzz build compiles this file with -parse-as-library (SwiftPM adds it for -sanitize=fuzzer),
// which refuses top-level statements even in an inactive #if branch: a global's initialiser runs
// the reproducer instead (eagerly, as top-level code, in the plain build).
let reproducerRan: Void = FuzzReproducer.run(name: "FuzzConfig", check: check, seeds: seeds)
#endif
