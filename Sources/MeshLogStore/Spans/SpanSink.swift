/// A store other than SQLite that takes span files: the span ingest writes each file into a SQLite
/// staging store (``stagingStore()``), and the sink copies it over once the file is finished.
public protocol SpanSink: AnyObject {
    /// The SQLite store span files are staged in (made on first use; removed with the sink).
    func stagingStore() throws -> Database
    /// Copies the spans, rejected spans and source row of the staged source `id` into the store,
    /// once: returns the id of a source the store holds with the same content (then nothing is
    /// copied), else nil.
    func storeStagedSpans(source id: Int64) throws -> Int64?
}
