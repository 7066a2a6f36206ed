import Glibc
import PGTrackCore
import Systemd

/// Gives back the memory start-up used and the daemon will not touch again while idle.
///
/// Loading the config, the plan and the ledger, writing the calendar and linking a
/// dozen shared libraries touch code and data pages that an idle daemon never needs:
/// they stay mapped and count in its resident set (more so because the kernel maps 16
/// neighbouring pages on each file-page fault). Once the loop has been quiet for a
/// second after start-up, and after later work at most once a minute, pgtrackd returns
/// them: freed heap with `malloc_trim`, every page of a read-only file mapping with
/// `MADV_DONTNEED`, and in the other file mappings (the binary's data segment, where
/// the linker also put `.rodata`) each page that `/proc/self/pagemap` shows still
/// file-backed, never written. Such a page is exactly the file's content, so the
/// kernel reads it back from the page cache if it is touched again. Private copies
/// (relocated data, anything written) are never advised: that would discard them. The
/// page-by-page pass runs only while the process has a single thread, so nothing can
/// write a page between the check and the advice.
enum ResidentSet {
    /// How long the loop must have been idle before a trim.
    static let quietPeriod = Microseconds.seconds(1)
    /// Trims after the first are at least this far apart: a status bar polling every
    /// few seconds would otherwise have the daemon trim and fault the same pages back
    /// in over and over.
    static let minimumInterval = Microseconds.seconds(60)

    /// Returns the pages; the count of bytes advised away, for the debug log.
    @discardableResult
    static func trim() -> Int {
        _ = mallocTrim(0)
        guard let smaps = Files.read("/proc/self/smaps") else { return 0 }
        var regions: [Region] = []
        for line in String(decoding: smaps, as: UTF8.self).split(separator: "\n") {
            if let header = parseHeader(line) {
                regions.append(header)
            } else if line.hasPrefix("Anonymous:"), !regions.isEmpty {
                let kilobytes = line.split(separator: " ").dropFirst().first
                regions[regions.count - 1].anonymous = kilobytes.flatMap { Int($0) } ?? 1
            }
        }
        var advised = 0
        let pagemap = threadCount() == 1 ? open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC) : -1
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        for r in regions where pagemap >= 0 && r.isFile && (r.writable || r.anonymous > 0) {
            let count = Int((r.end - r.start) / page)
            var entries = [UInt64](repeating: 0, count: count)
            let want = count * 8
            let got = entries.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress, want, off_t(r.start / page * 8)) }
            guard got == want else { continue }
            // Present (bit 63) and file-backed (bit 61): never written, equal to the file.
            var i = 0
            while i < count {
                guard entries[i] >> 63 & 1 == 1, entries[i] >> 61 & 1 == 1 else { i += 1; continue }
                var j = i
                while j < count, entries[j] >> 63 & 1 == 1, entries[j] >> 61 & 1 == 1 { j += 1 }
                let p = UnsafeMutableRawPointer(bitPattern: r.start + UInt(i) * page)
                if madvise(p, (j - i) * Int(page), MADV_DONTNEED) == 0 { advised += (j - i) * Int(page) }
                i = j
            }
        }
        if pagemap >= 0 { close(pagemap) }
        // Last, so that little code runs (and faults its pages back) after it.
        for r in regions where r.isFile && !r.writable && r.anonymous == 0 {
            let p = UnsafeMutableRawPointer(bitPattern: r.start)
            if madvise(p, Int(r.end - r.start), MADV_DONTNEED) == 0 { advised += Int(r.end - r.start) }
        }
        return advised
    }

    /// Threads in this process (`Threads:` in /proc/self/status).
    private static func threadCount() -> Int {
        guard let status = Files.read("/proc/self/status"),
              let line = String(decoding: status, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("Threads:") })
        else { return 0 }
        let value = line.dropFirst("Threads:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
        return value.flatMap { Int($0) } ?? 0
    }

    private struct Region {
        var start: UInt
        var end: UInt
        /// Backed by a file (inode not 0) and mapped private (copy on write).
        var isFile: Bool
        var writable: Bool
        /// Kilobytes of private copies in it (smaps' `Anonymous:`).
        var anonymous = 0
    }

    /// A region's header line, `start-end perms offset dev inode [path]`; nil for the
    /// field lines (`Rss:   12 kB`) between headers.
    private static func parseHeader(_ line: Substring) -> Region? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 5, let dash = fields[0].firstIndex(of: "-"),
              let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16)
        else { return nil }
        let perms = fields[1]
        let isFile = fields.count >= 6 && fields[5].hasPrefix("/") && fields[4] != "0" && perms.hasSuffix("p")
        return Region(start: start, end: end, isFile: isFile, writable: perms.contains("w"))
    }
}

/// glibc's `malloc_trim`, which the Glibc module does not export.
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
