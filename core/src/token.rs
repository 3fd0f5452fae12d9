//! Splitting and decoding a JWS compact token: strict base64url, strict JSON, typed header and
//! registered claims. Nothing here checks a signature or a time: see [`crate::verify`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::json::{self, JsonError, Members, Value};
use crate::{Algorithm, Error, Segment};

/// Size and shape limits applied before any expensive work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted token, in characters. Default 65,536: twice the 32,768 characters of the
    /// largest user token Backstage's `TokenFactory` issues, so every issued token fits.
    pub max_token_len: usize,
    /// Longest accepted header segment, in characters. Default 8,192 (Backstage's are ~110).
    pub max_header_len: usize,
    /// Deepest accepted JSON nesting in header and payload. Default 32.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_len: 65_536,
            max_header_len: 8_192,
            max_json_depth: 32,
        }
    }
}

/// The protected header members this library reads. Others (`jwk`, `jku`, `x5u`, `x5c`, ...)
/// are checked for well-formedness and never used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `alg`, as written in the token.
    pub alg: String,
    /// `kid`, if present.
    pub kid: Option<String>,
    /// `typ`, if present.
    pub typ: Option<String>,
    json: String,
}

impl Header {
    /// The header exactly as decoded: a JSON object with unique member names.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// The `aud` claim: a string or an array of strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "x"`.
    One(String),
    /// `"aud": ["x", "y"]`.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` contains `value`.
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(s) => s == value,
            Audience::Many(v) => v.iter().any(|s| s == value),
        }
    }
}

/// The payload of a token: the registered and Backstage claims typed, the whole JSON kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud`.
    pub aud: Option<Audience>,
    /// `exp`, seconds since the epoch (fractions allowed).
    pub exp: Option<f64>,
    /// `nbf`.
    pub nbf: Option<f64>,
    /// `iat`.
    pub iat: Option<f64>,
    /// Backstage `ent`: ownership entity refs, when it is an array of strings.
    pub ent: Option<Vec<String>>,
    /// Backstage `obo`: the limited user token a plugin token acts on behalf of.
    pub obo: Option<String>,
    /// Which of [`CLAIM_NAMES`] are present.
    present: u16,
    json: String,
}

/// The claims read into typed fields; their presence is recorded while parsing.
const CLAIM_NAMES: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "ent", "obo"];

fn claim_bit(name: &str) -> Option<u16> {
    CLAIM_NAMES.iter().position(|n| *n == name).map(|i| 1 << i)
}

/// Looks for one member name while re-reading a payload.
struct FindName<'a> {
    name: &'a str,
    found: bool,
}

impl Members for FindName<'_> {
    fn name(&mut self, name: &str) {
        self.found |= name == self.name;
    }
    fn wants(&self, _: &str) -> bool {
        false
    }
    fn member(&mut self, _: &str, _: Value) -> Result<(), Error> {
        Ok(())
    }
}

impl Claims {
    /// Whether the payload has a member called `name` (a `null` value counts as present).
    pub fn has(&self, name: &str) -> bool {
        match claim_bit(name) {
            Some(bit) => self.present & bit != 0,
            // Rare (custom required claims): read the payload again rather than keep every name.
            None => {
                let mut find = FindName { name, found: false };
                json::parse_object(self.json.as_bytes(), usize::MAX, &mut find).is_ok()
                    && find.found
            }
        }
    }

    /// The payload exactly as decoded: a JSON object with unique member names.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// A token split and decoded, not yet verified.
#[derive(Clone, Debug)]
pub(crate) struct Decoded<'t> {
    pub header: Header,
    pub claims: Claims,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'t str,
    pub signature: Vec<u8>,
}

impl Decoded<'_> {
    /// The header's algorithm, after the `none` and support checks.
    pub fn algorithm(&self) -> Result<Algorithm, Error> {
        if self.header.alg == "none" {
            return Err(Error::AlgNone);
        }
        Algorithm::from_name(&self.header.alg).ok_or(Error::AlgUnsupported)
    }
}

/// Decodes strict base64url: URL alphabet, no padding, no whitespace, canonical trailing bits.
pub(crate) fn decode_base64url(s: &str, segment: Segment) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| Error::Base64 { segment })
}

