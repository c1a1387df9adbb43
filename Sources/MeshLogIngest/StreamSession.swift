import MeshLogCore

/// One input being ingested, fed its lines as they are read: all at once for a file, or a few
/// at a time, with pauses between, for a followed one. Made by `Ingester.beginStream`, which
/// fills in the closures; used from one thread.
final class StreamSession {
    /// How the input ends.
    enum Ending: Equatable {
        /// It ended: a partial line still open is a line too, and the source is done.
        case endOfInput
        /// The run stops while the input may still grow: what was read is stored, a partial line
        /// is left for the next run, and the source stays partial.
        case stopped
        /// The file was truncated under us: the lines read are kept and the source is done; an
        /// unfinished line is gone with the bytes it was in.
        case truncated
    }

    /// The input's name (its source path).
    let name: String
    /// Its row in `source`.
    let sourceID: Int64
    /// Takes one line with its 1-based number; false stops reading (no format found).
    var line: (_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws -> Bool = { _, _ in true }
    /// Takes a line longer than the reader's limit.
    var oversized: (_ number: Int, _ prefix: UnsafeBufferPointer<UInt8>, _ totalLength: Int) throws -> Void = { _, _, _ in }
    /// The stream has no more bytes for now: hands what was read to the writer and lets go of the batch.
    var pause: () throws -> Void = {}
    /// Ends the input: stores what is left, records the source's state and returns its report.
    var end: (_ ending: Ending) throws -> FileReport = { _ in throw StreamSessionError.notStarted }
    /// Lines read and rows stored in this run.
    var counts: () -> (lines: Int, records: Int) = { (0, 0) }
    /// Raw bytes read from the input, for progress.
    var rawBytes: () -> Int64 = { 0 }
    /// Releases the session's own writer thread, if it has one (after an error).
    var close: () -> Void = {}
    /// A read error that ended the input early, recorded with the source.
    var streamError: String?

    init(name: String, sourceID: Int64) {
        self.name = name
        self.sourceID = sourceID
    }

    /// Drops the closures, and with them the state they captured (they also capture the session,
    /// so without this every ended session and its batches would stay in memory).
    func release() {
        line = { _, _ in false }
        oversized = { _, _, _ in }
        pause = {}
        end = { _ in throw StreamSessionError.notStarted }
        counts = { (0, 0) }
        rawBytes = { 0 }
        close = {}
    }
}

/// A session used before `Ingester.beginStream` set it up.
enum StreamSessionError: Error {
    case notStarted
}
