internal import COpenSSL

/// Message digests fetched once per process.
///
/// `EVP_MD_fetch` takes a lock and searches the provider store; fetching per call would serialise
/// the verification pool. A fetched `EVP_MD` is immutable and safe to share between threads.
final class Digests: @unchecked Sendable {
    /// SHA-256 from the default provider.
    static let sha256 = Digests(name: "SHA256")

    /// The fetched `EVP_MD`; freed never (process lifetime) in practice, but owned here.
    let md: OpaquePointer

    private init(name: String) {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL default provider has no \(name) digest")
        }
        self.md = md
    }

    deinit {
        EVP_MD_free(md)
    }
}
