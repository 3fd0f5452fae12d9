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
pub fn verify(token: &str, keys: &KeySet, options: &VerifyOptions, now: u64) -> Result<Verified, Error> {
    let decoded = token::decode(token, &options.limits)?;
    let alg = check_algorithm(&decoded, options)?;
    let key = keys.select(alg, decoded.header.kid.as_deref())?;
    finish(decoded, key, alg, options, now)
}

/// The header's algorithm if the policy allows it.
pub(crate) fn check_algorithm(decoded: &Decoded<'_>, options: &VerifyOptions) -> Result<Algorithm, Error> {
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

/// jose's `typ` normalization: lower-case, an `application/` prefix dropped.
fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

fn check_claims(header: &Header, claims: &Claims, options: &VerifyOptions, now: u64) -> Result<(), Error> {
    if !options.types.is_empty() {
        let typ = header.typ.as_deref().map(normalize_typ).ok_or(Error::TypMismatch)?;
        if !options.types.iter().any(|t| normalize_typ(t) == typ) {
            return Err(Error::TypMismatch);
        }
    }
    let missing = |claim: &str| Error::ClaimMissing { claim: claim.to_owned() };
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

    fn claims(payload: &str) -> Claims {
        use base64::Engine;
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let t = format!("{}.{}.", e(r#"{"alg":"ES256","typ":"vnd.backstage.user"}"#), e(payload));
        token::decode(&t, &Limits::default()).unwrap().claims
    }

    fn check(payload: &str, options: &VerifyOptions, now: u64) -> Result<(), Error> {
        let header = Header {
            alg: "ES256".into(),
            kid: None,
            typ: Some("vnd.backstage.user".into()),
        };
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
        assert_eq!(check(r#"{"exp":200,"nbf":101}"#, &o, 100), Err(Error::NotYetValid));
        assert_eq!(check(r#"{"exp":200,"nbf":100}"#, &o, 100), Ok(()));
        assert_eq!(check(r#"{"exp":200,"nbf":1e300}"#, &o, u64::MAX), Err(Error::NotYetValid));
        assert_eq!(check(r#"{}"#, &o, 100), Err(Error::ClaimMissing { claim: "exp".into() }));
        let lenient = VerifyOptions { require_exp: false, ..VerifyOptions::default() };
        assert_eq!(check(r#"{}"#, &lenient, 100), Ok(()));
        let leeway = VerifyOptions { leeway: 5, ..VerifyOptions::default() };
        assert_eq!(check(r#"{"exp":100}"#, &leeway, 104), Ok(()));
        assert_eq!(check(r#"{"exp":100}"#, &leeway, 105), Err(Error::Expired));
        assert_eq!(check(r#"{"exp":200,"nbf":105}"#, &leeway, 100), Ok(()));
        // Future iat: accepted by default, refused on request, leeway honoured.
        assert_eq!(check(r#"{"exp":200,"iat":150}"#, &o, 100), Ok(()));
        let strict = VerifyOptions { reject_future_iat: true, ..VerifyOptions::default() };
        assert_eq!(check(r#"{"exp":200,"iat":150}"#, &strict, 100), Err(Error::IssuedInFuture));
        assert_eq!(check(r#"{"exp":200,"iat":100}"#, &strict, 100), Ok(()));
        assert_eq!(check(r#"{"exp":1e301,"iat":1e300}"#, &strict, u64::MAX), Err(Error::IssuedInFuture));
    }

    #[test]
    fn issuer_audience_typ_required() {
        let o = VerifyOptions {
            issuers: vec!["a".into(), "b".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200,"iss":"b"}"#, &o, 1), Ok(()));
        assert_eq!(check(r#"{"exp":200,"iss":"c"}"#, &o, 1), Err(Error::IssuerMismatch));
        assert_eq!(check(r#"{"exp":200}"#, &o, 1), Err(Error::ClaimMissing { claim: "iss".into() }));
        let o = VerifyOptions {
            audiences: vec!["x".into()],
            ..VerifyOptions::default()
        };
        assert_eq!(check(r#"{"exp":200,"aud":["y","x"]}"#, &o, 1), Ok(()));
        assert_eq!(check(r#"{"exp":200,"aud":"x"}"#, &o, 1), Ok(()));
        assert_eq!(check(r#"{"exp":200,"aud":"y"}"#, &o, 1), Err(Error::AudienceMismatch));
        assert_eq!(check(r#"{"exp":200,"aud":[]}"#, &o, 1), Err(Error::AudienceMismatch));
        assert_eq!(check(r#"{"exp":200}"#, &o, 1), Err(Error::ClaimMissing { claim: "aud".into() }));
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
        assert_eq!(check(r#"{"exp":200,"sub":"s"}"#, &o, 1), Err(Error::ClaimMissing { claim: "x".into() }));
    }
}
