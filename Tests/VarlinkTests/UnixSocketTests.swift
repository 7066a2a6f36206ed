import Foundation
import Glibc
import SystemPackage
import Testing
@testable import Varlink
import PGTrackTestSupport

@Suite struct UnixSocketTests {
    func tempPath() -> String {
        TemporaryFolder.root + "/sock-" + String(UUID().uuidString.prefix(8)) + "/control.sock"
    }

    @Test func listenCreatesPrivateSocketAndRefusesASecond() throws {
        let path = tempPath()
        let fd = try UnixSocket.listen(path: path)
        defer { try? fd.close() }
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(stat((path as NSString).deletingLastPathComponent, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o700)
        #expect(throws: SocketError("another process is answering on \(path)", errno: .addressInUse)) {
            try UnixSocket.listen(path: path)
        }
    }

    @Test func peerCredentialsAreOurs() throws {
        let path = tempPath()
        let listener = try UnixSocket.listen(path: path)
        defer { try? listener.close() }
        let client = try UnixSocket.connect(path: path)
        defer { try? client.close() }
        let server = try UnixSocket.accept(listener).get()
        defer { try? server.close() }
        let cred = try UnixSocket.peerCredentials(server)
        #expect(cred.uid == getuid())
        #expect(cred.gid == getgid())
        #expect(cred.pid == getpid())
        #expect(MemoryLayout<PeerCredentials>.size == 12)
    }

    @Test func tooLongPathsAreRefused() {
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SocketError("socket path too long: \(long)", errno: .fileNameTooLong)) { try UnixSocket.connect(path: long) }
    }
}