/// Splits and decodes a compact token. Cheap checks come first: sizes, segment count, base64.
pub(crate) fn decode<'t>(token: &'t str, limits: &Limits) -> Result<Decoded<'t>, Error> {
    if token.is_empty() {
        return Err(Error::TokenMissing);
    }
    if token.len() > limits.max_token_len {
        return Err(Error::TokenTooLarge {
            max: limits.max_token_len,
        });
    }
    let mut parts = token.splitn(4, '.');
    let (h, p, s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => (h, p, s),
        _ => {
            return Err(Error::SegmentCount {
                found: token.split('.').count(),
            })
        }
    };
    if h.len() > limits.max_header_len {
        return Err(Error::HeaderTooLarge {
            max: limits.max_header_len,
        });
    }
    let header_bytes = decode_base64url(h, Segment::Header)?;
    let payload_bytes = decode_base64url(p, Segment::Payload)?;
    let signature = decode_base64url(s, Segment::Signature)?;
    let header = parse_header(header_bytes, limits.max_json_depth)?;
    let claims = parse_claims(payload_bytes, limits.max_json_depth)?;
    Ok(Decoded {
        header,
        claims,
        signing_input: &token[..h.len() + 1 + p.len()],
        signature,
    })
}

fn json_error(e: JsonError, segment: Segment, max: usize) -> Error {
    match e {
        JsonError::Syntax => Error::Json { segment },
        JsonError::Duplicate => Error::DuplicateMember { segment },
        JsonError::TooDeep => Error::NestingTooDeep { segment, max },
        JsonError::Member(e) => e,
    }
}

#[derive(Default)]
struct HeaderMembers {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
}

impl Members for HeaderMembers {
    fn wants(&self, name: &str) -> bool {
        matches!(name, "alg" | "kid" | "typ" | "crit" | "b64")
    }
    fn member(&mut self, name: &str, value: Value) -> Result<(), Error> {
        let string = |member: &'static str, value: Value| match value {
            Value::String(s) => Ok(s),
            _ => Err(Error::HeaderInvalid { member }),
        };
        match name {
            "alg" => self.alg = Some(string("alg", value)?),
            "kid" => self.kid = Some(string("kid", value)?),
            "typ" => self.typ = Some(string("typ", value)?),
            // No extension is understood, so any `crit` (even an empty or malformed one) refuses.
            "crit" => return Err(Error::CriticalHeader),
            "b64" => match value {
                Value::Bool(true) => {}
                Value::Bool(false) => return Err(Error::UnencodedPayload),
                _ => return Err(Error::HeaderInvalid { member: "b64" }),
            },
            _ => {}
        }
        Ok(())
    }
}

fn parse_header(bytes: Vec<u8>, max_depth: usize) -> Result<Header, Error> {
    let mut m = HeaderMembers::default();
    json::parse_object(&bytes, max_depth, &mut m)
        .map_err(|e| json_error(e, Segment::Header, max_depth))?;
    Ok(Header {
        alg: m.alg.ok_or(Error::HeaderInvalid { member: "alg" })?,
        kid: m.kid,
        typ: m.typ,
        json: utf8(bytes, Segment::Header)?,
    })
}

/// The bytes `json::parse_object` accepted, which are therefore UTF-8.
fn utf8(bytes: Vec<u8>, segment: Segment) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|_| Error::Json { segment })
}

#[derive(Default)]
struct ClaimMembers {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    ent: Option<Vec<String>>,
    obo: Option<String>,
    present: u16,
}

fn claim_type(claim: &str, expected: &'static str) -> Error {
    Error::ClaimType {
        claim: claim.to_owned(),
        expected,
    }
}

impl Members for ClaimMembers {
    fn wants(&self, name: &str) -> bool {
        claim_bit(name).is_some()
    }
    fn member(&mut self, name: &str, value: Value) -> Result<(), Error> {
        self.present |= claim_bit(name).unwrap_or(0);
        let string = |v: Value| match v {
            Value::String(s) => Ok(s),
            _ => Err(claim_type(name, "a string")),
        };
        let number = |v: Value| match v {
            Value::Number(n) => Ok(n),
            _ => Err(claim_type(name, "a number")),
        };
        match name {
            "iss" => self.iss = Some(string(value)?),
            "sub" => self.sub = Some(string(value)?),
            "obo" => self.obo = Some(string(value)?),
            "exp" => self.exp = Some(number(value)?),
            "nbf" => self.nbf = Some(number(value)?),
            "iat" => self.iat = Some(number(value)?),
            "aud" => {
                self.aud = Some(match value {
                    Value::String(s) => Audience::One(s),
                    v => Audience::Many(
                        v.into_string_array()
                            .ok_or_else(|| claim_type(name, "a string or an array of strings"))?,
                    ),
                })
            }
            // Backstage reads `ent` only as an array of strings; anything else is ignored.
            "ent" => self.ent = value.into_string_array(),
            _ => {}
        }
        Ok(())
    }
}

