import MeshLogCore

/// Plain-words explanations of status codes and response flags, as `meshlog status` prints them.
public enum StatusExplanation {
    /// The class of a code: `2xx`, `5xx`, or `no response` for 0.
    public static func statusClass(_ code: Int) -> String {
        code == 0 ? "no response" : code > 0 ? "\(String(code).prefix(1))xx" : "?"
    }

    /// The reason phrase of common HTTP codes.
    public static func reason(_ code: Int) -> String? {
        reasons[code]
    }

    /// What a group of `requests` lines with status `code` means, `unflagged` of them without a response flag.
    ///
    /// A 503 with no flag was sent by the upstream application (Envoy would have flagged its own);
    /// code 0 means no response was sent because the client went away.
    public static func code(_ code: Int, requests: Int, unflagged: Int) -> String {
        if code == 0 {
            return "no response was sent: the client went away (or the proxy reset the stream) before it"
        }
        let phrase = reason(code) ?? statusClass(code)
        let flagged = requests - unflagged
        if code == 503 {
            if flagged == 0 { return "\(phrase), sent by the upstream app (no Envoy flag)" }
            if unflagged == 0 { return "\(phrase), all with Envoy flags (see --by code,flag)" }
            return "\(phrase): \(unflagged) sent by the upstream app (no flag), \(flagged) with Envoy flags (see --by code,flag)"
        }
        if flagged == 0 || code < 400 {
            return code >= 500 ? "\(phrase), from the upstream app" : phrase
        }
        return flagged == requests ? "\(phrase), all with Envoy flags (see --by code,flag)"
            : "\(phrase): \(flagged) of \(requests) with Envoy flags (see --by code,flag)"
    }

    /// The meaning of one response flag: its long name and a one-line description.
    public static func flag(_ short: String) -> (long: String, meaning: String)? {
        ResponseFlag.named(short).map { ($0.long, $0.meaning) }
    }

    /// RFC 9110's reason phrases, with the registered extensions a mesh meets (WebDAV, 429, 451)
    /// and nginx's 499, which Envoy-fronted gateways log too.
    private static let reasons: [Int: String] = [
        100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
        200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
        205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
        300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
        305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
        400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
        409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
        414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
        418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Content", 423: "Locked",
        424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
        429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
        499: "Client Closed Request",
        500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
        507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
    ]
}
