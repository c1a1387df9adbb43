import Testing
@testable import MeshLogStore

@Suite("String interner")
struct StringInternerTests {
    @Test func sameBytesSameIdAndNewStringsArePending() {
        let interner = StringInterner(firstID: 10)
        let a = interner.intern("GET")
        let b = interner.intern("POST")
        #expect(interner.intern("GET") == a)
        #expect(a == 10)
        #expect(b == 11)
        let pending = interner.takePending()
        #expect(pending.map(\.id) == [10, 11])
        #expect(pending.map { String(decoding: $0.value, as: UTF8.self) } == ["GET", "POST"])
        #expect(interner.takePending().isEmpty)
        _ = interner.intern("GET")
        #expect(interner.takePending().isEmpty)
    }

    @Test func manyStringsSurviveGrowthAndPreload() {
        let interner = StringInterner()
        interner.preload(id: 500, value: "preloaded")
        var ids: [String: Int64] = [:]
        for i in 0..<50_000 { ids["/courses/\(i)"] = interner.intern("/courses/\(i)") }
        for (s, id) in ids { #expect(interner.intern(s) == id) }
        #expect(interner.intern("preloaded") == 500)
        #expect(Set(ids.values).count == 50_000)
        #expect(!ids.values.contains(500))
    }

    @Test func auxSlotsFollowTheirEntry() {
        let interner = StringInterner()
        _ = interner.intern("/a/1")
        #expect(interner.aux(0) == -1)
        interner.setAux(0, 42, slot: interner.lastSlot)
        _ = interner.intern("/b/2")
        #expect(interner.aux(0) == -1)
        for i in 0..<10_000 { _ = interner.intern("x\(i)") }
        _ = interner.intern("/a/1")
        #expect(interner.aux(0) == 42)
    }

    @Test func trimForgetsButKeepsIdsUnique() {
        let interner = StringInterner(maxEntries: 100, maxArenaBytes: 1 << 20)
        let first = interner.intern("kept?")
        for i in 0..<200 { _ = interner.intern("v\(i)") }
        interner.trimIfNeeded()
        #expect(interner.generation == 1)
        #expect(interner.count == 0)
        let again = interner.intern("kept?")
        #expect(again != first)
        #expect(again > first)
    }

    @Test func resolveNamesIdsStoredElsewhere() {
        let interner = StringInterner(firstID: 100, auxSlots: 0)
        var key: [UInt8] = Array("req-1".utf8)
        let known = key.withUnsafeBufferPointer { interner.intern($0, resolve: { _ in 7 }) }
        #expect(known.id == 7)
        #expect(!known.isNew)
        key = Array("req-2".utf8)
        let fresh = key.withUnsafeBufferPointer { interner.intern($0, resolve: { _ in nil }) }
        #expect(fresh.id == 100)
        #expect(fresh.isNew)
        let cached = key.withUnsafeBufferPointer { interner.intern($0, resolve: { _ in Issue.record("not consulted for known ids"); return nil }) }
        #expect(cached.id == 100)
    }
}
