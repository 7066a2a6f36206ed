import Glibc
import Logging

/// A swift-log handler for a daemon run in a terminal (not under the journal): one line
/// per record on standard error, `2026-12-04T12:00:00+0100 info slot=w01d1 skip w01d1
/// from control`. swift-log's StreamLogHandler adds the label and the module as well
/// (`pgtrackd: [pgtrackd]` on every line), which says nothing in a one-program log.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let prefix = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
        let line = "\(Self.timestamp()) \(event.level) \(prefix)\(event.message)\n"
        writeStandardError(line)
    }

    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes `text` to standard error in one write(2), unbuffered.
public func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
