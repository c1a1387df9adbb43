import CInflate
import Foundation

/// The library that inflates gzip input: Intel's ISA-L when it is there, else zlib.
///
/// ISA-L (about twice as fast) is used when meshlog was built with its header (libisal-dev) and
/// libisal.so.2 loads at run time. `MESHLOG_INFLATE=zlib` forces zlib; `MESHLOG_INFLATE=isal` asks
/// for ISA-L and falls back to zlib, with a note, where it is unavailable.
public enum GzipInflater: String, Sendable, CaseIterable {
    case isal = "isa-l"
    case zlib

    /// What reports call it: "isa-l" or "zlib".
    public var name: String { rawValue }

    /// Whether this inflater can run in this process.
    public var isAvailable: Bool {
        switch self {
        case .isal: Self.isalLoaded
        case .zlib: true
        }
    }

    /// Whether CInflate loaded libisal.so.2 (false in a build without ISA-L's header).
    private static let isalLoaded = meshlog_isal_available() != 0

    /// The inflaters that can run in this process, ISA-L first when it can.
    public static var available: [GzipInflater] { allCases.filter(\.isAvailable) }

    /// The inflater this process uses for gzip input.
    public static var preferred: GzipInflater { selection.inflater }

    /// This process's choice, made once from `MESHLOG_INFLATE` and what is installed.
    public static let selection = select(environment: ProcessInfo.processInfo.environment)

    /// The inflater `environment`'s `MESHLOG_INFLATE` asks for, given whether ISA-L is available.
    public static func select(environment: [String: String], isalAvailable: Bool = GzipInflater.isal.isAvailable) -> Selection {
        let automatic: GzipInflater = isalAvailable ? .isal : .zlib
        guard let value = environment["MESHLOG_INFLATE"], !value.isEmpty else { return Selection(inflater: automatic) }
        switch value.lowercased() {
        case "auto":
            return Selection(inflater: automatic)
        case "zlib":
            return Selection(inflater: .zlib)
        case "isal", "isa-l":
            if isalAvailable { return Selection(inflater: .isal) }
            return Selection(inflater: .zlib, note: "MESHLOG_INFLATE=\(value) but ISA-L is not available "
                + "(built without libisal-dev, or libisal.so.2 is not installed); inflating gzip with zlib")
        default:
            return Selection(inflater: automatic, note: "MESHLOG_INFLATE=\(value) is not isal, zlib or auto; "
                + "inflating gzip with \(automatic.name)")
        }
    }

    /// An inflater chosen from the environment, and why the environment's wish was not followed.
    public struct Selection: Sendable, Equatable {
        /// The inflater to use.
        public var inflater: GzipInflater
        /// Set when `MESHLOG_INFLATE` named an unavailable or unknown inflater.
        public var note: String?
    }
}
