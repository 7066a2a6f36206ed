// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pgtrack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pgtrackd", targets: ["pgtrackd"]),
        .executable(name: "pgtrackctl", targets: ["pgtrackctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "Varlink", dependencies: ["Systemd"]),
        .systemLibrary(name: "CLibical", pkgConfig: "libical", providers: [.apt(["libical-dev"])]),
        .target(name: "PGTrackCalendar", dependencies: ["CLibical", "PGTrackCore"]),
        .target(
            name: "PGTrackCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Plan/Resources"]
        ),
        .executableTarget(
            name: "pgtrackd",
            dependencies: [
                "PGTrackCore",
                "PGTrackCalendar",
                "Systemd",
                "Varlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pgtrackctl",
            dependencies: [
                "PGTrackCore",
                "Varlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd"]),
        .testTarget(name: "VarlinkTests", dependencies: ["Varlink"]),
        .testTarget(name: "PGTrackCalendarTests", dependencies: ["PGTrackCalendar", "CLibical", "PGTrackCore"]),
        .testTarget(
            name: "PGTrackCoreTests",
            dependencies: [
                "PGTrackCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
