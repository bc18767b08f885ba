import Testing
@testable import NexServer

/// nexd's metrics endpoint, its pure parts (issue 18, D70): the request head and the answers.
@Suite struct MetricsRoutesTests {
    static func parse(_ text: String, limit: Int = 8192) -> Result<HTTPRequestHead, HTTPRequestHead.Problem> {
        HTTPRequestHead.parse(Array(text.utf8), limit: limit)
    }

    @Test(arguments: [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", Result<HTTPRequestHead, HTTPRequestHead.Problem>.success(.init(method: "GET", path: "/metrics"))),
        ("GET /readyz?verbose=1 HTTP/1.0\n\n", .success(.init(method: "GET", path: "/readyz"))),
        ("POST /metrics HTTP/1.1\r\n\r\n", .success(.init(method: "POST", path: "/metrics"))),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n", .failure(.incomplete)),
        ("", .failure(.incomplete)),
        ("GET /metrics\r\n\r\n", .failure(.malformed)),
        ("GET metrics HTTP/1.1\r\n\r\n", .failure(.malformed)),
        ("get /metrics HTTP/1.1\r\n\r\n", .failure(.malformed)),
        ("GET /metrics HTTP/2\r\n\r\n", .failure(.malformed)),
        ("\u{16}\u{03}\u{01}\u{00}\n\n", .failure(.malformed)),
        ("GET /metrics HTTP/1.1\nHost: x\r\n\r\n", .success(.init(method: "GET", path: "/metrics"))),
    ])
    func requestHeads(text: String, expected: Result<HTTPRequestHead, HTTPRequestHead.Problem>) {
        #expect(Self.parse(text) == expected)
    }

    @Test func aHeadOfExactlyTheLimitIsRead() {
        let head = "GET /metrics HTTP/1.1\r\n\r\n"
        #expect(Self.parse(head, limit: head.utf8.count) == .success(.init(method: "GET", path: "/metrics")))
        #expect(Self.parse(head, limit: head.utf8.count - 1) == .failure(.tooLarge))
    }

    @Test func aHeadLongerThanTheLimitIsRefusedCompleteOrNot() {
        let long = "GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 9000)
        #expect(Self.parse(long) == .failure(.tooLarge))
        #expect(Self.parse(long + "\r\n\r\n") == .failure(.tooLarge))
    }

    @Test func answers() {
        func answer(_ text: String, ready: [String] = []) -> HTTPResponse? {
            MetricsRoutes.respond(to: Self.parse(text), metrics: { "nexd_up 1\n" }, readiness: { .init(problems: ready) })
        }
        #expect(answer("GET /metrics HTTP/1.1\r\n\r\n")?.status == 200)
        #expect(answer("GET /metrics HTTP/1.1\r\n\r\n")?.body == "nexd_up 1\n")
        #expect(answer("GET /metrics HTTP/1.1\r\n\r\n")?.contentType.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(answer("GET /healthz HTTP/1.1\r\n\r\n")?.status == 200)
        #expect(answer("GET /readyz HTTP/1.1\r\n\r\n")?.body == "ready\n")
        let unready = answer("GET /readyz HTTP/1.1\r\n\r\n", ready: ["audit log not writable", "revocation list expired"])
        #expect(unready?.status == 503 && unready?.body == "audit log not writable\nrevocation list expired\n")
        #expect(answer("POST /metrics HTTP/1.1\r\n\r\n")?.status == 405)
        #expect(answer("POST /metrics HTTP/1.1\r\n\r\n")?.extraHeaders.first?.0 == "Allow")
        #expect(answer("GET /admin HTTP/1.1\r\n\r\n")?.status == 404)
        #expect(answer("GET / HTTP/1.1\r\n\r\n")?.status == 404)
        #expect(answer("GET /metrics HTTP/1.1\r\n") == nil, "incomplete: read on")
        #expect(answer("nonsense\n\n")?.status == 400)
    }

    @Test func theResponseClosesAndSaysItsLength() {
        let text = String(decoding: HTTPResponse.text(200, "OK", "ok\n").bytes, as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nok\n")
    }
}
