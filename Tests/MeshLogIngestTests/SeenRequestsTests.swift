import Testing
import MeshLogStore
@testable import MeshLogIngest

@Suite("Seen request ids")
struct SeenRequestsTests {
    /// 16 UUID-like bytes for `i`.
    static func key(_ i: Int, salt: UInt64) -> [UInt8] {
        var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ salt
        var bytes: [UInt8] = []
        for _ in 0..<2 {
            x ^= x >> 29; x = x &* 0xBF58_476D_1CE4_E5B9; x ^= x >> 32
            withUnsafeBytes(of: x) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    @Test func everyInsertedIdIsFoundAndFewOthersPastSeveralGrowths() {
        // Starts small, so 100,000 ids take it through five growths.
        let seen = SeenRequests(initialCapacity: 4096)
        for i in 0..<100_000 { Self.key(i, salt: 1).withUnsafeBufferPointer { seen.insert($0) } }
        let missed = (0..<100_000).filter { i in !Self.key(i, salt: 1).withUnsafeBufferPointer { seen.mightContain($0) } }
        #expect(missed.isEmpty)
        let falsePositives = (0..<100_000).filter { i in Self.key(i, salt: 2).withUnsafeBufferPointer { seen.mightContain($0) } }
        #expect(falsePositives.count < 3_000)  // about 1 % per filter in the chain
    }

    @Test func anEmptyFilterHoldsNothing() {
        let seen = SeenRequests()
        #expect(!Self.key(7, salt: 3).withUnsafeBufferPointer { seen.mightContain($0) })
    }
}

@Suite("Request ids past the in-memory table")
struct RequestTableOverflowTests {
    @Test func aRequestSeenAgainAfterTheTableWasClearedKeepsItsId() throws {
        let dir = try TemporaryDirectory()
        // Request 0, then 3,000 others, then request 0 again: by then the 500-id table has been
        // cleared, so its id comes back from the store, and the 3,000 new ones skip the lookup.
        let lines = [IstioLines.outbound(0)] + (1...3000).map { IstioLines.outbound($0) } + [IstioLines.outbound(0)]
        let path = try dir.write("a.log", lines.joined(separator: "\n") + "\n")
        let db = dir.path("t.db")
        var options = IngestOptions(batchSize: 64)
        options.requestTableEntries = 500
        let summary = try ingest([path], db: db, options: options)
        #expect(summary.recordsStored == 3002)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM request").int64 == 3001)
        #expect(try reader.rows("SELECT req FROM log_row WHERE line IN (1, 3002) ORDER BY line") == [[1], [1]])
        #expect(try reader.scalar("SELECT count(DISTINCT request_id) FROM access_log").int64 == 3001)
        #expect(try reader.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'request_rid'").int64 == 1)
    }
}
