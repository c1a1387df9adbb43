// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "meshlog",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "meshlog", targets: ["meshlog"]),
        .library(name: "MeshLogCore", targets: ["MeshLogCore"]),
        .library(name: "MeshLogStore", targets: ["MeshLogStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "MeshLogCore", dependencies: ["CZlib"]),
        .target(name: "MeshLogStore", dependencies: ["MeshLogCore", "CSQLite"]),
        .target(name: "MeshLogIngest", dependencies: ["MeshLogCore", "MeshLogStore"]),
        .target(name: "MeshLogAnalysis", dependencies: ["MeshLogCore", "MeshLogStore"]),
        .executableTarget(
            name: "meshlog",
            dependencies: [
                "MeshLogCore", "MeshLogStore", "MeshLogIngest", "MeshLogAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MeshLogCoreTests", dependencies: ["MeshLogCore"]),
        .testTarget(name: "MeshLogStoreTests", dependencies: ["MeshLogStore"]),
        .testTarget(name: "MeshLogIngestTests", dependencies: ["MeshLogIngest", "MeshLogStore", "MeshLogCore"]),
    ]
)
