import Foundation
import NexNotices
import Testing

/// Random and mutated documents never trap the validator, and what it accepts is real JSON.
@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = NoticeKind.allCases.map { Array(NoticeTemplate.document(for: $0).utf8) } + [
        Array(#"{"kind": "red", "a": [1, -0.5e3, "\u00e9\ud83d\ude00", true, false, null, {}]}"#.utf8),
        Array("\"é€😀\"".utf8),
    ]

    static func mutate(_ input: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = Array("{}[]\",:\\u0123456789-+.eEtfn ".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty: bytes[position] = interesting.randomElement(using: &random)!
            case 2: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            case 3 where !bytes.isEmpty: bytes.remove(at: position)
            case 4: bytes = Array(bytes.prefix(position))
            default:
                let count = Int.random(in: 0...8, using: &random)
                bytes.insert(contentsOf: (0..<count).map { _ in interesting.randomElement(using: &random)! }, at: position)
            }
        }
        return bytes
    }

    @Test func seededFuzzNeverTraps() {
        var random = SeededGenerator(seed: 0x4E45_5849_4E54_4552)
        var accepted = 0
        for round in 0..<2000 {
            let input: [UInt8]
            if round % 5 == 0 {
                input = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                input = Self.mutate(Self.seeds.randomElement(using: &random)!, using: &random)
            }
            let kind = NoticeKind.allCases.randomElement(using: &random)!
            let violation = NoticeValidator.validate(input, as: kind)
            if violation == nil {
                accepted += 1
            } else if violation!.field == "" && violation!.reason.hasPrefix("not valid JSON") {
                continue
            }
            // Whatever the strict parser accepts, a general JSON parser accepts too.
            #expect((try? JSONSerialization.jsonObject(with: Data(input), options: .fragmentsAllowed)) != nil,
                    "round \(round): accepted bytes that are not JSON: \(input)")
        }
        #expect(accepted > 0)
    }

    /// Nesting far past the limit is refused quickly, without deep recursion.
    @Test(arguments: [33, 1000, 100_000])
    func deepNestingIsAViolation(_ depth: Int) throws {
        let bytes = Array(("{\"kind\": " + String(repeating: "[", count: depth)).utf8)
        let violation = try #require(NoticeValidator.validate(bytes, as: .red))
        #expect(violation.field == "")
        #expect(violation.reason.contains("deeper than 32 levels"))
    }
}
