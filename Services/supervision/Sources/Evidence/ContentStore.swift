import Crypto
import Foundation

/// A file's address in the store: the lowercase hex SHA-256 of its bytes.
public struct ContentAddress: Sendable, Hashable, CustomStringConvertible {
    public let sha256: String

    /// The address of `bytes`.
    public init<Bytes: DataProtocol>(of bytes: Bytes) {
        sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// An address read back (from a record); nil unless 64 lowercase hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        sha256 = hex
    }

    public var description: String { sha256 }

    /// `sha256/ab/cd/<hash>`: two levels of 256 folders keep any one folder small (a million
    /// files leave about 15 per folder), and the algorithm's name leaves room for another one.
    public var relativePath: String {
        let hex = Array(sha256)
        return "sha256/\(String(hex[0...1]))/\(String(hex[2...3]))/\(sha256)"
    }

    /// The folder the file lives in, relative to the store's root.
    public var relativeFolder: String { (relativePath as NSString).deletingLastPathComponent }
}

/// Why the store could not do what it was asked.
public struct ContentStoreError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var errno: Int32
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// Files by content address under one folder (`CITYGRID_EVIDENCE_DIR`), written so that a file
/// that is there is whole and on disk: written to a temporary name in its own folder, fsynced,
/// renamed into place, and the folder fsynced, so a crash leaves either nothing or the whole file
/// under its name (at worst a stray `.tmp-` file that ``removeStaleTemporaries(olderThan:)``
/// clears). Every call blocks; callers run it on a connection's own thread, never on the
/// cooperative pool.
public struct ContentStore: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    static let temporaryPrefix = ".tmp-"

    public func path(of address: ContentAddress) -> String { root.appendingPathComponent(address.relativePath).path }

    /// Creates the root (and its parents) if needed and checks that a file can be written there.
    public func prepare() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let probe = root.appendingPathComponent("\(Self.temporaryPrefix)probe-\(UUID().uuidString)").path
        let fd = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ContentStoreError(operation: "create", path: probe, errno: errno) }
        close(fd)
        unlink(probe)
    }

    public func exists(_ address: ContentAddress) -> Bool {
        var info = stat()
        return stat(path(of: address), &info) == 0
    }

    /// Stores `bytes` under `address` unless a file is already there (same address, same
    /// content). Returns whether a new file was written. On return the file and its name are on
    /// disk.
    @discardableResult
    public func put(_ bytes: Data, at address: ContentAddress) throws -> Bool {
        if exists(address) { return false }
        let folder = root.appendingPathComponent(address.relativeFolder)
        try makeFolders(folder)
        let temporary = folder.appendingPathComponent("\(Self.temporaryPrefix)\(UUID().uuidString.lowercased())").path
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ContentStoreError(operation: "create", path: temporary, errno: errno) }
        var closed = false
        defer { if !closed { close(fd); unlink(temporary) } }
        try bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ContentStoreError(operation: "write", path: temporary, errno: errno)
                }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw ContentStoreError(operation: "fsync", path: temporary, errno: errno) }
        closed = true
        guard close(fd) == 0 else { unlink(temporary); throw ContentStoreError(operation: "close", path: temporary, errno: errno) }
        guard rename(temporary, path(of: address)) == 0 else {
            let code = errno
            unlink(temporary)
            throw ContentStoreError(operation: "rename", path: temporary, errno: code)
        }
        try syncFolder(folder.path)
        return true
    }

    /// The file's bytes, or nil when it is not there.
    public func read(_ address: ContentAddress) throws -> Data? {
        guard exists(address) else { return nil }
        return try Data(contentsOf: URL(fileURLWithPath: path(of: address)))
    }

    /// Removes the file (a missing one is fine) and makes the removal durable.
    public func remove(_ address: ContentAddress) throws {
        let file = path(of: address)
        if unlink(file) != 0 && errno != ENOENT { throw ContentStoreError(operation: "unlink", path: file, errno: errno) }
        try syncFolder((file as NSString).deletingLastPathComponent)
    }

    /// Deletes temporary files a crash left behind, older than `age` seconds (a running upload's
    /// own temporary file lives for well under a second). Returns how many went.
    @discardableResult
    public func removeStaleTemporaries(olderThan age: TimeInterval, now: Date = Date()) -> Int {
        let folder = root.appendingPathComponent("sha256")
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.contentModificationDateKey],
                                                          options: []) else { return 0 }
        var removed = 0
        for case let url as URL in walker where url.lastPathComponent.hasPrefix(Self.temporaryPrefix) {
            let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate ?? now
            if now.timeIntervalSince(modified) > age, unlink(url.path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Creates `folder` and any missing parents below the root, fsyncing each parent that gained
    /// an entry so the new folders survive a crash.
    func makeFolders(_ folder: URL) throws {
        var missing: [URL] = []
        var current = folder
        while current.path.count > root.path.count, !FileManager.default.fileExists(atPath: current.path) {
            missing.insert(current, at: 0)
            current.deleteLastPathComponent()
        }
        for created in missing {
            if mkdir(created.path, 0o750) != 0 && errno != EEXIST {
                throw ContentStoreError(operation: "mkdir", path: created.path, errno: errno)
            }
            try syncFolder(created.deletingLastPathComponent().path)
        }
    }

    func syncFolder(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ContentStoreError(operation: "open folder", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ContentStoreError(operation: "fsync folder", path: path, errno: errno) }
    }
}
