//! The one error type of the crate, with stable codes.
//!
//! Every way a token, a key set or a configuration can be refused is a variant of [`Error`]. Each
//! variant maps to an [`ErrorCode`]: a stable `ERR_*` string and a fixed number that is never
//! reused. Messages never contain a token, a secret or key material: at most a claim name, an
//! algorithm name, a length, or a source name (`auth`, a configured external URL, or
//! `plugin:<id>` with an id of at most 128 characters of `[A-Za-z0-9_-]`).

use std::ffi::CStr;
use std::fmt;

/// A NUL-terminated literal as a `CStr`, checked at compile time.
pub(crate) const fn cstr(with_nul: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(with_nul.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("not a NUL-terminated string without interior NUL"),
    }
}

/// The family an error belongs to. Bindings use it to pick an exception class or error name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorFamily {
    /// The token (or `Authorization` header) is not a well-formed JWS compact token.
    Malformed,
    /// No key could be used: algorithm policy, key selection, key set contents.
    Key,
    /// The signature did not verify.
    Signature,
    /// The claims are not acceptable (time, issuer, audience, type, required claims).
    Claims,
    /// The token is valid but Backstage semantics refuse it (limited token, unknown kind).
    Authentication,
    /// The token is valid but may not be used for this plugin (Backstage answers 403).
    NotAllowed,
    /// The caller's configuration, options or arguments are invalid.
    Config,
}

impl ErrorFamily {
    /// A short stable name: `malformed`, `key`, `signature`, `claims`, `authentication`,
    /// `not_allowed`, `config`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorFamily::Malformed => "malformed",
            ErrorFamily::Key => "key",
            ErrorFamily::Signature => "signature",
            ErrorFamily::Claims => "claims",
            ErrorFamily::Authentication => "authentication",
            ErrorFamily::NotAllowed => "not_allowed",
            ErrorFamily::Config => "config",
        }
    }

    /// [`ErrorFamily::as_str`] NUL-terminated, for C callers.
    pub fn as_cstr(self) -> &'static CStr {
        match self {
            ErrorFamily::Malformed => c"malformed",
            ErrorFamily::Key => c"key",
            ErrorFamily::Signature => c"signature",
            ErrorFamily::Claims => c"claims",
            ErrorFamily::Authentication => c"authentication",
            ErrorFamily::NotAllowed => c"not_allowed",
            ErrorFamily::Config => c"config",
        }
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $num:literal, $code:literal, $family:ident; )*) => {
        /// The stable, machine-readable code of an [`Error`].
        ///
        /// The numbers are fixed: a retired code keeps its number reserved forever.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $name = $num, )*
        }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$name, )* ];

            /// The stable string code, e.g. `ERR_TOKEN_EXPIRED`.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$name => $code, )* }
            }

            /// [`ErrorCode::as_str`] NUL-terminated, for C callers.
            pub fn as_cstr(self) -> &'static CStr {
                match self {
                    $( ErrorCode::$name => {
                        const C: &CStr = cstr(concat!($code, "\0"));
                        C
                    } )*
                }
            }

            /// The stable number of this code.
            pub fn number(self) -> u32 {
                self as u32
            }

            /// The code with this number, if there is one.
            pub fn from_number(number: u32) -> Option<ErrorCode> {
                match number { $( $num => Some(ErrorCode::$name), )* _ => None }
            }

            /// The code with this string, if there is one.
            pub fn from_str_code(code: &str) -> Option<ErrorCode> {
                match code { $( $code => Some(ErrorCode::$name), )* _ => None }
            }

            /// The family of the code.
            pub fn family(self) -> ErrorFamily {
                match self { $( ErrorCode::$name => ErrorFamily::$family, )* }
            }
        }
    };
}

