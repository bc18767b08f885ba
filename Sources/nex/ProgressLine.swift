import Foundation

/// A one-line progress counter on standard error (`node certificates 57/214`), rewritten in place
/// on a terminal and left out when standard error is a file or a pipe (logs and tests get only the
/// final summary the command prints).
final class ProgressLine {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var shown = false
    private var lastPercent = -1

    init(label: String) {
        self.label = label
    }

    /// Shows `done` of `total` (at most once per percent).
    func update(_ done: Int, of total: Int) {
        guard isTerminal, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != lastPercent || done == total else { return }
        lastPercent = percent
        shown = true
        FileHandle.standardError.write(Data("\r\(label) \(done)/\(total)".utf8))
    }

    /// Ends the line, if one was shown.
    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
