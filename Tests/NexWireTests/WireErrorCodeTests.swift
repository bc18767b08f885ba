import Testing
@testable import NexWire

@Suite struct WireErrorCodeTests {
    @Test(arguments: [
        (WireErrorCode.malformedFrame, 1 as UInt16, "malformed-frame"),
        (.badSignature, 101, "bad-signature"),
        (.unsupportedAlgorithm, 107, "unsupported-algorithm"),
        (.permissionDenied, 204, "permission-denied"),
        (.notInRoster, 300, "not-in-roster"),
        (.internalError, 502, "internal-error"),
    ])
    func stableCodesAndNames(_ code: WireErrorCode, _ raw: UInt16, _ name: String) {
        #expect(code.rawValue == raw)
        #expect(code.name == name)
        #expect(WireErrorCode(name: name) == code)
    }

    @Test func namesAreUniqueKebabCase() {
        let names = WireErrorCode.allCases.map(\.name)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.allSatisfy { $0 == "-" || ("a"..."z").contains($0) })
        }
    }
}
