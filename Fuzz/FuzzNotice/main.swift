// libFuzzer target for NexNotices' strict JSON parser and schema validator (see scripts/fuzz.sh).
//
// Validates the input as a notice document of every NoticeKind (also with a sender, which parses
// the document a second time for diffusions and hits) and runs the syntax check. It must never
// trap. Checked property: a document with a JSON syntax error is never valid.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
// Seeds: Config/examples/*.json, copied to Fuzz/corpus/notice.
import NexNotices

func check(_ bytes: [UInt8]) {
    let syntax = NoticeValidator.syntaxViolation(in: bytes)
    for kind in NoticeKind.allCases {
        let violation = NoticeValidator.validate(bytes, as: kind)
        if syntax != nil, violation == nil {
            fatalError("NoticeValidator: a document with a syntax error is valid as \(kind.rawValue)")
        }
        _ = NoticeValidator.validate(bytes, as: kind, sentBy: "ncb.rw.kigali")
    }
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
let reproducerRan: Void = FuzzReproducer.run(name: "FuzzNotice", check: check, seeds: seeds)
#endif
