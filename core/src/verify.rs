//! Generic JWS/JWT verification: policy, key selection, signature, then claims.

use crate::token::{self, Claims, Decoded, Header, Limits};
use crate::{Algorithm, Error, KeySet};

/// What a token must satisfy. Every field has a documented default ([`VerifyOptions::default`]).
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyOptions {
    /// Allowed algorithms. Default: every asymmetric algorithm ([`Algorithm::ASYMMETRIC`]);
    /// HMAC only when listed explicitly. `none` is never allowed.
    pub algorithms: Vec<Algorithm>,
    /// Accepted `iss` values (exact match, any of). Default empty: `iss` not checked.
    pub issuers: Vec<String>,
    /// Accepted audiences: `aud` (string or array) must contain one. Default empty: not checked.
    pub audiences: Vec<String>,
    /// Accepted header `typ` values, compared as jose does (case-insensitive, an `application/`
    /// prefix ignored). Default empty: not checked.
    pub types: Vec<String>,
    /// Claims that must be present. Default empty.
    pub required_claims: Vec<String>,
    /// Whether `exp` is required. Default `true`.
    pub require_exp: bool,
    /// Clock tolerance in seconds for `exp`, `nbf` and `iat`. Default 0, as Backstage.
    pub leeway: u64,
    /// Reject an `iat` later than now + leeway. Default `false`, as Backstage: a verifier whose
    /// clock lags the issuer's would otherwise refuse fresh tokens.
    pub reject_future_iat: bool,
    /// Size limits.
    pub limits: Limits,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            types: Vec::new(),
            required_claims: Vec::new(),
            require_exp: true,
            leeway: 0,
            reject_future_iat: false,
            limits: Limits::default(),
        }
    }
}

impl VerifyOptions {
    /// Reads options from JSON; every member is optional and defaults as in
    /// [`VerifyOptions::default`]:
    ///
    /// ```json
    /// { "algorithms": ["ES256"], "issuers": ["https://idp/"], "audiences": ["backstage"],
    ///   "types": ["JWT"], "required_claims": ["sub"], "require_exp": true, "leeway": 0,
    ///   "reject_future_iat": false, "max_token_len": 65536, "max_header_len": 8192 }
    /// ```
    ///
    /// Unknown members are refused, so a misspelt option cannot silently weaken a check.
    pub fn from_json(document: &[u8]) -> Result<VerifyOptions, Error> {
        let invalid = |reason: String| Error::InvalidOptions { reason };
        crate::json::parse_value(document, 8).map_err(|_| {
            invalid("not strict JSON (syntax, duplicate member, or too deep)".into())
        })?;
        let root: serde_json::Value =
            serde_json::from_slice(document).map_err(|_| invalid("not JSON".into()))?;
        let root = root
            .as_object()
            .ok_or_else(|| invalid("not a JSON object".into()))?;
        let mut o = VerifyOptions::default();
        let strings = |name: &str, v: &serde_json::Value| -> Result<Vec<String>, Error> {
            v.as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| invalid(format!("\"{name}\" must be an array of strings")))
        };
        let boolean = |name: &str, v: &serde_json::Value| {
            v.as_bool()
                .ok_or_else(|| invalid(format!("\"{name}\" must be a boolean")))
        };
        let number = |name: &str, v: &serde_json::Value| {
            v.as_u64()
                .ok_or_else(|| invalid(format!("\"{name}\" must be a non-negative integer")))
        };
        for (name, v) in root {
            match name.as_str() {
                "algorithms" => {
                    o.algorithms = strings(name, v)?
                        .iter()
                        .map(|n| {
                            Algorithm::from_name(n).ok_or_else(|| {
                                invalid("\"algorithms\" names an unsupported algorithm".into())
                            })
                        })
                        .collect::<Result<_, _>>()?
                }
                "issuers" => o.issuers = strings(name, v)?,
                "audiences" => o.audiences = strings(name, v)?,
                "types" => o.types = strings(name, v)?,
                "required_claims" => o.required_claims = strings(name, v)?,
                "require_exp" => o.require_exp = boolean(name, v)?,
                "reject_future_iat" => o.reject_future_iat = boolean(name, v)?,
                "leeway" => o.leeway = number(name, v)?,
                "max_token_len" => o.limits.max_token_len = number(name, v)? as usize,
                "max_header_len" => o.limits.max_header_len = number(name, v)? as usize,
                _ => {
                    return Err(invalid(format!(
                        "unknown option \"{}\"",
                        name.chars().take(32).collect::<String>()
                    )))
                }
            }
        }
        if o.algorithms.is_empty() {
            return Err(invalid("\"algorithms\" must not be empty".into()));
        }
        Ok(o)
    }
}

/// A token whose signature and claims were verified. Only this crate can make one.
#[derive(Clone, Debug)]
pub struct Verified {
    header: Header,
    claims: Claims,
    algorithm: Algorithm,
}

