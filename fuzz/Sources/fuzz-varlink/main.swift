import PGTrackAPI
import Varlink

/// The Varlink framing, JSON decoding, call parsing and parameter validation on bytes
/// as a client could send them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var framer = Framer(maxMessage: 4096)
    // Feed in two pieces, as partial reads arrive.
    let cut = size / 2
    var outputs = framer.feed(bytes[0..<cut])
    outputs += framer.feed(bytes[cut...])
    for case .message(let m) in outputs {
        guard let json = try? JSON.parse(m) else { continue }
        _ = json.text
        guard let call = try? Call(json: json) else { continue }
        if let interface = try? Interface(TrackerInterface.text) {
            try? interface.validate(parameters: call.parameters, of: call.name)
        }
    }
    if let text = String(validating: bytes, as: UTF8.self) { _ = try? Interface(text) }
    return 0
}
