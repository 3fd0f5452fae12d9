//! Backstage semantics: which verifier claims a token, with which keys and rules, and the
//! principal it yields. Mirrors `DefaultAuthService.authenticate` of `@backstage/backend-defaults`:
//! plugin tokens first, then user tokens, then `externalAccess` entries in order.

use crate::config::{is_plugin_id, AccessRestrictions, ExternalAccess, Restrictions};
use crate::keyring::{KeyRequest, KeyRing, Lookup, Source};
use crate::token::{self, Audience, Decoded};
use crate::verify::{check_algorithm, finish, Verified, VerifyOptions};
use crate::{AuthConfig, Error};

/// `typ` of a Backstage user token.
pub const TYP_USER: &str = "vnd.backstage.user";
/// `typ` of a Backstage limited user token (cookie auth, `obo` claims).
pub const TYP_LIMITED_USER: &str = "vnd.backstage.limited-user";
/// `typ` of a Backstage plugin-to-plugin token.
pub const TYP_PLUGIN: &str = "vnd.backstage.plugin";

/// Who a request acts as: Backstage's `BackstagePrincipal` shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `{type: 'user', userEntityRef, actor?}`.
    User {
        /// The user's entity ref (`sub`), e.g. `user:default/alice`.
        user_entity_ref: String,
        /// For a plugin token on behalf of a user: the acting service's subject (`plugin:<id>`).
        actor: Option<String>,
    },
    /// `{type: 'service', subject, accessRestrictions?}`.
    Service {
        /// `plugin:<id>`, `external:...`, or a configured subject.
        subject: String,
        /// The external access entry's restrictions for the receiving plugin, if any.
        access_restrictions: Option<AccessRestrictions>,
    },
}

impl Principal {
    /// Backstage's JSON shape: `{"type":"user","userEntityRef":..,"actor"?:{"type":"service","subject":..}}`
    /// or `{"type":"service","subject":..,"accessRestrictions"?:{"permissionNames"?:[..],"permissionAttributes"?:{"action":[..]}}}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        match self {
            Principal::User {
                user_entity_ref,
                actor,
            } => {
                let mut m = Map::new();
                m.insert("type".into(), json!("user"));
                m.insert("userEntityRef".into(), json!(user_entity_ref));
                if let Some(actor) = actor {
                    m.insert("actor".into(), json!({"type": "service", "subject": actor}));
                }
                Value::Object(m)
            }
            Principal::Service {
                subject,
                access_restrictions,
            } => {
                let mut m = Map::new();
                m.insert("type".into(), json!("service"));
                m.insert("subject".into(), json!(subject));
                if let Some(r) = access_restrictions {
                    let mut rm = Map::new();
                    if let Some(names) = &r.permission_names {
                        rm.insert("permissionNames".into(), json!(names));
                    }
                    if let Some(action) = &r.permission_attributes_action {
                        rm.insert("permissionAttributes".into(), json!({ "action": action }));
                    }
                    m.insert("accessRestrictions".into(), Value::Object(rm));
                }
                Value::Object(m)
            }
        }
    }
}

/// Which kind of token was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A user token (`vnd.backstage.user`, or an untyped token with `aud: "backstage"`).
    User,
    /// A limited user token (`vnd.backstage.limited-user`).
    LimitedUser,
    /// A plugin token without `obo`.
    Plugin,
    /// A plugin token on behalf of a user (`obo`).
    PluginOnBehalfOf,
    /// A legacy HS256 service token.
    Legacy,
    /// A static external access token.
    Static,
    /// A token from an external JWKS issuer.
    ExternalJwks,
}

impl TokenKind {
    /// Every kind.
    pub const ALL: &'static [TokenKind] = &[
        TokenKind::User,
        TokenKind::LimitedUser,
        TokenKind::Plugin,
        TokenKind::PluginOnBehalfOf,
        TokenKind::Legacy,
        TokenKind::Static,
        TokenKind::ExternalJwks,
    ];

    /// [`TokenKind::as_str`] NUL-terminated, for C callers.
    pub fn as_cstr(self) -> &'static std::ffi::CStr {
        match self {
            TokenKind::User => c"user",
            TokenKind::LimitedUser => c"limited-user",
            TokenKind::Plugin => c"plugin",
            TokenKind::PluginOnBehalfOf => c"plugin-obo",
            TokenKind::Legacy => c"legacy",
            TokenKind::Static => c"static",
            TokenKind::ExternalJwks => c"external-jwks",
        }
    }

    /// `user`, `limited-user`, `plugin`, `plugin-obo`, `legacy`, `static`, `external-jwks`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::User => "user",
            TokenKind::LimitedUser => "limited-user",
            TokenKind::Plugin => "plugin",
            TokenKind::PluginOnBehalfOf => "plugin-obo",
            TokenKind::Legacy => "legacy",
            TokenKind::Static => "static",
            TokenKind::ExternalJwks => "external-jwks",
        }
    }
}

