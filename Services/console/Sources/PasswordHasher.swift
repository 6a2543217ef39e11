import _CryptoExtras
import Crypto
import Foundation

/// Password hashes with scrypt (memory-hard, so guessing on GPUs is expensive). A stored hash
/// reads `scrypt$ln=15,r=8,p=1$<salt>$<key>` (base64): it carries its algorithm and parameters,
/// so an old hash still verifies after the defaults grow, and ``needsRehash(_:)`` tells the
/// sign-in to store a stronger one.
public struct PasswordHasher: Sendable {
    public static let defaultLogN = 15
    public static let allowedLogN = 10...20
    static let blockSize = 8, parallelism = 1, saltBytes = 16, keyBytes = 32

    public let logN: Int

    public init(logN: Int = PasswordHasher.defaultLogN) {
        precondition(Self.allowedLogN.contains(logN), "scrypt log2(N) out of range")
        self.logN = logN
    }

    public func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: Self.saltBytes)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let key = try Self.derive(password, salt: salt, logN: logN, r: Self.blockSize, p: Self.parallelism)
        return "scrypt$ln=\(logN),r=\(Self.blockSize),p=\(Self.parallelism)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches `stored`. A malformed or unknown hash matches nothing.
    public func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Parsed(stored),
              let key = try? Self.derive(password, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p) else { return false }
        return Self.constantTimeEquals(key, parsed.key)
    }

    /// Whether `stored` was made with weaker parameters than this hasher's.
    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Parsed(stored) else { return true }
        return parsed.logN < logN || parsed.r < Self.blockSize
    }

    /// Compares without returning early, so the time taken does not tell how many bytes matched.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool { constantTimeEquals(Array(a.utf8), Array(b.utf8)) }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: keyBytes,
                                           rounds: 1 << logN, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }

    struct Parsed {
        var logN: Int, r: Int, p: Int
        var salt: [UInt8], key: [UInt8]

        init?(_ stored: String) {
            let parts = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, parts[0] == "scrypt" else { return nil }
            var values: [String: Int] = [:]
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, let value = Int(kv[1]) else { return nil }
                values[kv[0]] = value
            }
            // Parameters a stored row could abuse (a huge N) are refused rather than computed.
            guard let logN = values["ln"], PasswordHasher.allowedLogN.contains(logN), let r = values["r"], (1...32).contains(r),
                  let p = values["p"], (1...16).contains(p),
                  let salt = Data(base64Encoded: parts[2]), salt.count >= 8, let key = Data(base64Encoded: parts[3]), key.count == keyBytes
            else { return nil }
            self.logN = logN
            self.r = r
            self.p = p
            self.salt = Array(salt)
            self.key = Array(key)
        }
    }
}

/// Random secrets of the console: session ids, CSRF tokens, generated passwords.
public enum Secrets {
    /// `bytes` random bytes as base64url without padding (256 bits by default).
    public static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the sessions table keeps of a session id: its SHA-256, hex.
    public static func sessionHash(_ id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A password to print once: 16 characters without look-alikes (0/O, 1/l/I).
    public static func password(length: Int = 16) -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
