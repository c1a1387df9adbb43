import Testing
@testable import MeshLogStore

@Suite("SQLValue")
struct SQLValueTests {
    @Test func literals() {
        let values: [SQLValue] = [nil, 42, 1.5, "hi", true, false]
        #expect(values == [.null, .integer(42), .real(1.5), .text("hi"), .integer(1), .integer(0)])
    }

    @Test func accessors() {
        #expect(SQLValue.integer(7).int64 == 7)
        #expect(SQLValue.integer(7).double == 7.0)
        #expect(SQLValue.real(2.0).int64 == 2)
        #expect(SQLValue.real(2.5).int64 == nil)
        #expect(SQLValue.real(2.5).double == 2.5)
        #expect(SQLValue.text("x").string == "x")
        #expect(SQLValue.text("1").int64 == nil)
        #expect(SQLValue.null.string == nil)
        #expect(SQLValue.null.isNull)
        #expect(SQLValue.blob([1, 2]).blob == [1, 2])
        #expect(SQLValue(Int64?.none) == .null)
        #expect(SQLValue("a" as String?) == .text("a"))
        #expect(SQLValue(3) == .integer(3))
    }

    @Test func descriptionIsSQLLiteral() {
        #expect(SQLValue.null.description == "NULL")
        #expect(SQLValue.integer(-3).description == "-3")
        #expect(SQLValue.real(0.5).description == "0.5")
        #expect(SQLValue.text("it's").description == "'it''s'")
        #expect(SQLValue.blob([0x00, 0xAB, 0xFF]).description == "X'00ABFF'")
    }

    @Test func errorDescription() {
        let error = SQLiteError(code: 19, message: "UNIQUE constraint failed: t.id", sql: "INSERT INTO t VALUES (1)")
        #expect(error.description == "SQLite error 19: UNIQUE constraint failed: t.id (in: INSERT INTO t VALUES (1))")
        #expect(SQLiteError(code: 14, message: "unable to open").description == "SQLite error 14: unable to open")
        #expect(error.extendedCode == 19)
    }
}
