/// Size limits that every notice document obeys, whatever its kind.
public enum NoticeLimits {
    /// The longest string value, in UTF-8 bytes after unescaping.
    public static let maximumStringBytes = 4096
    /// The most items in any array.
    public static let maximumArrayItems = 256
    /// The deepest nesting of objects and arrays; the top-level object is level 1.
    public static let maximumDepth = JSONParser.maximumDepth
    /// The largest node id, in bytes (as the roster allows).
    public static let maximumNodeIDBytes = 64
}
