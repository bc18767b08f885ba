/// One value of a parsed JSON text, stored flat in document order (a "tape").
///
/// An object's members follow it as (name string, value subtree) pairs and an array's elements
/// follow it as subtrees; `next` is the tape index just past the value's subtree, so a reader can
/// skip any value in O(1). Positions are byte offsets into the parsed buffer; nothing is copied.
struct JSONNode: Sendable {
    /// The JSON type of a value (`true` and `false` are both `.boolean`).
    enum Kind: UInt8, Sendable {
        case object, array, string, number, boolean, null
    }

    /// The value's type.
    var kind: Kind
    /// Strings: the text contains at least one backslash escape, so its bytes must be decoded.
    var hasEscapes = false
    /// Numbers: no fraction and no exponent. Booleans: the value is `true`.
    var flag = false
    /// Strings: the first byte after the opening quote; other values: their first byte.
    var start: Int
    /// Strings: the offset of the closing quote; other values: one past their last byte.
    var end: Int
    /// Objects: member count; arrays: element count; strings: length in UTF-8 bytes once decoded.
    var count = 0
    /// The tape index just past this value's subtree.
    var next = 0
}