fn parse_claims(bytes: Vec<u8>, max_depth: usize) -> Result<Claims, Error> {
    let mut m = ClaimMembers::default();
    json::parse_object(&bytes, max_depth, &mut m)
        .map_err(|e| json_error(e, Segment::Payload, max_depth))?;
    let json = utf8(bytes, Segment::Payload)?;
    Ok(Claims {
        iss: m.iss,
        sub: m.sub,
        aud: m.aud,
        exp: m.exp,
        nbf: m.nbf,
        iat: m.iat,
        ent: m.ent,
        obo: m.obo,
        present: m.present,
        json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn tok(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    fn decode_err(token: &str) -> Error {
        decode(token, &Limits::default()).unwrap_err()
    }

    #[test]
    fn decodes_a_token() {
        let t = tok(
            r#"{"typ":"vnd.backstage.user","alg":"ES256","kid":"k1"}"#,
            r#"{"iss":"i","sub":"user:default/a","ent":["group:default/g"],"aud":"backstage","iat":1,"exp":2.5,"uip":"x"}"#,
        );
        let d = decode(&t, &Limits::default()).unwrap();
        assert_eq!(d.header.alg, "ES256");
        assert_eq!(d.header.kid.as_deref(), Some("k1"));
        assert_eq!(d.header.typ.as_deref(), Some("vnd.backstage.user"));
        assert_eq!(
            d.header.json(),
            r#"{"typ":"vnd.backstage.user","alg":"ES256","kid":"k1"}"#
        );
        assert_eq!(d.claims.sub.as_deref(), Some("user:default/a"));
        assert_eq!(d.claims.aud, Some(Audience::One("backstage".into())));
        assert_eq!(d.claims.exp, Some(2.5));
        assert_eq!(d.claims.iat, Some(1.0));
        assert_eq!(d.claims.ent, Some(vec!["group:default/g".to_string()]));
        assert!(d.claims.has("uip"));
        assert!(!d.claims.has("nbf"));
        assert_eq!(d.signature, b"sig");
        assert_eq!(d.signing_input, &t[..t.rfind('.').unwrap()]);
    }

    #[test]
    fn size_and_segment_checks() {
        assert_eq!(decode_err(""), Error::TokenMissing);
        let limits = Limits {
            max_token_len: 10,
            ..Limits::default()
        };
        assert_eq!(
            decode("a.b.cdefghijk", &limits).unwrap_err(),
            Error::TokenTooLarge { max: 10 }
        );
        assert_eq!(decode_err("a.b"), Error::SegmentCount { found: 2 });
        assert_eq!(decode_err("a.b.c.d.e"), Error::SegmentCount { found: 5 });
        assert_eq!(decode_err("abc"), Error::SegmentCount { found: 1 });
        let limits = Limits {
            max_header_len: 4,
            ..Limits::default()
        };
        assert_eq!(
            decode(&tok(r#"{"alg":"ES256"}"#, "{}"), &limits).unwrap_err(),
            Error::HeaderTooLarge { max: 4 }
        );
    }

    #[test]
    fn strict_base64url() {
        let good = tok(r#"{"alg":"ES256"}"#, r#"{"sub":"a"}"#);
        let (hp, sig) = good.rsplit_once('.').unwrap();
        let sig_err = Error::Base64 {
            segment: Segment::Signature,
        };
        // Padding, standard alphabet, whitespace, non-canonical trailing bits.
        assert_eq!(decode_err(&format!("{hp}.{sig}=")), sig_err);
        assert_eq!(decode_err(&format!("{hp}.c2l+")), sig_err);
        assert_eq!(decode_err(&format!("{hp}.c2l/")), sig_err);
        assert_eq!(decode_err(&format!("{good}\n")), sig_err);
        assert_eq!(
            decode_err(&format!("{hp}.c2h")),
            sig_err,
            "non-canonical last char"
        );
        assert_eq!(
            decode_err(&format!(" {good}")),
            Error::Base64 {
                segment: Segment::Header
            }
        );
        let (h, rest) = good.split_once('.').unwrap();
        assert_eq!(
            decode_err(&format!("{h}=.{rest}")),
            Error::Base64 {
                segment: Segment::Header
            }
        );
    }

    #[test]
    fn header_rules() {
        let p = r#"{"sub":"a"}"#;
        let err = |h: &str| decode_err(&tok(h, p));
        assert_eq!(
            err(r#"{"alg":"ES256","crit":["exp"]}"#),
            Error::CriticalHeader
        );
        assert_eq!(err(r#"{"alg":"ES256","crit":[]}"#), Error::CriticalHeader);
        assert_eq!(
            err(r#"{"alg":"ES256","b64":false}"#),
            Error::UnencodedPayload
        );
        assert_eq!(
            err(r#"{"alg":"ES256","b64":"no"}"#),
            Error::HeaderInvalid { member: "b64" }
        );
        assert_eq!(err(r#"{"alg":5}"#), Error::HeaderInvalid { member: "alg" });
        assert_eq!(
            err(r#"{"typ":"JWT"}"#),
            Error::HeaderInvalid { member: "alg" }
        );
        assert_eq!(
            err(r#"{"alg":"ES256","kid":1}"#),
            Error::HeaderInvalid { member: "kid" }
        );
        assert_eq!(
            err(r#"{"alg":"ES256","typ":null}"#),
            Error::HeaderInvalid { member: "typ" }
        );
        assert_eq!(
            err(r#"{"alg":"ES256","alg":"HS256"}"#),
            Error::DuplicateMember {
                segment: Segment::Header
            }
        );
        assert_eq!(
            err("[1]"),
            Error::Json {
                segment: Segment::Header
            }
        );
        assert_eq!(
            err("\u{ff}"),
            Error::Json {
                segment: Segment::Header
            }
        );
        // Header-embedded keys are read as nothing more than well-formed JSON.
        let t = tok(
            r#"{"alg":"ES256","jwk":{"kty":"EC"},"jku":"https://x","x5c":["a"]}"#,
            p,
        );
        let d = decode(&t, &Limits::default()).unwrap();
        assert_eq!(d.header.alg, "ES256");
    }

    #[test]
    fn claim_types() {
        let h = r#"{"alg":"ES256"}"#;
        let err = |p: &str| decode_err(&tok(h, p));
        let ty = |c: &str, e: &'static str| Error::ClaimType {
            claim: c.into(),
            expected: e,
        };
        assert_eq!(err(r#"{"exp":"2000000000"}"#), ty("exp", "a number"));
        assert_eq!(err(r#"{"exp":null}"#), ty("exp", "a number"));
        assert_eq!(err(r#"{"nbf":true}"#), ty("nbf", "a number"));
        assert_eq!(err(r#"{"iat":[1]}"#), ty("iat", "a number"));
        assert_eq!(err(r#"{"sub":42}"#), ty("sub", "a string"));
        assert_eq!(err(r#"{"iss":{}}"#), ty("iss", "a string"));
        assert_eq!(err(r#"{"obo":1}"#), ty("obo", "a string"));
        assert_eq!(
            err(r#"{"aud":["a",1]}"#),
            ty("aud", "a string or an array of strings")
        );
        assert_eq!(
            err(r#"{"exp":1e400}"#),
            Error::Json {
                segment: Segment::Payload
            }
        );
        assert_eq!(
            err(r#"{"sub":"a","sub":"b"}"#),
            Error::DuplicateMember {
                segment: Segment::Payload
            }
        );
        assert_eq!(
            err("[]"),
            Error::Json {
                segment: Segment::Payload
            }
        );
        // `ent` that is not an array of strings is ignored, as Backstage's userinfo does.
        let t = tok(h, r#"{"ent":"user:default/a"}"#);
        let d = decode(&t, &Limits::default()).unwrap();
        assert_eq!(d.claims.ent, None);
        assert!(d.claims.has("ent"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            decode_err(&tok(r#"{"alg":"ES256"}"#, &deep)),
            Error::NestingTooDeep {
                segment: Segment::Payload,
                max: 32
            }
        );
    }
}
