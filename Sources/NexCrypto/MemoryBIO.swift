internal import COpenSSL
import Foundation

/// Short-lived OpenSSL memory BIOs for PEM parsing and text output.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`; the BIO is freed afterwards.
    static func reading<R>(_ bytes: [UInt8], _ body: (OpaquePointer) -> R) -> R? {
        bytes.withUnsafeBytes { buffer -> R? in
            // BIO_new_mem_buf does not copy: the BIO is only used inside this scope, where the
            // array's storage is pinned. It rejects NULL, hence the non-NULL base for empty input.
            guard let bio = BIO_new_mem_buf(KeyInspection.nonNullBase(buffer), Int32(buffer.count)) else {
                return nil
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Runs `body` with an empty writable BIO and returns what it wrote, or `nil` if `body` fails.
    static func collecting(_ body: (OpaquePointer) -> Bool) -> [UInt8]? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard body(bio) else { return nil }
        let pending = Int(BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: pending)
        guard pending > 0 else { return out }
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard read == Int32(pending) else { return nil }
        return out
    }
}

/// Reading whole files for the `pemFile:` initialisers.
enum FileBytes {
    /// The contents of the file at `path`.
    /// - Throws: `CryptoError.fileUnreadable` naming the path.
    static func read(_ path: String) throws(CryptoError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError(code: .fileUnreadable, message: "cannot read \(path)")
        }
        return [UInt8](data)
    }
}

/// Writing PEM text without OpenSSL, so encoding never fails.
enum PEM {
    /// `der` as a PEM block with the given label and 64-column base64 lines.
    static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Array(Data(der).base64EncodedString().utf8)
        var text = "-----BEGIN \(label)-----\n"
        var start = 0
        while start < base64.count {
            let end = min(start + 64, base64.count)
            text += String(decoding: base64[start..<end], as: UTF8.self) + "\n"
            start = end
        }
        return text + "-----END \(label)-----\n"
    }
}
