#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A synchronous client of ClickHouse's HTTP interface over one kept-alive connection: statements
/// in, tab-separated rows or nothing out, and inserts whose bodies are already encoded
/// (`RowBinary`). Used from one thread at a time.
///
/// Every request asks the server to finish before it answers (`wait_end_of_query=1`), so a
/// statement that fails part way gives an error status rather than a 200 with the error at the
/// end of the rows.
public final class ClickHouseClient {
    public let endpoint: ClickHouseEndpoint
    /// Settings sent with every request (`readonly=1` for `meshlog sql`).
    public var settings: [String: String]
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []
    /// Where each `recv` lands, reused for the life of the client.
    private var receiveBuffer = [UInt8](repeating: 0, count: 65536)
    private var position = 0

    public init(endpoint: ClickHouseEndpoint, settings: [String: String] = [:]) {
        self.endpoint = endpoint
        self.settings = settings
    }

    deinit { close() }

    /// Closes the connection (the next request opens another).
    public func close() {
        if socket >= 0 { _ = Glibc.close(socket) }
        socket = -1
        buffer.removeAll()
        position = 0
    }

    // MARK: - Statements

    /// Runs a statement that returns nothing worth reading (DDL, INSERT … SELECT).
    public func execute(_ sql: String, database: Bool = true) throws {
        _ = try request(sql: sql, body: Array(sql.utf8), database: database)
    }

    /// Runs a query and returns its rows as text cells (`\N` → nil), read from `TabSeparated`.
    /// `sql` must not name a format.
    public func rows(_ sql: String, database: Bool = true) throws -> [[String?]] {
        let body = try request(sql: sql, body: Array((sql + "\nFORMAT TabSeparated").utf8), database: database)
        return TabSeparated.rows(body)
    }

    /// Runs a query and returns its column names and types with its rows (`TabSeparatedWithNamesAndTypes`).
    public func table(_ sql: String) throws -> (columns: [(name: String, type: String)], rows: [[String?]]) {
        let body = try request(sql: sql, body: Array((sql + "\nFORMAT TabSeparatedWithNamesAndTypes").utf8), database: true)
        var rows = TabSeparated.rows(body)
        guard rows.count >= 2 else { return ([], []) }
        let names = rows.removeFirst().map { $0 ?? "" }
        let types = rows.removeFirst().map { $0 ?? "" }
        return (Array(zip(names, types)).map { (name: $0.0, type: $0.1) }, rows)
    }

