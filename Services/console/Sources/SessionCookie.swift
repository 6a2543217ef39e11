/// The session cookie's one spelling. HttpOnly keeps it from page scripts, SameSite=Strict keeps
/// other sites' pages from sending it, Path=/ because pages and API share the origin.
public enum SessionCookie {
    public static let name = "cg_session"

    public static func set(_ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }

    /// Tells the browser to forget the cookie (sign-out, or a session the server no longer knows).
    public static func clear(secure: Bool) -> String { set("", maxAge: 0, secure: secure) }
}
