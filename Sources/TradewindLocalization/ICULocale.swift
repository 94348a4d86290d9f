import _FoundationICU

/// A locale identifier ICU will honour as asked: `language_REGION`, optionally with a script
/// (`zh_Hans_CN`) and ICU keywords (`ar_SA@numbers=latn`). BCP 47 dashes are accepted and become
/// ICU's underscores.
struct ICULocale: Hashable, Sendable {
    let identifier: String

    init(_ requested: String) throws(LocalizationError) {
        let identifier = requested.replacingDashes()
        let allowed = identifier.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "=")
                || byte == UInt8(ascii: ";")
        }
        guard allowed, !identifier.isEmpty else {
            throw .invalidLocale(requested, reason: "expected language_REGION, such as ar_SA")
        }
        guard !Self.component(swift_uloc_getCountry, of: identifier).isEmpty else {
            throw .invalidLocale(requested, reason: "a region is required, such as ar_SA rather than ar")
        }
        // ICU answers an unknown language from its root locale without an error; only the resource
        // lookup says so, with U_USING_DEFAULT_WARNING.
        var status = U_ZERO_ERROR
        let bundle = swift_ures_open(nil, identifier, &status)
        swift_ures_close(bundle)
        guard status.rawValue <= U_ZERO_ERROR.rawValue, status != U_USING_DEFAULT_WARNING else {
            let language = Self.component(swift_uloc_getLanguage, of: identifier)
            throw .invalidLocale(requested, reason: "ICU has no data for the language \"\(language)\"")
        }
        self.identifier = identifier
    }

    /// One part of the identifier as ICU parses it (`uloc_getCountry`, `uloc_getLanguage`).
    private static func component(
        _ part: (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int32, UnsafeMutablePointer<UErrorCode>?) ->
            Int32,
        of identifier: String
    ) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        var status = U_ZERO_ERROR
        let length = part(identifier, &buffer, Int32(buffer.count), &status)
        guard status.rawValue <= U_ZERO_ERROR.rawValue, length > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "-" ? "_" : $0 }))
    }
}

extension ICUError {
    init(_ status: UErrorCode) {
        self.init(code: status.rawValue, name: String(cString: swift_u_errorName(status)))
    }
}

extension UErrorCode {
    /// ICU's `U_FAILURE`: warnings are negative, failures positive.
    var isFailure: Bool { rawValue > U_ZERO_ERROR.rawValue }
}