/// An authenticated request's credentials.
#[derive(Clone, Debug, PartialEq)]
pub struct Credentials {
    /// Who.
    pub principal: Principal,
    /// When the credentials expire (floor of the user token's `exp`), as Backstage's
    /// `expiresAt`; `None` for service principals, as in Backstage.
    pub expires_at: Option<i64>,
    /// What kind of token it was.
    pub kind: TokenKind,
    /// The user token's `ent` claim when it is an array of strings, else empty: the old
    /// `IdentityClient`'s `ownershipEntityRefs`.
    pub ownership_entity_refs: Vec<String>,
}

impl Credentials {
    /// `{"principal": .., "expiresAt": seconds or null, "kind": .., "ownershipEntityRefs": [..]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "principal": self.principal.to_json(),
            "expiresAt": self.expires_at,
            "kind": self.kind.as_str(),
            "ownershipEntityRefs": self.ownership_entity_refs,
        })
    }
}

/// The result of [`Authenticator::authenticate`]: credentials, or a fetch to do first.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The token is valid.
    Authenticated(Credentials),
    /// Keys are needed: fetch the source's JWKS, [`KeyRing::load`] it (or report
    /// [`KeyRing::fetch_failed`]), then call `authenticate` again.
    FetchKeys(KeyRequest),
}

/// One verification step: done, or waiting for keys.
enum Step<T> {
    Done(T),
    Fetch(KeyRequest),
}

macro_rules! step {
    ($e:expr) => {
        match $e {
            Step::Done(v) => v,
            Step::Fetch(r) => return Ok(Step::Fetch(r)),
        }
    };
}

