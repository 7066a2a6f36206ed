// swift-tools-version:6.1
// libFuzzer targets for pgtrack's parsers; built with `swift build --sanitize fuzzer`
// (see `make fuzz`), so they live apart from the main package's normal builds.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is wherever the repository was cloned.
let main = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "pgtrack-fuzz",
    dependencies: [
        .package(path: ".."),
        // toml++ through TOMLKit: only fuzz-toml's oracle and bench-toml's yardstick; pgtrack itself no longer uses it.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .executableTarget(name: "fuzz-varlink", dependencies: [.product(name: "Varlink", package: main),
                                                               .product(name: "PGTrackAPI", package: main)],
                          swiftSettings: fuzzer),
        .executableTarget(name: "fuzz-plan", dependencies: [.product(name: "PGTrackCore", package: main)], swiftSettings: fuzzer),
        .executableTarget(name: "fuzz-config", dependencies: [.product(name: "PGTrackConfig", package: main)], swiftSettings: fuzzer),
        .executableTarget(name: "fuzz-toml", dependencies: [.product(name: "TOML", package: main),
                                                            .product(name: "TOMLKit", package: "TOMLKit")],
                          swiftSettings: fuzzer),
        // Not a fuzzer: config/pgtrack.toml loaded N times by each parser; built in release without sanitizers.
        .executableTarget(name: "bench-toml", dependencies: [.product(name: "TOML", package: main),
                                                            .product(name: "TOMLKit", package: "TOMLKit")]),
        .executableTarget(name: "fuzz-time", dependencies: [.product(name: "PGTrackCore", package: main),
                                                            .product(name: "PGTrackPlatform", package: main)], swiftSettings: fuzzer),
        .executableTarget(name: "fuzz-busy", dependencies: [.product(name: "PGTrackCalendar", package: main),
                                                            .product(name: "PGTrackCore", package: main),
                                                            .product(name: "PGTrackPlatform", package: main)],
                          swiftSettings: fuzzer),
    ]
)
