import Foundation

extension BiometricTemplate {
    /// How a template travels in a notice (`subject.biometrics.face`, `…fingerprint`): one signed
    /// byte per component (round(value × 127), clamped), base64 (RFC 4648 §4, padded). Quantising
    /// to bytes changes a genuine similarity by well under 0.01 (docs/BIOMETRICS.md).
    public var base64Encoded: String {
        let bytes = values.map { UInt8(bitPattern: Int8(clamping: Int(($0 * 127).rounded()))) }
        return Data(bytes).base64EncodedString()
    }

    /// The template `text` encodes, when it is base64 of exactly `dimension` bytes.
    public init?(base64 text: String, dimension: Int) {
        guard let data = Data(base64Encoded: text), data.count == dimension else { return nil }
        self.init(normalizing: data.map { Float(Int8(bitPattern: $0)) / 127 })
    }
}
