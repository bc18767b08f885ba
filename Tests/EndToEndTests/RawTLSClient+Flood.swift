import Foundation
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// Used by one thread at a time: the flooding thread, then the test once it has finished.
extension RawTLSClient: @unchecked Sendable {}

/// Flooding without reading: the client writes and never reads what nexd answers.
extension RawTLSClient {
    /// Writes `chunk` again and again, never reading, until `total` bytes are written, `deadline`
    /// passes or nexd closes the connection. Returns the bytes written. A write that nexd does not
    /// take within 50 ms is retried after checking the deadline, so a paused nexd cannot block the test.
    func flood(_ chunk: [UInt8], total: Int, until deadline: ContinuousClock.Instant) -> (written: Int, closed: Bool) {
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fileDescriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var written = 0
        while written < total {
            var offset = 0
            while offset < chunk.count {
                guard ContinuousClock.now < deadline else { return (written, false) }
                switch chunk.withUnsafeBytes({ session.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
                case .bytes(let count):
                    offset += count
                    written += count
                case .wantRead, .wantWrite:
                    continue
                case .closed, .failed:
                    return (written, true)
                }
            }
        }
        return (written, false)
    }

    /// `count` control frames: certificate requests for random fingerprints (nexd answers each with
    /// an empty `certificateResponse`), every tenth a ping.
    static func controlFrames(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0..<count {
            let frame: Frame = index % 10 == 9
                ? .ping(nonce: UInt64(index))
                : .certificateRequest(fingerprint: (0..<32).map { _ in UInt8.random(in: 0...255) })
            FrameEncoder.encode(frame, into: &bytes)
        }
        return bytes
    }
}
