/// What the SVG plots of `nex simulate` and `nex load` share: a quoted coordinate, escaped text.
enum SVGText {
    /// `"12.3"`: a number as an attribute value, one decimal.
    static func attribute(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }

    /// `text` with `&`, `<` and `>` escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
