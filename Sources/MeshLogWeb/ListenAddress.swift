#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--listen HOST:PORT`: an IPv4 or bracketed IPv6 address and a port (127.0.0.1:8080 by default).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// Reads `127.0.0.1:8080`, `[::1]:8080`, `:8080` (loopback) or `8080`; nil when unreadable.
    public init?(parsing text: String) {
        var host = "127.0.0.1"
        var portText = text
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = String(rest.dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            let h = String(text[..<colon])
            if !h.isEmpty { host = h == "localhost" ? "127.0.0.1" : h }
            portText = String(text[text.index(after: colon)...])
        }
        guard let port = UInt16(portText) else { return nil }
        if host.contains(":") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, host, &a) == 1 else { return nil }
        } else {
            var a = in_addr()
            guard inet_pton(AF_INET, host, &a) == 1 else { return nil }
        }
        self.host = host
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }

    /// Whether only this machine can connect (127.0.0.0/8 or ::1).
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
