import CSystemd
import FoundationEssentials
import Glibc
import Logging

/// A swift-log handler that writes to the systemd journal with structured fields.
///
/// Each record carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`,
/// `CODE_LINE`, `CODE_FUNC`, and every metadata key upper-cased with a prefix
/// (`slot` becomes `PGTRACK_SLOT` with prefix `PGTRACK_`).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let identifier: String
    let fieldPrefix: String

    public init(identifier: String, fieldPrefix: String) {
        self.identifier = identifier
        self.fieldPrefix = fieldPrefix
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog priorities, as the journal's PRIORITY field wants them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// A journal field name: upper-case letters, digits and underscores.
    static func fieldName(_ key: String, prefix: String) -> String {
        prefix + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    public func log(event: LogEvent) {
        log(level: event.level, message: event.message, metadata: event.metadata, source: event.source, file: event.file,
            function: event.function, line: event.line)
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var fields = [
            "MESSAGE=\(message)",
            "PRIORITY=\(Self.priority(level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) {
            fields.append("\(Self.fieldName(key, prefix: fieldPrefix))=\(value)")
        }
        JournalLogHandler.send(fields)
    }

    /// `sd_journal_sendv`: one iovec per field, no variadic call.
    static func send(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        func build(_ i: Int) {
            if i == buffers.count {
                _ = sd_journal_sendv(iovecs, Int32(iovecs.count))
                return
            }
            buffers[i].withUnsafeBytes { raw in
                iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
                build(i + 1)
            }
        }
        build(0)
    }
}
