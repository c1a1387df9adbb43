import ArgumentParser
import MeshLogStore

/// `--side inbound|outbound|both`; the default, `hop`, counts each hop once.
extension TrafficSide: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    public static var allValueStrings: [String] { ["inbound", "outbound", "both"] }

    public var defaultValueDescription: String { self == .hop ? "each hop once" : rawValue }
}
