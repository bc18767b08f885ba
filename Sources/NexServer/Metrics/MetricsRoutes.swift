/// What nexd's metrics endpoint answers (issue 18, D70): `GET /metrics` (Prometheus text),
/// `GET /healthz` (the process answers), `GET /readyz` (listening, audit log writable, revocation
/// list fresh). Pure: a request head and the figures in, a response out.
enum MetricsRoutes {
    /// Whether nexd is ready to serve, and if not why (each reason one line of the 503's body).
    struct Readiness: Sendable, Equatable {
        var problems: [String]

        var isReady: Bool { problems.isEmpty }
    }

    static func respond(to result: Result<HTTPRequestHead, HTTPRequestHead.Problem>, metrics: () -> String,
                        readiness: () -> Readiness) -> HTTPResponse? {
        let head: HTTPRequestHead
        switch result {
        case .success(let parsed): head = parsed
        case .failure(.incomplete): return nil
        case .failure(.tooLarge): return .text(431, "Request Header Fields Too Large", "request head too large\n")
        case .failure(.malformed): return .text(400, "Bad Request", "not an HTTP/1.x request\n")
        }
        guard ["/metrics", "/healthz", "/readyz"].contains(head.path) else {
            return .text(404, "Not Found", "nexd answers GET /metrics, /healthz and /readyz\n")
        }
        guard head.method == "GET" else {
            var response = HTTPResponse.text(405, "Method Not Allowed", "only GET\n")
            response.extraHeaders = [("Allow", "GET")]
            return response
        }
        switch head.path {
        case "/metrics":
            return HTTPResponse(status: 200, reason: "OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics())
        case "/healthz":
            return .text(200, "OK", "ok\n")
        default:
            let state = readiness()
            return state.isReady ? .text(200, "OK", "ready\n")
                : .text(503, "Service Unavailable", state.problems.map { $0 + "\n" }.joined())
        }
    }
}
