import Foundation

/// How report text is prepared for the suggesters: full-width ASCII to half-width, lower case, and
/// no whitespace, punctuation or symbols — callers' and agents' punctuation carries nothing about
/// the class or the place, and a place name must match across "胜利东小区 南门" and "胜利东小区南门".
public enum SuggestionText {
    /// The prepared text as Unicode scalars (one per Chinese character).
    /// - Parameter foldDigits: ASCII digits become `0`, so that "3号楼" and "12号楼" look alike to
    ///   the classifier; place matching keeps them (house numbers, 第5中学).
    public static func normalise(_ text: String, foldDigits: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            var s = scalar
            if (0xFF01...0xFF5E).contains(s.value), let half = Unicode.Scalar(s.value - 0xFEE0) { s = half }
            if s.properties.isWhitespace || CharacterSet.punctuationCharacters.contains(s) || CharacterSet.symbols.contains(s)
                || CharacterSet.controlCharacters.contains(s) {
                continue
            }
            if s.isASCII {
                if foldDigits, s.value >= 48, s.value <= 57 { s = "0" }
                if s.value >= 65, s.value <= 90, let lower = Unicode.Scalar(s.value + 32) { s = lower }
            }
            out.append(s)
        }
        return out
    }

    /// ``normalise(_:foldDigits:)`` as a string.
    public static func normalisedString(_ text: String, foldDigits: Bool) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: normalise(text, foldDigits: foldDigits))
        return String(view)
    }

    /// The string of `scalars[range]`.
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
