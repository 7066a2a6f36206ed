import PGTrackCore

/// The Markdown plan parser on any text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let plan = try? PlanParser.parse(text, file: "fuzz.md", maxTasksPerWeek: 7) {
        _ = plan.tasks.map(\.plainTitle)
        _ = plan.shortName
    }
    return 0
}