/// Extracts the token of an `Authorization` header exactly as Backstage does:
/// `^Bearer[ ]+(\S+)$`, case-insensitive scheme, spaces only, `\S` as JavaScript defines it.
///
/// ```
/// use backstage_identity::bearer_token;
/// assert_eq!(bearer_token("bearer   abc"), Some("abc"));
/// assert_eq!(bearer_token("Bearer\tabc"), None);
/// ```
pub fn bearer_token(header: &str) -> Option<&str> {
    let scheme = header.get(..6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = &header[6..];
    let token = rest.trim_start_matches(' ');
    if token.len() == rest.len() || token.is_empty() || token.chars().any(is_js_whitespace) {
        return None;
    }
    Some(token)
}

/// JavaScript's `\s`: `WhiteSpace` and `LineTerminator` of ECMA-262.
fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Authenticates Backstage tokens for one receiving plugin, with keys from a [`KeyRing`].
///
/// ```
/// use backstage_identity::{AuthConfig, Authenticator, KeyRing, Outcome, Source, ErrorCode};
/// let auth = Authenticator::new(AuthConfig::new("catalog").unwrap());
/// let ring = KeyRing::new();
/// // A user token needs the auth backend's keys: the first call asks for them.
/// let token = "eyJ0eXAiOiJ2bmQuYmFja3N0YWdlLnVzZXIiLCJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvYSJ9.c2ln";
/// match auth.authenticate(&ring, token, false, 1_700_000_000).unwrap() {
///     Outcome::FetchKeys(request) => assert_eq!(request.source, Source::Auth),
///     Outcome::Authenticated(_) => unreachable!(),
/// }
/// // Garbage is refused with a stable code.
/// let err = auth.authenticate(&ring, "not-a-token", false, 1_700_000_000).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::SegmentCount);
/// ```
#[derive(Clone, Debug)]
pub struct Authenticator {
    config: AuthConfig,
    user: VerifyOptions,
    limited: VerifyOptions,
    untyped_user: VerifyOptions,
    plugin: VerifyOptions,
}

impl Authenticator {
    /// An authenticator for `config`.
    pub fn new(config: AuthConfig) -> Authenticator {
        let base = VerifyOptions {
            algorithms: config.algorithms.clone(),
            limits: config.limits.clone(),
            ..VerifyOptions::default()
        };
        let required = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Authenticator {
            user: VerifyOptions {
                types: vec![TYP_USER.into()],
                required_claims: required(&["iat", "exp", "sub"]),
                ..base.clone()
            },
            limited: VerifyOptions {
                types: vec![TYP_LIMITED_USER.into()],
                required_claims: required(&["iat", "exp", "sub"]),
                ..base.clone()
            },
            untyped_user: VerifyOptions {
                audiences: vec!["backstage".into()],
                ..base.clone()
            },
            plugin: VerifyOptions {
                types: vec![TYP_PLUGIN.into()],
                audiences: vec![config.plugin_id.clone()],
                required_claims: required(&["iat", "exp", "sub", "aud"]),
                ..base
            },
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Authenticates the value of an `Authorization` header (`None` when the request has none).
    pub fn authenticate_header(
        &self,
        ring: &KeyRing,
        authorization: Option<&str>,
        allow_limited_access: bool,
        now: u64,
    ) -> Result<Outcome, Error> {
        let header = authorization.ok_or(Error::TokenMissing)?;
        let token = bearer_token(header).ok_or(Error::AuthorizationHeader)?;
        self.authenticate(ring, token, allow_limited_access, now)
    }

    /// [`Authenticator::authenticate`] for raw bytes (a network buffer, a C caller). Bytes that
    /// are not UTF-8 can never be base64url, so they are refused as a malformed token (HTTP 401),
    /// never as a bad argument.
    pub fn authenticate_bytes(
        &self,
        ring: &KeyRing,
        token: &[u8],
        allow_limited_access: bool,
        now: u64,
    ) -> Result<Outcome, Error> {
        match std::str::from_utf8(token) {
            Ok(token) => self.authenticate(ring, token, allow_limited_access, now),
            Err(_) => Err(malformed_bytes(token, &self.config.limits)),
        }
    }

    /// [`Authenticator::authenticate_header`] for raw header bytes: a header that is not UTF-8
    /// is refused as [`Error::AuthorizationHeader`] (HTTP 401).
    pub fn authenticate_header_bytes(
        &self,
        ring: &KeyRing,
        authorization: Option<&[u8]>,
        allow_limited_access: bool,
        now: u64,
    ) -> Result<Outcome, Error> {
        match authorization.map(std::str::from_utf8) {
            None => Err(Error::TokenMissing),
            Some(Ok(header)) => {
                self.authenticate_header(ring, Some(header), allow_limited_access, now)
            }
            Some(Err(_)) => Err(Error::AuthorizationHeader),
        }
    }

    /// Authenticates a token at `now` (seconds since the Unix epoch). Limited user tokens are
    /// accepted only with `allow_limited_access` (Backstage's cookie auth).
    pub fn authenticate(
        &self,
        ring: &KeyRing,
        token: &str,
        allow_limited_access: bool,
        now: u64,
    ) -> Result<Outcome, Error> {
        if token.is_empty() {
            return Err(Error::TokenMissing);
        }
        if token.len() > self.config.limits.max_token_len {
            return Err(Error::TokenTooLarge {
                max: self.config.limits.max_token_len,
            });
        }
        let decoded = token::decode(token, &self.config.limits);
        let step = match decoded {
            Ok(decoded) => self.dispatch(ring, token, decoded, allow_limited_access, now)?,
            // Not a JWS: only a static token can still match.
            Err(malformed) => match self.external_static(token)? {
                Some(credentials) => Step::Done(credentials),
                None => return Err(malformed),
            },
        };
        Ok(match step {
            Step::Done(credentials) => Outcome::Authenticated(credentials),
            Step::Fetch(request) => Outcome::FetchKeys(request),
        })
    }

    fn dispatch(
        &self,
        ring: &KeyRing,
        token: &str,
        decoded: Decoded<'_>,
        allow_limited_access: bool,
        now: u64,
    ) -> Result<Step<Credentials>, Error> {
        if decoded.header.typ.as_deref() == Some(TYP_PLUGIN) {
            return self.plugin_token(ring, decoded, now);
        }
        if let Some(options) = self.user_options(&decoded) {
            let limited = decoded.header.typ.as_deref() == Some(TYP_LIMITED_USER);
            let verified = step!(self.verify_from(ring, &Source::Auth, decoded, options, now)?);
            if limited && !allow_limited_access {
                return Err(Error::LimitedTokenNotAllowed);
            }
            let (user_entity_ref, expires_at) = user_identity(&verified)?;
            return Ok(Step::Done(Credentials {
                principal: Principal::User {
                    user_entity_ref,
                    actor: None,
                },
                expires_at: Some(expires_at),
                kind: if limited {
                    TokenKind::LimitedUser
                } else {
                    TokenKind::User
                },
                ownership_entity_refs: verified.claims().ent.clone().unwrap_or_default(),
            }));
        }
        self.external(ring, token, decoded, now)
    }

    /// Which user-token rules apply, if the token is a user token at all (Backstage's
    /// `UserTokenHandler` dispatch on the unverified header and payload).
    fn user_options(&self, decoded: &Decoded<'_>) -> Option<&VerifyOptions> {
        match decoded.header.typ.as_deref() {
            Some(TYP_USER) => Some(&self.user),
            Some(TYP_LIMITED_USER) => Some(&self.limited),
            // An untyped token claims to be a user token only with the string `aud: "backstage"`.
            _ => match &decoded.claims.aud {
                Some(Audience::One(aud)) if aud == "backstage" => Some(&self.untyped_user),
                _ => None,
            },
        }
    }

    fn plugin_token(
        &self,
        ring: &KeyRing,
        decoded: Decoded<'_>,
        now: u64,
    ) -> Result<Step<Credentials>, Error> {
        let source_id = decoded
            .claims
            .sub
            .clone()
            .ok_or_else(|| Error::ClaimMissing {
                claim: "sub".into(),
            })?;
        if !is_plugin_id(&source_id) {
            return Err(Error::PluginSubjectInvalid);
        }
        // A token not addressed to this plugin can never verify: refuse it before it can make
        // the key ring fetch the keys of whatever plugin its unverified `sub` names.
        match &decoded.claims.aud {
            Some(aud) if aud.contains(&self.config.plugin_id) => {}
            Some(_) => return Err(Error::AudienceMismatch),
            None => {
                return Err(Error::ClaimMissing {
                    claim: "aud".into(),
                })
            }
        }
        let source = Source::Plugin(source_id.clone());
        let verified = step!(self.verify_from(ring, &source, decoded, &self.plugin, now)?);
        let subject = format!("plugin:{source_id}");
        let Some(obo) = verified.claims().obo.as_deref() else {
            return Ok(Step::Done(Credentials {
                principal: Principal::Service {
                    subject,
                    access_restrictions: None,
                },
                expires_at: None,
                kind: TokenKind::Plugin,
                ownership_entity_refs: Vec::new(),
            }));
        };
        let obo_invalid = |e: Error| Error::OboInvalid { cause: e.code() };
        let inner = token::decode(obo, &self.config.limits).map_err(obo_invalid)?;
        let options = self.user_options(&inner).ok_or(Error::OboInvalid {
            cause: crate::ErrorCode::TokenNotAccepted,
        })?;
        let user = step!(self
            .verify_from(ring, &Source::Auth, inner, options, now)
            .map_err(obo_invalid)?);
        let (user_entity_ref, expires_at) = user_identity(&user).map_err(obo_invalid)?;
        Ok(Step::Done(Credentials {
            principal: Principal::User {
                user_entity_ref,
                actor: Some(subject),
            },
            expires_at: Some(expires_at),
            kind: TokenKind::PluginOnBehalfOf,
            ownership_entity_refs: user.claims().ent.clone().unwrap_or_default(),
        }))
    }

    /// Verifies with the keys of `source`, asking for a fetch when they are missing, stale, or
    /// lack the token's key and the refresh policy allows it.
    fn verify_from(
        &self,
        ring: &KeyRing,
        source: &Source,
        decoded: Decoded<'_>,
        options: &VerifyOptions,
        now: u64,
    ) -> Result<Step<Verified>, Error> {
        let alg = check_algorithm(&decoded, options)?;
        let keys = match ring.lookup(source, now)? {
            Lookup::Keys(keys) => keys,
            Lookup::Fetch(request) => return Ok(Step::Fetch(request)),
        };
        let key = match keys.select(alg, decoded.header.kid.as_deref()) {
            Ok(key) => key,
            Err(Error::NoMatchingKey { .. }) => {
                return ring.on_unknown_key(source, now).map(Step::Fetch)
            }
            Err(e) => return Err(e),
        };
        finish(decoded, key, alg, options, now).map(Step::Done)
    }

    /// The static entry `entry`'s credentials, if it is a static entry holding `token`.
    fn static_match(
        &self,
        entry: &ExternalAccess,
        token: &str,
    ) -> Option<Result<Credentials, Error>> {
        match entry {
            ExternalAccess::Static {
                token: expected,
                subject,
                restrictions,
            } if constant_time_eq(token.as_bytes(), &expected.0) => {
                Some(self.service(subject.clone(), restrictions, TokenKind::Static))
            }
            _ => None,
        }
    }

    fn external_static(&self, token: &str) -> Result<Option<Credentials>, Error> {
        self.config
            .external
            .iter()
            .find_map(|entry| self.static_match(entry, token))
            .transpose()
    }

    /// `externalAccess` entries in config order (legacy `keys` last), as Backstage tries them.
    fn external(
        &self,
        ring: &KeyRing,
        token: &str,
        decoded: Decoded<'_>,
        now: u64,
    ) -> Result<Step<Credentials>, Error> {
        for entry in &self.config.external {
            match entry {
                ExternalAccess::Static { .. } => {
                    if let Some(result) = self.static_match(entry, token) {
                        return result.map(Step::Done);
                    }
                }
                ExternalAccess::Legacy {
                    keys,
                    subject,
                    restrictions,
                } => {
                    // Backstage claims only `{alg: HS256}` tokens with `sub: backstage-server` and no `aud`.
                    let claimed = decoded.header.alg == "HS256"
                        && decoded.claims.sub.as_deref() == Some("backstage-server")
                        && match &decoded.claims.aud {
                            None => true,
                            Some(Audience::One(a)) => a.is_empty(),
                            Some(Audience::Many(_)) => false,
                        };
                    if !claimed {
                        continue;
                    }
                    let options = legacy_options(&self.config);
                    let result = check_algorithm(&decoded, &options)
                        .and_then(|alg| Ok((alg, keys.select(alg, None)?)))
                        .and_then(|(alg, key)| finish(decoded.clone(), key, alg, &options, now));
                    match result {
                        Ok(_) => {
                            return self
                                .service(subject.clone(), restrictions, TokenKind::Legacy)
                                .map(Step::Done)
                        }
                        // A wrong secret declines the token (another entry may hold the right one).
                        Err(Error::SignatureInvalid) => continue,
                        Err(e) => return Err(e),
                    }
                }
                ExternalAccess::Jwks {
                    url,
                    algorithms,
                    issuers,
                    audiences,
                    subject_prefix,
                    restrictions,
                } => {
                    let options = VerifyOptions {
                        algorithms: algorithms.clone(),
                        issuers: issuers.clone(),
                        audiences: audiences.clone(),
                        limits: self.config.limits.clone(),
                        ..VerifyOptions::default()
                    };
                    let source = Source::External(url.clone());
                    // Like Backstage, a failure here declines the token for this entry.
                    let verified =
                        match self.verify_from(ring, &source, decoded.clone(), &options, now) {
                            Ok(Step::Done(v)) => v,
                            Ok(Step::Fetch(request)) => return Ok(Step::Fetch(request)),
                            Err(_) => continue,
                        };
                    let Some(sub) = verified.claims().sub.as_deref().filter(|s| !s.is_empty())
                    else {
                        continue;
                    };
                    let subject = match subject_prefix {
                        Some(prefix) => format!("external:{prefix}:{sub}"),
                        None => format!("external:{sub}"),
                    };
                    return self
                        .service(subject, restrictions, TokenKind::ExternalJwks)
                        .map(Step::Done);
                }
            }
        }
        Err(Error::TokenNotAccepted)
    }

    fn service(
        &self,
        subject: String,
        restrictions: &Restrictions,
        kind: TokenKind,
    ) -> Result<Credentials, Error> {
        let access_restrictions = match restrictions {
            None => None,
            Some(list) => match list
                .iter()
                .find(|(plugin, _)| *plugin == self.config.plugin_id)
            {
                Some((_, r)) => Some(r.clone()),
                None => {
                    return Err(Error::AccessRestricted {
                        plugins: list.iter().map(|(p, _)| p.clone()).collect(),
                    })
                }
            },
        };
        Ok(Credentials {
            principal: Principal::Service {
                subject,
                access_restrictions,
            },
            expires_at: None,
            kind,
            ownership_entity_refs: Vec::new(),
        })
    }
}

fn legacy_options(config: &AuthConfig) -> VerifyOptions {
    VerifyOptions {
        algorithms: vec![crate::Algorithm::HS256],
        limits: config.limits.clone(),
        ..VerifyOptions::default()
    }
}

/// The refusal for a token that is not UTF-8: too large, wrong segment count, or the segment
/// holding the first non-ASCII byte is not base64url.
fn malformed_bytes(token: &[u8], limits: &crate::Limits) -> Error {
    if token.len() > limits.max_token_len {
        return Error::TokenTooLarge {
            max: limits.max_token_len,
        };
    }
    let dots = token.iter().filter(|&&b| b == b'.').count();
    if dots != 2 {
        return Error::SegmentCount { found: dots + 1 };
    }
    let first_bad = token.iter().position(|b| !b.is_ascii()).unwrap_or(0);
    let segment = match token[..first_bad].iter().filter(|&&b| b == b'.').count() {
        0 => crate::Segment::Header,
        1 => crate::Segment::Payload,
        _ => crate::Segment::Signature,
    };
    Error::Base64 { segment }
}

/// A verified user token's `sub` (non-empty) and `exp`.
fn user_identity(verified: &Verified) -> Result<(String, i64), Error> {
    let claims = verified.claims();
    let sub = claims
        .sub
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::ClaimMissing {
            claim: "sub".into(),
        })?;
    let exp = claims.exp.ok_or_else(|| Error::ClaimMissing {
        claim: "exp".into(),
    })?;
    // `as` saturates: a huge `exp` cannot wrap into the past.
    Ok((sub, exp.floor() as i64))
}

/// Compares without an early exit on the first differing byte (length is not secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_extraction_matches_backstage() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER   abc"), Some("abc"));
        for bad in [
            "Bearer\tabc",
            " Bearer abc",
            "Bearer abc ",
            "Bearer a b",
            "Bearerabc",
            "Bearer abc\n",
            "Bearer ",
            "Bearer",
            "",
            "Basic abc",
            "Bearer abc\u{a0}",
            "Bearer a\u{2028}b",
            "Bearer \u{feff}abc",
            "Beärer abc",
        ] {
            assert_eq!(bearer_token(bad), None, "{bad:?}");
        }
        // Non-ASCII that is not whitespace is part of the token, as JavaScript's \S says.
        assert_eq!(bearer_token("Bearer é"), Some("é"));
    }

    #[test]
    fn kind_names() {
        for k in TokenKind::ALL {
            assert_eq!(k.as_cstr().to_str(), Ok(k.as_str()));
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_malformed_tokens() {
        let auth = Authenticator::new(crate::AuthConfig::new("catalog").unwrap());
        let ring = KeyRing::new();
        let err = |t: &[u8]| auth.authenticate_bytes(&ring, t, false, 0).unwrap_err();
        use crate::Segment::*;
        assert_eq!(err(b"a\xff.b.c"), Error::Base64 { segment: Header });
        assert_eq!(err(b"a.b\xfe.c"), Error::Base64 { segment: Payload });
        assert_eq!(err(b"a.b.\xc3"), Error::Base64 { segment: Signature });
        assert_eq!(err(b"\xff"), Error::SegmentCount { found: 1 });
        assert_eq!(err(&[0xff; 70_000]), Error::TokenTooLarge { max: 65_536 });
        assert_eq!(err(b""), Error::TokenMissing);
        let header = |h: Option<&[u8]>| {
            auth.authenticate_header_bytes(&ring, h, false, 0)
                .unwrap_err()
        };
        assert_eq!(header(Some(b"Bearer \xff\xfe")), Error::AuthorizationHeader);
        assert_eq!(header(None), Error::TokenMissing);
        assert_eq!(
            header(Some(b"Bearer a.b")),
            Error::SegmentCount { found: 2 }
        );
        assert_eq!(Error::AuthorizationHeader.http_status(), 401);
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abcdefgh", b"abcdefgh"));
        assert!(!constant_time_eq(b"abcdefgh", b"abcdefgX"));
        assert!(!constant_time_eq(b"abcdefgh", b"abcdefg"));
    }
}