impl Verified {
    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
    /// The algorithm the signature was verified with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

/// Verifies a JWS compact token against a key set at `now` (seconds since the Unix epoch).
///
/// Order: size caps, segments, base64url, header and payload JSON, algorithm policy, key
/// selection, signature, then claims.
///
/// ```
/// use backstage_identity::{verify, KeySet, KeySetOptions, VerifyOptions, ErrorCode};
/// let jwks = br#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",
///   "x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",
///   "y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}"#;
/// let keys = KeySet::from_jwks(jwks, &KeySetOptions::default()).unwrap();
/// // An unsigned token never verifies.
/// let err = verify("eyJhbGciOiJub25lIn0.e30.", &keys, &VerifyOptions::default(), 0).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::AlgNone);
/// ```
pub fn verify(
    token: &str,
    keys: &KeySet,
    options: &VerifyOptions,
    now: u64,
) -> Result<Verified, Error> {
    let decoded = token::decode(token, &options.limits)?;
    let alg = check_algorithm(&decoded, options)?;
    let key = keys.select(alg, decoded.header.kid.as_deref())?;
    finish(decoded, key, alg, options, now)
}

/// The header's algorithm if the policy allows it.
pub(crate) fn check_algorithm(
    decoded: &Decoded<'_>,
    options: &VerifyOptions,
) -> Result<Algorithm, Error> {
    let alg = decoded.algorithm()?;
    if !options.algorithms.contains(&alg) {
        return Err(Error::AlgNotAllowed {
            alg: alg.name().to_owned(),
        });
    }
    Ok(alg)
}

/// Signature, then claims, with an already selected key.
pub(crate) fn finish(
    decoded: Decoded<'_>,
    key: &crate::keys::Key,
    alg: Algorithm,
    options: &VerifyOptions,
    now: u64,
) -> Result<Verified, Error> {
    key.verify(alg, decoded.signing_input.as_bytes(), &decoded.signature)?;
    check_claims(&decoded.header, &decoded.claims, options, now)?;
    Ok(Verified {
        header: decoded.header,
        claims: decoded.claims,
        algorithm: alg,
    })
}

/// jose's `typ` comparison: case-insensitive, an `application/` prefix ignored on either side.
fn same_typ(a: &str, b: &str) -> bool {
    fn strip(t: &str) -> &str {
        match t.get(..12) {
            Some(p) if p.eq_ignore_ascii_case("application/") => &t[12..],
            _ => t,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

fn check_claims(
    header: &Header,
    claims: &Claims,
    options: &VerifyOptions,
    now: u64,
) -> Result<(), Error> {
    if !options.types.is_empty() {
        let typ = header.typ.as_deref().ok_or(Error::TypMismatch)?;
        if !options.types.iter().any(|t| same_typ(t, typ)) {
            return Err(Error::TypMismatch);
        }
    }
    let missing = |claim: &str| Error::ClaimMissing {
        claim: claim.to_owned(),
    };
    for claim in &options.required_claims {
        if !claims.has(claim) {
            return Err(missing(claim));
        }
    }
    if options.require_exp && claims.exp.is_none() {
        return Err(missing("exp"));
    }
    if !options.issuers.is_empty() {
        let iss = claims.iss.as_deref().ok_or_else(|| missing("iss"))?;
        if !options.issuers.iter().any(|i| i == iss) {
            return Err(Error::IssuerMismatch);
        }
    }
    if !options.audiences.is_empty() {
        let aud = claims.aud.as_ref().ok_or_else(|| missing("aud"))?;
        if !options.audiences.iter().any(|a| aud.contains(a)) {
            return Err(Error::AudienceMismatch);
        }
    }
    // Compare in f64: claims may carry fractions, and no huge value can wrap around.
    let now = now as f64;
    let leeway = options.leeway as f64;
    if let Some(nbf) = claims.nbf {
        if nbf > now + leeway {
            return Err(Error::NotYetValid);
        }
    }
    if let Some(exp) = claims.exp {
        if exp <= now - leeway {
            return Err(Error::Expired);
        }
    }
    if options.reject_future_iat {
        if let Some(iat) = claims.iat {
            if iat > now + leeway {
                return Err(Error::IssuedInFuture);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        use base64::Engine;
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.",
            e(r#"{"alg":"ES256","typ":"vnd.backstage.user"}"#),
            e(payload)
        )
    }

    fn claims(payload: &str) -> Claims {
        token::decode(&token(payload), &Limits::default())
            .unwrap()
            .claims
    }

    fn check(payload: &str, options: &VerifyOptions, now: u64) -> Result<(), Error> {
        let header = token::decode(&token(payload), &Limits::default())
            .unwrap()
            .header;
        check_claims(&header, &claims(payload), options, now)
    }

    #[test]
    fn time_claims() {
        let o = VerifyOptions::default();
        assert_eq!(check(r#"{"exp":100}"#, &o, 99), Ok(()));
        assert_eq!(check(r#"{"exp":100}"#, &o, 100), Err(Error::Expired));
        assert_eq!(check(r#"{"exp":100.5}"#, &o, 100), Ok(()));
        assert_eq!(check(r#"{"exp":1e300}"#, &o, u64::MAX), Ok(()));
        assert_eq!(check(r#"{"exp":-1e300}"#, &o, 0), Err(Error::Expired));
        assert_eq!(
            check(r#"{"exp":200,"nbf":101}"#, &o, 100),
            Err(Error::NotYetValid)
        );
        assert_eq!(check(r#"{"exp":200,"nbf":100}"#, &o, 100), Ok(()));
        assert_eq!(
            check(r#"{"exp":200,"nbf":1e300}"#, &o, u64::MAX),
            Err(Error::NotYetValid)
        );
        assert_eq!(
            check(r#"{}"#, &o, 100),
            Err(Error::ClaimMissing {
                claim: "exp".into()
            })
        );
        let lenient = VerifyOptions {
            require_exp: false,
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{}"#, &lenient, 100), Ok(()));
        let leeway = VerifyOptions {
            leeway: 5,
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":100}"#, &leeway, 104), Ok(()));
        assert_eq!(check(r#"{"exp":100}"#, &leeway, 105), Err(Error::Expired));
        assert_eq!(check(r#"{"exp":200,"nbf":105}"#, &leeway, 100), Ok(()));
        // Future iat: accepted by default, refused on request, leeway honoured.
        assert_eq!(check(r#"{"exp":200,"iat":150}"#, &o, 100), Ok(()));
        let strict = VerifyOptions {
            reject_future_iat: true,
            ..VerifyOptions::default()
        };
        assert_eq!(
            check(r#"{"exp":200,"iat":150}"#, &strict, 100),
            Err(Error::IssuedInFuture)
        );
        assert_eq!(check(r#"{"exp":200,"iat":100}"#, &strict, 100), Ok(()));
        assert_eq!(
            check(r#"{"exp":1e301,"iat":1e300}"#, &strict, u64::MAX),
            Err(Error::IssuedInFuture)
        );
    }

    #[test]
    fn options_from_json() {
        let o = VerifyOptions::from_json(
            br#"{"algorithms":["ES256","HS256"],"issuers":["i"],"audiences":["a"],"types":["JWT"],
                "required_claims":["sub"],"require_exp":false,"leeway":3,"reject_future_iat":true,
                "max_token_len":100,"max_header_len":10}"#,
        )
        .unwrap();
        assert_eq!(o.algorithms, vec![Algorithm::ES256, Algorithm::HS256]);
        assert_eq!(
            (o.leeway, o.require_exp, o.reject_future_iat),
            (3, false, true)
        );
        assert_eq!((o.limits.max_token_len, o.limits.max_header_len), (100, 10));
        assert_eq!(
            VerifyOptions::from_json(b"{}").unwrap(),
            VerifyOptions::default()
        );
        for bad in [
            &br#"{"algorithm":["ES256"]}"#[..],
            br#"{"algorithms":["none"]}"#,
            br#"{"algorithms":[]}"#,
            br#"{"leeway":-1}"#,
            br#"{"issuers":"i"}"#,
            br#"[]"#,
        ] {
            assert_eq!(
                VerifyOptions::from_json(bad).unwrap_err().code(),
                crate::ErrorCode::InvalidOptions
            );
        }
    }

    #[test]
    fn issuer_audience_typ_required() {
        let o = VerifyOptions {
            issuers: vec!["a".into(), "b".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200,"iss":"b"}"#, &o, 1), Ok(()));
        assert_eq!(
            check(r#"{"exp":200,"iss":"c"}"#, &o, 1),
            Err(Error::IssuerMismatch)
        );
        assert_eq!(
            check(r#"{"exp":200}"#, &o, 1),
            Err(Error::ClaimMissing {
                claim: "iss".into()
            })
        );
        let o = VerifyOptions {
            audiences: vec!["x".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200,"aud":["y","x"]}"#, &o, 1), Ok(()));
        assert_eq!(check(r#"{"exp":200,"aud":"x"}"#, &o, 1), Ok(()));
        assert_eq!(
            check(r#"{"exp":200,"aud":"y"}"#, &o, 1),
            Err(Error::AudienceMismatch)
        );
        assert_eq!(
            check(r#"{"exp":200,"aud":[]}"#, &o, 1),
            Err(Error::AudienceMismatch)
        );
        assert_eq!(
            check(r#"{"exp":200}"#, &o, 1),
            Err(Error::ClaimMissing {
                claim: "aud".into()
            })
        );
        let o = VerifyOptions {
            types: vec!["application/VND.backstage.user".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200}"#, &o, 1), Ok(()));
        let o = VerifyOptions {
            types: vec!["JWT".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200}"#, &o, 1), Err(Error::TypMismatch));
        let o = VerifyOptions {
            required_claims: vec!["sub".into(), "x".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200,"sub":"s","x":null}"#, &o, 1), Ok(()));
        assert_eq!(
            check(r#"{"exp":200,"sub":"s"}"#, &o, 1),
            Err(Error::ClaimMissing { claim: "x".into() })
        );
    }
}