error_codes! {
    /// No token was presented (empty string, or no `Authorization` header).
    TokenMissing = 100, "ERR_TOKEN_MISSING", Malformed;
    /// The token is longer than the configured maximum.
    TokenTooLarge = 101, "ERR_TOKEN_TOO_LARGE", Malformed;
    /// The protected header segment is longer than the configured maximum.
    HeaderTooLarge = 102, "ERR_HEADER_TOO_LARGE", Malformed;
    /// The token does not have exactly three dot-separated segments.
    SegmentCount = 103, "ERR_JWS_SEGMENTS", Malformed;
    /// A segment is not strict base64url (URL alphabet, no padding, no whitespace, canonical bits).
    Base64 = 104, "ERR_JWS_BASE64", Malformed;
    /// The header or the payload is not a UTF-8 JSON object.
    Json = 105, "ERR_JWS_JSON", Malformed;
    /// A JSON object in the header or payload names the same member twice.
    DuplicateMember = 106, "ERR_JWS_DUPLICATE_MEMBER", Malformed;
    /// JSON nesting in the header or payload is deeper than allowed.
    NestingTooDeep = 107, "ERR_JWS_NESTING", Malformed;
    /// A header member has the wrong type (`alg` not a string, `kid` not a string, ...).
    HeaderInvalid = 108, "ERR_JWS_HEADER_INVALID", Malformed;
    /// The header carries a `crit` member; no extension is supported.
    CriticalHeader = 109, "ERR_JWS_CRIT", Malformed;
    /// The header asks for an unencoded payload (`b64: false`).
    UnencodedPayload = 110, "ERR_JWS_UNENCODED_PAYLOAD", Malformed;
    /// The `Authorization` header does not match `^Bearer[ ]+(\S+)$` (case-insensitive).
    AuthorizationHeader = 111, "ERR_AUTHORIZATION_HEADER", Malformed;

    /// The header's `alg` is `none`: unsigned tokens never verify.
    AlgNone = 200, "ERR_ALG_NONE", Key;
    /// The header's `alg` is not allowed by the verification policy.
    AlgNotAllowed = 201, "ERR_ALG_NOT_ALLOWED", Key;
    /// The header's `alg` is not an algorithm this library implements.
    AlgUnsupported = 202, "ERR_ALG_UNSUPPORTED", Key;
    /// No key of the key set fits the token's `alg` and `kid`.
    NoMatchingKey = 203, "ERR_JWKS_NO_MATCHING_KEY", Key;
    /// Several keys fit the token's `alg` and `kid` (a token without `kid` needs exactly one).
    MultipleMatchingKeys = 204, "ERR_JWKS_MULTIPLE_MATCHING_KEYS", Key;
    /// The JWKS document is not a JSON object with a `keys` array.
    JwksInvalid = 205, "ERR_JWKS_INVALID", Key;
    /// The JWKS document has no usable key.
    JwksNoUsableKey = 206, "ERR_JWKS_NO_USABLE_KEY", Key;
    /// A single JWK cannot be used (reported for skipped keys).
    JwkInvalid = 207, "ERR_JWK_INVALID", Key;
    /// The keys of a source are not loaded and cannot be fetched now.
    KeysUnavailable = 208, "ERR_KEYS_UNAVAILABLE", Key;

    /// The signature does not verify with the selected key.
    SignatureInvalid = 300, "ERR_SIGNATURE_INVALID", Signature;
    /// The signature has the wrong length for the algorithm (ECDSA must be raw `r||s`).
    SignatureFormat = 301, "ERR_SIGNATURE_FORMAT", Signature;

    /// A registered claim has the wrong JSON type (`exp` as a string, `aud` as a number, ...).
    ClaimType = 400, "ERR_CLAIM_TYPE", Claims;
    /// A required claim is absent.
    ClaimMissing = 401, "ERR_CLAIM_MISSING", Claims;
    /// `exp` is at or before now (minus leeway).
    Expired = 402, "ERR_TOKEN_EXPIRED", Claims;
    /// `nbf` is after now (plus leeway).
    NotYetValid = 403, "ERR_TOKEN_NOT_YET_VALID", Claims;
    /// `iat` is after now (plus leeway) and the policy rejects future `iat`.
    IssuedInFuture = 404, "ERR_TOKEN_ISSUED_IN_FUTURE", Claims;
    /// `iss` is not one of the configured issuers.
    IssuerMismatch = 405, "ERR_ISSUER_MISMATCH", Claims;
    /// `aud` contains none of the configured audiences.
    AudienceMismatch = 406, "ERR_AUDIENCE_MISMATCH", Claims;
    /// The header's `typ` is not one of the allowed types.
    TypMismatch = 407, "ERR_TYP_MISMATCH", Claims;

    /// A limited user token was presented where limited access is not allowed.
    LimitedTokenNotAllowed = 500, "ERR_LIMITED_TOKEN_NOT_ALLOWED", Authentication;
    /// A plugin token's `sub` is not a valid plugin id.
    PluginSubjectInvalid = 501, "ERR_PLUGIN_SUBJECT_INVALID", Authentication;
    /// The user token in a plugin token's `obo` claim is not a valid user token.
    OboInvalid = 502, "ERR_OBO_INVALID", Authentication;
    /// No configured verifier accepts the token (Backstage's "Illegal token").
    TokenNotAccepted = 503, "ERR_TOKEN_NOT_ACCEPTED", Authentication;
    /// The token's access is restricted to other plugins (Backstage answers 403).
    AccessRestricted = 504, "ERR_ACCESS_RESTRICTED", NotAllowed;

    /// The authenticator configuration is invalid.
    InvalidConfig = 600, "ERR_INVALID_CONFIG", Config;
    /// The verification options are invalid.
    InvalidOptions = 601, "ERR_INVALID_OPTIONS", Config;
    /// An argument passed through a binding is invalid (NULL, not UTF-8, wrong type).
    InvalidArgument = 602, "ERR_INVALID_ARGUMENT", Config;
    /// An internal failure (a caught panic at a language boundary). Never expected.
    Internal = 603, "ERR_INTERNAL", Config;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of a token a malformation was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// The protected header (first segment).
    Header,
    /// The payload (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl Segment {
    fn as_str(self) -> &'static str {
        match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        }
    }
}

