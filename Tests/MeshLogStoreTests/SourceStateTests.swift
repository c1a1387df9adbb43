import Testing
@testable import MeshLogStore

@Suite("Source states")
struct SourceStateTests {
    /// Stores written before the enum hold these strings: each state is one the schema accepts, and nothing else is.
    @Test func everyStateIsOneTheStoreAccepts() throws {
        let db = try SQLiteStore.openForWriting(path: ":memory:")
        for state in SourceState.allCases {
            try db.execute("INSERT INTO source(path, state) VALUES ('x', ?)", [.text(state.rawValue)])
        }
        #expect(throws: (any Error).self) { try db.execute("INSERT INTO source(path, state) VALUES ('x', 'other')") }
        #expect(try db.scalar("SELECT group_concat(state) FROM source") == "partial,done,duplicate,failed")
    }
}
