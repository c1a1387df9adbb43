#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Posts OTLP/HTTP export requests to a collector (`POST /v1/traces`), one short-lived connection per request.
///
/// Plain `http://` only (a local collector or agent, as OTLP/HTTP on port 4318 usually is); no FoundationNetworking,
/// which needs libcurl.
public final class OTLPHTTPSender {
    /// Where requests go.
    public let host: String
    public let port: Int
    /// The request path, `/v1/traces` unless the URL named it.
    public let path: String
    /// The body's media type: `application/x-protobuf` or `application/json`.
    public let contentType: String
    /// Seconds to wait for the collector to connect, accept the body and answer.
    public var timeoutSeconds = 30

    /// A sender to `url` (`http://HOST:PORT`, a path ending in `/v1/traces` kept as given, any other path gets
    /// `/v1/traces` appended); `json` sends OTLP JSON instead of protobuf.
    public init(url: String, json: Bool) throws {
        guard url.hasPrefix("http://") else {
            throw OTLPExportError.badURL(url, "it must start with http:// (for TLS, send to a local collector that forwards)")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix("/v1/traces") { path += "/v1/traces" }
        let hostPart: Substring, portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw OTLPExportError.badURL(url, "it names no host (http://HOST:4318)") }
        let port = portPart.map { Int($0) } ?? 80
        guard let port, (1...65535).contains(port) else { throw OTLPExportError.badURL(url, "its port is not a number from 1 to 65535") }
        self.host = String(hostPart)
        self.port = port
        self.path = path
        contentType = json ? "application/json" : "application/x-protobuf"
    }

    /// Posts `body`; returns the collector's answer body. A status outside 2xx throws ``OTLPExportError/rejected``.
    @discardableResult
    public func post(_ body: [UInt8]) throws -> [UInt8] {
        let fd = try open()
        defer { _ = close(fd) }
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        head += "User-Agent: meshlog\r\n\r\n"
        try write(fd, Array(head.utf8))
        try write(fd, body)
        let answer = try readAll(fd)
        return try Self.parse(answer, target: "\(host):\(port)\(path)")
    }

    /// A connected socket with send and receive timeouts.
    private func open() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &found)
        guard code == 0, let list = found else {
            throw OTLPExportError.unreachable("\(host):\(port)", "cannot resolve the host (\(String(cString: gai_strerror(code))))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let e = entry {
            let fd = socket(e.pointee.ai_family, e.pointee.ai_socktype, e.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, e.pointee.ai_addr, e.pointee.ai_addrlen) == 0 { return fd }
                reason = String(cString: strerror(errno))
                _ = close(fd)
            }
            entry = e.pointee.ai_next
        }
        throw OTLPExportError.unreachable("\(host):\(port)", reason)
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw OTLPExportError.unreachable("\(host):\(port)", "sending failed: \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// Everything the collector sends until it closes the connection.
    private func readAll(_ fd: Int32) throws -> [UInt8] {
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw OTLPExportError.unreachable("\(host):\(port)", "no answer: \(String(cString: strerror(errno)))") }
            if n == 0 { return answer }
            answer.append(contentsOf: chunk[0..<n])
        }
    }

    /// The body of an HTTP/1.1 answer whose status is 2xx.
    static func parse(_ answer: [UInt8], target: String) throws -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let split = (0..<max(0, answer.count - 3)).first(where: { Array(answer[$0..<$0 + 4]) == separator }) else {
            throw OTLPExportError.unreachable(target, "the answer is not HTTP (\(answer.count) bytes)")
        }
        let head = String(decoding: answer[..<split], as: UTF8.self)
        var body = Array(answer[(split + 4)...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunked(body) }
        let statusWords = head.prefix { $0 != "\r" }.split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else {
            throw OTLPExportError.unreachable(target, "the answer has no status line")
        }
        guard (200..<300).contains(status) else {
            throw OTLPExportError.rejected(target, status, String(decoding: body.prefix(300), as: UTF8.self))
        }
        return body
    }

    /// A chunked body joined (what can be read of it).
    static func dechunked(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            guard let end = (i..<body.count - 1).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                  let size = Int(String(decoding: body[i..<end], as: UTF8.self).split(separator: ";").first ?? "", radix: 16),
                  size > 0 else { break }
            let start = end + 2
            out.append(contentsOf: body[start..<min(body.count, start + size)])
            i = start + size + 2
        }
        return out
    }
}

/// Why an OTLP/HTTP export failed.
public enum OTLPExportError: Error, CustomStringConvertible {
    /// The `--otlp` URL cannot be used: the URL and why.
    case badURL(String, String)
    /// The collector could not be reached or answered nothing usable: where, and why.
    case unreachable(String, String)
    /// The collector answered with a status outside 2xx: where, the status and the start of its body.
    case rejected(String, Int, String)

    public var description: String {
        switch self {
        case .badURL(let url, let why): "cannot use --otlp '\(url)': \(why)"
        case .unreachable(let target, let why): "cannot export to the OTLP collector at \(target): \(why); is it running and listening for OTLP/HTTP?"
        case .rejected(let target, let status, let body):
            "the OTLP collector at \(target) answered HTTP \(status)" + (body.isEmpty ? "" : ": \(body)")
                + (status == 415 ? " (try --otlp-json, or the other content type)" : "")
        }
    }
}