/// Why verification or authentication failed.
///
/// Use [`Error::code`] for a stable machine-readable code; `Display` gives a human message that
/// never contains the token, a secret or key material.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No token was presented.
    TokenMissing,
    /// The token is longer than `max` characters.
    TokenTooLarge {
        /// The configured maximum.
        max: usize,
    },
    /// The header segment is longer than `max` characters.
    HeaderTooLarge {
        /// The configured maximum.
        max: usize,
    },
    /// The token does not have exactly three segments.
    SegmentCount {
        /// How many segments it has.
        found: usize,
    },
    /// A segment is not strict base64url.
    Base64 {
        /// The segment.
        segment: Segment,
    },
    /// The header or payload is not a UTF-8 JSON object.
    Json {
        /// The segment.
        segment: Segment,
    },
    /// A JSON object names a member twice.
    DuplicateMember {
        /// The segment.
        segment: Segment,
    },
    /// JSON nesting is deeper than allowed.
    NestingTooDeep {
        /// The segment.
        segment: Segment,
        /// The maximum depth.
        max: usize,
    },
    /// A header member has the wrong type.
    HeaderInvalid {
        /// The member.
        member: &'static str,
    },
    /// The header has a `crit` member.
    CriticalHeader,
    /// The header has `b64: false`.
    UnencodedPayload,
    /// The `Authorization` header is not `Bearer <token>`.
    AuthorizationHeader,
    /// `alg` is `none`.
    AlgNone,
    /// `alg` is not allowed by the policy.
    AlgNotAllowed {
        /// The algorithm's name (only supported names are echoed).
        alg: String,
    },
    /// `alg` is not implemented.
    AlgUnsupported,
    /// No key fits.
    NoMatchingKey {
        /// Whether a reload of the source was refused by the refresh policy.
        reload_throttled: bool,
    },
    /// Several keys fit.
    MultipleMatchingKeys,
    /// The JWKS document is malformed.
    JwksInvalid {
        /// What is wrong with it.
        reason: String,
    },
    /// The JWKS document has no usable key.
    JwksNoUsableKey {
        /// How many keys were skipped.
        skipped: usize,
    },
    /// One JWK is unusable.
    JwkInvalid {
        /// Why.
        reason: String,
    },
    /// The keys of a source are not loaded and cannot be fetched now.
    KeysUnavailable {
        /// The source, as [`crate::Source`] displays it.
        source: String,
    },
    /// The signature does not verify.
    SignatureInvalid,
    /// The signature has the wrong length.
    SignatureFormat {
        /// The expected length in bytes.
        expected: usize,
    },
    /// A claim has the wrong JSON type.
    ClaimType {
        /// The claim.
        claim: String,
        /// The type it must have.
        expected: &'static str,
    },
    /// A required claim is absent.
    ClaimMissing {
        /// The claim.
        claim: String,
    },
    /// The token has expired.
    Expired,
    /// The token is not yet valid.
    NotYetValid,
    /// `iat` is in the future.
    IssuedInFuture,
    /// `iss` is not accepted.
    IssuerMismatch,
    /// `aud` is not accepted.
    AudienceMismatch,
    /// `typ` is not accepted.
    TypMismatch,
    /// A limited user token where limited access is not allowed.
    LimitedTokenNotAllowed,
    /// A plugin token's subject is not a plugin id.
    PluginSubjectInvalid,
    /// The `obo` user token is invalid.
    OboInvalid {
        /// The code of the error the `obo` token failed with.
        cause: ErrorCode,
    },
    /// No configured verifier accepts the token.
    TokenNotAccepted,
    /// The token's access is restricted to other plugins.
    AccessRestricted {
        /// The plugins it is restricted to.
        plugins: Vec<String>,
    },
    /// The configuration is invalid.
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The options are invalid.
    InvalidOptions {
        /// What is wrong.
        reason: String,
    },
    /// An argument from a binding is invalid.
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// An internal failure.
    Internal,
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        use Error as E;
        use ErrorCode as C;
        match self {
            E::TokenMissing => C::TokenMissing,
            E::TokenTooLarge { .. } => C::TokenTooLarge,
            E::HeaderTooLarge { .. } => C::HeaderTooLarge,
            E::SegmentCount { .. } => C::SegmentCount,
            E::Base64 { .. } => C::Base64,
            E::Json { .. } => C::Json,
            E::DuplicateMember { .. } => C::DuplicateMember,
            E::NestingTooDeep { .. } => C::NestingTooDeep,
            E::HeaderInvalid { .. } => C::HeaderInvalid,
            E::CriticalHeader => C::CriticalHeader,
            E::UnencodedPayload => C::UnencodedPayload,
            E::AuthorizationHeader => C::AuthorizationHeader,
            E::AlgNone => C::AlgNone,
            E::AlgNotAllowed { .. } => C::AlgNotAllowed,
            E::AlgUnsupported => C::AlgUnsupported,
            E::NoMatchingKey { .. } => C::NoMatchingKey,
            E::MultipleMatchingKeys => C::MultipleMatchingKeys,
            E::JwksInvalid { .. } => C::JwksInvalid,
            E::JwksNoUsableKey { .. } => C::JwksNoUsableKey,
            E::JwkInvalid { .. } => C::JwkInvalid,
            E::KeysUnavailable { .. } => C::KeysUnavailable,
            E::SignatureInvalid => C::SignatureInvalid,
            E::SignatureFormat { .. } => C::SignatureFormat,
            E::ClaimType { .. } => C::ClaimType,
            E::ClaimMissing { .. } => C::ClaimMissing,
            E::Expired => C::Expired,
            E::NotYetValid => C::NotYetValid,
            E::IssuedInFuture => C::IssuedInFuture,
            E::IssuerMismatch => C::IssuerMismatch,
            E::AudienceMismatch => C::AudienceMismatch,
            E::TypMismatch => C::TypMismatch,
            E::LimitedTokenNotAllowed => C::LimitedTokenNotAllowed,
            E::PluginSubjectInvalid => C::PluginSubjectInvalid,
            E::OboInvalid { .. } => C::OboInvalid,
            E::TokenNotAccepted => C::TokenNotAccepted,
            E::AccessRestricted { .. } => C::AccessRestricted,
            E::InvalidConfig { .. } => C::InvalidConfig,
            E::InvalidOptions { .. } => C::InvalidOptions,
            E::InvalidArgument { .. } => C::InvalidArgument,
            E::Internal => C::Internal,
        }
    }

    /// The family of this error.
    pub fn family(&self) -> ErrorFamily {
        self.code().family()
    }

    /// The HTTP status a Backstage backend answers with ([`ErrorCode::http_status`]).
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }
}