    /// Inserts rows already encoded in `format` (`RowBinary`) into `table`.
    public func insert(into table: String, columns: [String], format: String = "RowBinary", body: [UInt8]) throws {
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) FORMAT \(format)"
        _ = try request(sql: sql, query: sql, body: body, database: true)
    }

    // MARK: - Streamed inserts

    /// The statement of the streamed insert under way, if any.
    private var streaming: String?

    /// Starts an INSERT whose `format` body follows in pieces (``sendInsertData(_:)``), on a fresh
    /// connection, so the server stores rows while the rest are being produced;
    /// ``endInsert()`` finishes it. Blocks of rows the server has stored stay stored when the
    /// insert fails or is abandoned.
    public func beginInsert(into table: String, columns: [String], format: String = "RowBinary", settings extra: [String: String] = [:]) throws {
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) FORMAT \(format)"
        close()
        try connect(statement: sql)
        var parameters: [(String, String)] = [("database", endpoint.database), ("query", sql), ("wait_end_of_query", "1")]
        for (key, value) in settings.merging(extra, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) { parameters.append((key, value)) }
        let path = "/?" + parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        var head = "POST \(path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n"
        if let user = endpoint.user { head += "X-ClickHouse-User: \(user)\r\n" }
        if let password = endpoint.password { head += "X-ClickHouse-Key: \(password)\r\n" }
        head += "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\nConnection: keep-alive\r\n\r\n"
        streaming = sql
        try streamed { try send(Array(head.utf8)) }
    }

    /// Sends the next piece of the streamed insert's body.
    public func sendInsertData(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try streamed {
            try send(Array((String(bytes.count, radix: 16) + "\r\n").utf8))
            try send(bytes)
            try send([13, 10])
        }
    }

    /// Ends the streamed insert and waits for the server to have stored it.
    public func endInsert() throws {
        try sendInsertEnd()
        try awaitInsert()
    }

    /// Sends the end of the streamed insert's body (``awaitInsert()`` then waits for the server).
    public func sendInsertEnd() throws {
        try streamed { try send(Array("0\r\n\r\n".utf8)) }
    }

    /// Waits for the server to have stored the streamed insert whose end was sent.
    public func awaitInsert() throws {
        guard let sql = streaming else { return }
        try streamed {
            let (status, content) = try readResponse()
            streaming = nil
            guard status == 200 else {
                close()
                throw ClickHouseError.server(status: status, body: String(decoding: content, as: UTF8.self), statement: sql)
            }
        }
    }

    /// Abandons the streamed insert (its connection is closed).
    public func abandonInsert() {
        streaming = nil
        close()
    }

    /// Runs a step of a streamed insert; when the connection breaks, reads the server's answer
    /// if it sent one (it stops reading after an error) so the error says what went wrong.
    private func streamed(_ body: () throws -> Void) throws {
        guard let sql = streaming else { return }
        do {
            try body()
        } catch let error as ClickHouseError where error.isConnectionLost {
            let answer = try? readResponse()
            abandonInsert()
            if let (status, content) = answer, status != 200 {
                throw ClickHouseError.server(status: status, body: String(decoding: content, as: UTF8.self), statement: sql)
            }
            throw error
        } catch {
            abandonInsert()
            throw error
        }
    }

    /// Whether the server answers `/ping`.
    public func ping() -> Bool {
        do {
            _ = try exchange(path: "/ping", body: nil, statement: "ping")
            return true
        } catch {
            return false
        }
    }

    // MARK: - HTTP

    /// Sends one statement; `query`, when given, goes in the URL and `body` is its data.
    private func request(sql: String, query: String? = nil, body: [UInt8], database: Bool) throws -> [UInt8] {
        var parameters: [(String, String)] = []
        if database { parameters.append(("database", endpoint.database)) }
        if let query { parameters.append(("query", query)) }
        parameters.append(("wait_end_of_query", "1"))
        parameters.append(("output_format_json_quote_64bit_integers", "0"))
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { parameters.append((key, value)) }
        let path = "/?" + parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return try exchange(path: path, body: body, statement: sql)
    }

    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// One request and its response; retries once on a fresh connection when a kept-alive one was closed.
    private func exchange(path: String, body: [UInt8]?, statement: String) throws -> [UInt8] {
        let reused = socket >= 0
        do {
            return try exchangeOnce(path: path, body: body, statement: statement)
        } catch let error as ClickHouseError where reused && error.isConnectionLost {
            close()
            return try exchangeOnce(path: path, body: body, statement: statement)
        }
    }

    private func exchangeOnce(path: String, body: [UInt8]?, statement: String) throws -> [UInt8] {
        if socket < 0 { try connect(statement: statement) }
        var head = "\(body == nil ? "GET" : "POST") \(path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n"
        if let user = endpoint.user { head += "X-ClickHouse-User: \(user)\r\n" }
        if let password = endpoint.password { head += "X-ClickHouse-Key: \(password)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\n" }
        head += "Connection: keep-alive\r\n\r\n"
        do {
            try send(Array(head.utf8))
            if let body { try send(body) }
            let (status, content) = try readResponse()
            guard status == 200 else {
                throw ClickHouseError.server(status: status, body: String(decoding: content, as: UTF8.self), statement: statement)
            }
            return content
        } catch let error as ClickHouseError {
            if error.isConnectionLost { close() }
            throw error
        }
    }

    private func connect(statement: String) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result) == 0, let first = result else {
            throw ClickHouseError.unreachable(url: endpoint.description, reason: "cannot resolve host '\(endpoint.host)'")
        }
        defer { freeaddrinfo(result) }
        var reason = "connection refused"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let a = info {
            let fd = Glibc.socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    socket = fd
                    return
                }
                reason = String(cString: strerror(errno))
                _ = Glibc.close(fd)
            }
            info = a.pointee.ai_next
        }
        throw ClickHouseError.unreachable(url: endpoint.description, reason: reason)
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        try bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                let n = Glibc.send(socket, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    throw ClickHouseError.connectionLost(url: endpoint.description, reason: String(cString: strerror(errno)))
                }
                sent += n
            }
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
        while true {
            let n = receiveBuffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw ClickHouseError.connectionLost(url: endpoint.description, reason: String(cString: strerror(errno))) }
            if n == 0 { return false }
            buffer.append(contentsOf: receiveBuffer[0..<n])
            return true
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer[position...].firstIndex(of: 10) {
                var line = buffer[position..<end]
                if line.last == 13 { line = line.dropLast() }
                position = end + 1
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else {
                throw ClickHouseError.connectionLost(url: endpoint.description, reason: "the server closed the connection")
            }
        }
    }

    private func readBytes(_ count: Int) throws -> ArraySlice<UInt8> {
        while buffer.count - position < count {
            guard try fill() else {
                throw ClickHouseError.connectionLost(url: endpoint.description, reason: "the server closed the connection mid-answer")
            }
        }
        defer { position += count }
        return buffer[position..<position + count]
    }

    private func readResponse() throws -> (Int, [UInt8]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw ClickHouseError.connectionLost(url: endpoint.description, reason: "not an HTTP answer: \(statusLine.prefix(80))")
        }
        var length: Int?
        var chunked = false
        var keepAlive = true
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-length": length = Int(value)
            case "transfer-encoding": chunked = value.lowercased().contains("chunked")
            case "connection": keepAlive = value.lowercased() != "close"
            default: break
            }
        }
        var content: [UInt8] = []
        if chunked {
            while true {
                let sizeLine = try readLine()
                let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) ?? 0
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                content.append(contentsOf: try readBytes(size))
                _ = try readLine()
            }
        } else if let length {
            content.append(contentsOf: try readBytes(length))
        } else {
            while try fill() {}
            content.append(contentsOf: buffer[position...])
            position = buffer.count
            keepAlive = false
        }
        if !keepAlive { close() }
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
        return (status, content)
    }
}

/// Tab-separated output, unescaped.
enum TabSeparated {
    /// The rows of a `TabSeparated` body; `\N` is nil.
    static func rows(_ body: [UInt8]) -> [[String?]] {
        var rows: [[String?]] = []
        var row: [String?] = []
        var cell: [UInt8] = []
        var i = 0
        var escaped = false
        var sawNull = false
        func endCell() {
            row.append(sawNull && cell.isEmpty ? nil : String(decoding: cell, as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
            sawNull = false
        }
        while i < body.count {
            let b = body[i]
            i += 1
            if escaped {
                escaped = false
                switch b {
                case UInt8(ascii: "t"): cell.append(9)
                case UInt8(ascii: "n"): cell.append(10)
                case UInt8(ascii: "r"): cell.append(13)
                case UInt8(ascii: "0"): cell.append(0)
                case UInt8(ascii: "b"): cell.append(8)
                case UInt8(ascii: "f"): cell.append(12)
                case UInt8(ascii: "N"): sawNull = true
                default: cell.append(b)
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\\"): escaped = true
            case 9: endCell()
            case 10:
                endCell()
                rows.append(row)
                row = []
            default: cell.append(b)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            endCell()
            rows.append(row)
        }
        return rows
    }
}
