import Foundation
import NexNotices

/// Test helpers that edit a notice document at a dotted path ("warrant.issued_on", "assets[0].country").
///
/// Foundation is fine here: only the validator itself must stay Foundation-free.
enum DocumentEditing {
    /// The template of `kind` with the member at `path` removed, as JSON bytes.
    static func template(_ kind: NoticeKind, removing path: String) -> [UInt8] {
        edit(NoticeTemplate.document(for: kind), at: path, newValue: nil)
    }

    /// The template of `kind` with the value at `path` replaced by the JSON text `json`.
    static func template(_ kind: NoticeKind, setting path: String, to json: String) -> [UInt8] {
        let value = try! JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        return edit(NoticeTemplate.document(for: kind), at: path, newValue: value)
    }

    /// `document` with the value at `path` replaced (or removed when `newValue` is nil).
    static func edit(_ document: String, at path: String, newValue: Any?) -> [UInt8] {
        let root = try! JSONSerialization.jsonObject(with: Data(document.utf8))
        let edited = replace(in: root, path: components(of: path)[...], newValue: newValue)
        return Array(try! JSONSerialization.data(withJSONObject: edited!, options: [.sortedKeys]))
    }

    private enum Component { case member(String), index(Int) }

    private static func components(of path: String) -> [Component] {
        var result: [Component] = []
        for part in path.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                result.append(.member(String(rest[..<bracket])))
                rest = rest[bracket...]
                while rest.hasPrefix("[") {
                    let close = rest.firstIndex(of: "]")!
                    result.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                result.append(.member(String(rest)))
            }
        }
        return result
    }

    private static func replace(in value: Any, path: ArraySlice<Component>, newValue: Any?) -> Any? {
        guard let first = path.first else { return newValue }
        switch first {
        case .member(let name):
            var object = value as! [String: Any]
            object[name] = replace(in: object[name] as Any, path: path.dropFirst(), newValue: newValue)
            return object
        case .index(let index):
            var array = value as! [Any]
            if let replaced = replace(in: array[index], path: path.dropFirst(), newValue: newValue) {
                array[index] = replaced
            } else {
                array.remove(at: index)
            }
            return array
        }
    }
}