impl ErrorCode {
    /// The HTTP status a Backstage backend answers with: 403 for [`ErrorFamily::NotAllowed`],
    /// 500 for [`ErrorFamily::Config`], 401 for everything else.
    pub fn http_status(self) -> u16 {
        match self.family() {
            ErrorFamily::NotAllowed => 403,
            ErrorFamily::Config => 500,
            _ => 401,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error as E;
        match self {
            E::TokenMissing => f.write_str("no token was presented"),
            E::TokenTooLarge { max } => write!(f, "the token is longer than {max} characters"),
            E::HeaderTooLarge { max } => {
                write!(f, "the token header is longer than {max} characters")
            }
            E::SegmentCount { found } => write!(
                f,
                "a JWS compact token has exactly 3 dot-separated segments, this one has {found}"
            ),
            E::Base64 { segment } => write!(
                f,
                "the token {} is not strict base64url (URL alphabet, no padding, no whitespace)",
                segment.as_str()
            ),
            E::Json { segment } => write!(
                f,
                "the token {} is not a UTF-8 JSON object",
                segment.as_str()
            ),
            E::DuplicateMember { segment } => write!(
                f,
                "the token {} has a JSON object with a duplicate member name",
                segment.as_str()
            ),
            E::NestingTooDeep { segment, max } => write!(
                f,
                "the token {} nests JSON deeper than {max} levels",
                segment.as_str()
            ),
            E::HeaderInvalid { member } => {
                write!(f, "the token header member \"{member}\" has the wrong type")
            }
            E::CriticalHeader => f.write_str(
                "the token header has a \"crit\" member naming extensions this verifier does not support",
            ),
            E::UnencodedPayload => {
                f.write_str("the token asks for an unencoded payload (\"b64\": false)")
            }
            E::AuthorizationHeader => {
                f.write_str("the Authorization header is not of the form \"Bearer <token>\"")
            }
            E::AlgNone => f.write_str("unsigned tokens (\"alg\": \"none\") are never accepted"),
            E::AlgNotAllowed { alg } => {
                write!(f, "the algorithm {alg} is not allowed by the verification policy")
            }
            E::AlgUnsupported => f.write_str("the token's \"alg\" is not a supported algorithm"),
            E::NoMatchingKey { reload_throttled } => {
                f.write_str("no key in the key set matches the token's \"alg\" and \"kid\"")?;
                if *reload_throttled {
                    f.write_str(" (a reload of the key set is not allowed yet)")?;
                }
                Ok(())
            }
            E::MultipleMatchingKeys => f.write_str(
                "several keys in the key set match the token's \"alg\" and \"kid\"",
            ),
            E::JwksInvalid { reason } => write!(f, "the JWKS document is invalid: {reason}"),
            E::JwksNoUsableKey { skipped } => write!(
                f,
                "the JWKS document has no usable key ({skipped} skipped)"
            ),
            E::JwkInvalid { reason } => write!(f, "unusable key: {reason}"),
            E::KeysUnavailable { source } => write!(
                f,
                "the keys of {source} are not loaded and cannot be fetched now"
            ),
            E::SignatureInvalid => f.write_str("the token signature is invalid"),
            E::SignatureFormat { expected } => write!(
                f,
                "the token signature must be exactly {expected} bytes for its algorithm"
            ),
            E::ClaimType { claim, expected } => {
                write!(f, "the \"{claim}\" claim must be {expected}")
            }
            E::ClaimMissing { claim } => write!(f, "the required \"{claim}\" claim is missing"),
            E::Expired => f.write_str("the token has expired (\"exp\" is not after now)"),
            E::NotYetValid => f.write_str("the token is not yet valid (\"nbf\" is after now)"),
            E::IssuedInFuture => f.write_str("the token was issued in the future (\"iat\")"),
            E::IssuerMismatch => f.write_str("the token's \"iss\" is not an accepted issuer"),
            E::AudienceMismatch => {
                f.write_str("the token's \"aud\" contains no accepted audience")
            }
            E::TypMismatch => f.write_str("the token's \"typ\" is not an accepted type"),
            E::LimitedTokenNotAllowed => f.write_str(
                "a limited user token was presented where limited access is not allowed",
            ),
            E::PluginSubjectInvalid => {
                f.write_str("the plugin token's \"sub\" is not a valid plugin id")
            }
            E::OboInvalid { cause } => write!(
                f,
                "the user token in the plugin token's \"obo\" claim is invalid ({cause})"
            ),
            E::TokenNotAccepted => f.write_str("no configured verifier accepts this token"),
            E::AccessRestricted { plugins } => {
                f.write_str("this token's access is restricted to plugin(s) ")?;
                for (i, p) in plugins.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{p}'")?;
                }
                Ok(())
            }
            E::InvalidConfig { reason } => write!(f, "invalid configuration: {reason}"),
            E::InvalidOptions { reason } => write!(f, "invalid options: {reason}"),
            E::InvalidArgument { reason } => write!(f, "invalid argument: {reason}"),
            E::Internal => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut numbers = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            assert!(
                numbers.insert(c.number()),
                "duplicate number {}",
                c.number()
            );
            assert!(names.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(c.as_str().starts_with("ERR_"));
            assert_eq!(ErrorCode::from_number(c.number()), Some(c));
            assert_eq!(ErrorCode::from_str_code(c.as_str()), Some(c));
            assert_eq!(c.as_cstr().to_str(), Ok(c.as_str()));
            assert_eq!(c.family().as_cstr().to_str(), Ok(c.family().as_str()));
        }
        assert_eq!(ErrorCode::from_number(0), None);
        assert_eq!(ErrorCode::from_str_code("ERR_NOPE"), None);
    }

    /// Every variant formats, maps to its code, and its message is free of the sample secret.
    #[test]
    fn every_variant_formats() {
        let s = || "s".to_string();
        let all = vec![
            Error::TokenMissing,
            Error::TokenTooLarge { max: 1 },
            Error::HeaderTooLarge { max: 1 },
            Error::SegmentCount { found: 2 },
            Error::Base64 {
                segment: Segment::Signature,
            },
            Error::Json {
                segment: Segment::Header,
            },
            Error::DuplicateMember {
                segment: Segment::Payload,
            },
            Error::NestingTooDeep {
                segment: Segment::Payload,
                max: 2,
            },
            Error::HeaderInvalid { member: "alg" },
            Error::CriticalHeader,
            Error::UnencodedPayload,
            Error::AuthorizationHeader,
            Error::AlgNone,
            Error::AlgNotAllowed {
                alg: "HS256".into(),
            },
            Error::AlgUnsupported,
            Error::NoMatchingKey {
                reload_throttled: true,
            },
            Error::MultipleMatchingKeys,
            Error::JwksInvalid { reason: s() },
            Error::JwksNoUsableKey { skipped: 1 },
            Error::JwkInvalid { reason: s() },
            Error::KeysUnavailable { source: s() },
            Error::SignatureInvalid,
            Error::SignatureFormat { expected: 64 },
            Error::ClaimType {
                claim: "exp".into(),
                expected: "a number",
            },
            Error::ClaimMissing {
                claim: "exp".into(),
            },
            Error::Expired,
            Error::NotYetValid,
            Error::IssuedInFuture,
            Error::IssuerMismatch,
            Error::AudienceMismatch,
            Error::TypMismatch,
            Error::LimitedTokenNotAllowed,
            Error::PluginSubjectInvalid,
            Error::OboInvalid {
                cause: ErrorCode::Expired,
            },
            Error::TokenNotAccepted,
            Error::AccessRestricted {
                plugins: vec!["a".into(), "b".into()],
            },
            Error::InvalidConfig { reason: s() },
            Error::InvalidOptions { reason: s() },
            Error::InvalidArgument { reason: s() },
            Error::Internal,
        ];
        let mut seen = std::collections::HashSet::new();
        for e in &all {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            assert!(!msg.contains("eyJ"), "{msg}");
            seen.insert(e.code());
            assert_eq!(e.family(), e.code().family());
        }
        // Every code has a variant that produces it.
        assert_eq!(seen.len(), ErrorCode::ALL.len());
        assert_eq!(
            Error::AccessRestricted {
                plugins: vec!["catalog".into()]
            }
            .to_string(),
            "this token's access is restricted to plugin(s) 'catalog'"
        );
        assert_eq!(
            Error::AccessRestricted { plugins: vec![] }.http_status(),
            403
        );
        assert_eq!(Error::Expired.http_status(), 401);
        assert_eq!(ErrorCode::InvalidConfig.http_status(), 500);
        assert_eq!(ErrorCode::AccessRestricted.http_status(), 403);
    }
}
