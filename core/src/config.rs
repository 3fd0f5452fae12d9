//! The authenticator's configuration, read from Backstage's own `backend.auth` config shape.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde_json::{Map, Value};

use crate::keys::Secret;
use crate::{Algorithm, Error, KeySet, Limits};

/// Restrictions an external access entry puts on one plugin, as Backstage's
/// `accessRestrictions` config yields them for the receiving plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessRestrictions {
    /// `permissionNames`: the permissions the token may use, if restricted.
    pub permission_names: Option<Vec<String>>,
    /// `permissionAttributes.action`: the permission actions allowed, if restricted.
    pub permission_attributes_action: Option<Vec<String>>,
}

/// One `backend.auth.externalAccess` entry (or a legacy `backend.auth.keys` entry).
#[derive(Clone, Debug)]
pub(crate) enum ExternalAccess {
    Static {
        token: Secret,
        subject: String,
        restrictions: Restrictions,
    },
    Legacy {
        keys: KeySet,
        subject: String,
        restrictions: Restrictions,
    },
    Jwks {
        url: String,
        algorithms: Vec<Algorithm>,
        issuers: Vec<String>,
        audiences: Vec<String>,
        subject_prefix: Option<String>,
        restrictions: Restrictions,
    },
}

/// Per-plugin restrictions of one entry; `None` when the entry has no `accessRestrictions`.
pub(crate) type Restrictions = Option<Vec<(String, AccessRestrictions)>>;

/// What the receiving backend trusts: its plugin id, the accepted algorithms, and
/// `backend.auth.externalAccess` / `backend.auth.keys`.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub(crate) plugin_id: String,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) external: Vec<ExternalAccess>,
    pub(crate) limits: Limits,
    pub(crate) allow_limited_access: bool,
}

/// The shortest static token Backstage accepts.
pub const MIN_STATIC_TOKEN_LEN: usize = 8;

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidConfig {
        reason: reason.into(),
    }
}

/// The longest accepted plugin id. Backstage sets no limit; its plugin ids are short words, and
/// a plugin token's id (its unverified `sub`) ends up in key-ring entries and messages.
pub const MAX_PLUGIN_ID_LEN: usize = 128;

/// Backstage's plugin id rule, `^[a-z0-9_-]+$` (case-insensitive), at most
/// [`MAX_PLUGIN_ID_LEN`] characters.
pub(crate) fn is_plugin_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_PLUGIN_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl AuthConfig {
    /// A configuration for the plugin `plugin_id` with no external access: user, limited user
    /// and plugin tokens only, any asymmetric algorithm.
    pub fn new(plugin_id: &str) -> Result<AuthConfig, Error> {
        if !is_plugin_id(plugin_id) {
            return Err(invalid(
                "\"pluginId\" must match ^[a-z0-9_-]+$ (case-insensitive), at most 128 characters",
            ));
        }
        Ok(AuthConfig {
            plugin_id: plugin_id.to_owned(),
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            external: Vec::new(),
            limits: Limits::default(),
            allow_limited_access: false,
        })
    }

    /// Reads a JSON configuration:
    ///
    /// ```json
    /// { "pluginId": "catalog",
    ///   "allowLimitedAccess": false,
    ///   "algorithms": ["ES256"],
    ///   "backend": { "auth": {
    ///     "externalAccess": [
    ///       { "type": "static", "options": { "token": "...", "subject": "ci-bot" },
    ///         "accessRestrictions": [ { "plugin": "catalog", "permission": "catalog.entity.read" } ] },
    ///       { "type": "legacy", "options": { "secret": "...", "subject": "importer" } },
    ///       { "type": "jwks", "options": { "url": "https://idp/jwks.json", "issuer": "https://idp/",
    ///                                     "audience": "backstage", "algorithm": "RS256",
    ///                                     "subjectPrefix": "idp" } } ],
    ///     "keys": [ { "secret": "..." } ] } } }
    /// ```
    ///
    /// `pluginId` is required. `algorithms` (optional) restricts user and plugin tokens; by
    /// default every asymmetric algorithm is accepted, as Backstage does. Other top-level members
    /// are ignored, so a test-vector `config` can be passed as it is.
    pub fn from_json(document: &[u8]) -> Result<AuthConfig, Error> {
        crate::json::parse_value(document, 32).map_err(|_| {
            invalid("not strict JSON (syntax, a duplicate member name, or nesting deeper than 32)")
        })?;
        let root: Value = serde_json::from_slice(document).map_err(|_| invalid("not JSON"))?;
        let root = root
            .as_object()
            .ok_or_else(|| invalid("not a JSON object"))?;
        let plugin_id = root
            .get("pluginId")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("\"pluginId\" (a string) is required"))?;
        let mut config = AuthConfig::new(plugin_id)?;
        match root.get("allowLimitedAccess") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => config.allow_limited_access = *b,
            Some(_) => return Err(invalid("\"allowLimitedAccess\" must be a boolean")),
        }
        if let Some(algs) = root.get("algorithms") {
            config.algorithms = read_algorithms(Some(algs), "algorithms")?
                .ok_or_else(|| invalid("\"algorithms\" must not be empty"))?;
        }
        let auth = match root.get("backend").and_then(|b| b.get("auth")) {
            None | Some(Value::Null) => return Ok(config),
            Some(Value::Object(a)) => a,
            Some(_) => return Err(invalid("\"backend.auth\" must be an object")),
        };
        if let Some(entries) = auth.get("externalAccess") {
            let entries = entries
                .as_array()
                .ok_or_else(|| invalid("\"externalAccess\" must be an array"))?;
            for (i, entry) in entries.iter().enumerate() {
                config.external.push(read_external(entry, i)?);
            }
        }
        if let Some(keys) = auth.get("keys") {
            let keys = keys
                .as_array()
                .ok_or_else(|| invalid("\"keys\" must be an array"))?;
            for (i, key) in keys.iter().enumerate() {
                let secret = key.get("secret").and_then(Value::as_str).ok_or_else(|| {
                    invalid(format!("backend.auth.keys[{i}].secret must be a string"))
                })?;
                let at = format!("backend.auth.keys[{i}]");
                config.external.push(ExternalAccess::Legacy {
                    keys: legacy_keys(secret, &at)?,
                    subject: "external:backstage-plugin".to_owned(),
                    restrictions: read_restrictions(key.get("accessRestrictions"), &at)?,
                });
            }
        }
        Ok(config)
    }

    /// The receiving plugin's id.
    pub fn plugin_id(&self) -> &str {
        &self.plugin_id
    }

    /// The algorithms accepted for user and plugin tokens.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Restricts the algorithms accepted for user and plugin tokens.
    pub fn set_algorithms(&mut self, algorithms: Vec<Algorithm>) -> Result<(), Error> {
        if algorithms.is_empty() || algorithms.iter().any(|a| a.is_symmetric()) {
            return Err(invalid(
                "user and plugin token algorithms must be asymmetric and not empty",
            ));
        }
        self.algorithms = algorithms;
        Ok(())
    }

    /// The size limits applied to every token.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Changes the size limits.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The configured default for limited access (`allowLimitedAccess`, default `false`).
    pub fn allow_limited_access(&self) -> bool {
        self.allow_limited_access
    }

    /// How many external access entries (including legacy `keys`) are configured.
    pub fn external_access_count(&self) -> usize {
        self.external.len()
    }
}

fn read_external(entry: &Value, i: usize) -> Result<ExternalAccess, Error> {
    let at = format!("externalAccess[{i}]");
    let entry = entry
        .as_object()
        .ok_or_else(|| invalid(format!("{at} must be an object")))?;
    let kind = entry
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{at}.type must be a string")))?;
    let options = entry
        .get("options")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("{at}.options must be an object")))?;
    let restrictions = read_restrictions(entry.get("accessRestrictions"), &at)?;
    let subject = || non_space_string(options, "subject", &at);
    Ok(match kind {
        "static" => {
            let token = non_space_string(options, "token", &at)?;
            if token.len() < MIN_STATIC_TOKEN_LEN {
                return Err(invalid(format!(
                    "{at}.options.token must be at least {MIN_STATIC_TOKEN_LEN} characters"
                )));
            }
            ExternalAccess::Static {
                token: Secret(token.into_bytes()),
                subject: subject()?,
                restrictions,
            }
        }
        "legacy" => ExternalAccess::Legacy {
            keys: legacy_keys(&non_space_string(options, "secret", &at)?, &at)?,
            subject: subject()?,
            restrictions,
        },
        "jwks" => {
            let url = non_space_string(options, "url", &at)?;
            ExternalAccess::Jwks {
                url,
                algorithms: read_algorithms(
                    options.get("algorithm"),
                    &format!("{at}.options.algorithm"),
                )?
                .unwrap_or_else(|| Algorithm::ASYMMETRIC.to_vec()),
                issuers: string_or_list(options.get("issuer"), &format!("{at}.options.issuer"))?
                    .unwrap_or_default(),
                audiences: string_or_list(
                    options.get("audience"),
                    &format!("{at}.options.audience"),
                )?
                .unwrap_or_default(),
                subject_prefix: match options.get("subjectPrefix") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => {
                        return Err(invalid(format!(
                            "{at}.options.subjectPrefix must be a string"
                        )))
                    }
                },
                restrictions,
            }
        }
        other => {
            return Err(invalid(format!(
                "{at}.type \"{}\" is not static, legacy or jwks",
                other.chars().take(32).collect::<String>()
            )))
        }
    })
}

fn non_space_string(options: &Map<String, Value>, name: &str, at: &str) -> Result<String, Error> {
    match options.get(name).and_then(Value::as_str) {
        Some(s) if !s.is_empty() && !s.chars().any(char::is_whitespace) => Ok(s.to_owned()),
        _ => Err(invalid(format!(
            "{at}.options.{name} must be a non-empty string without whitespace"
        ))),
    }
}

/// The legacy secret is base64 (Node's `base64url` decoder accepts both alphabets and padding).
fn legacy_keys(secret: &str, at: &str) -> Result<KeySet, Error> {
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let bytes = url
        .decode(secret)
        .or_else(|_| standard.decode(secret))
        .map_err(|_| invalid(format!("{at} secret is not base64")))?;
    KeySet::from_hmac_secret(&bytes).map_err(|_| {
        invalid(format!(
            "{at} secret must decode to at least {} bytes",
            crate::keys::MIN_HMAC_SECRET_BYTES
        ))
    })
}

/// Backstage's `readStringOrStringArrayFromConfig`: a string or array of strings, each split on
/// spaces and commas, de-duplicated; `None` when absent or empty.
fn string_or_list(value: Option<&Value>, at: &str) -> Result<Option<Vec<String>>, Error> {
    let raw: Vec<&str> = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid(format!("{at} must be a string or an array of strings")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(invalid(format!(
                "{at} must be a string or an array of strings"
            )))
        }
    };
    let mut out: Vec<String> = Vec::new();
    for part in raw.iter().flat_map(|s| s.split([' ', ','])) {
        if !part.is_empty() && !out.iter().any(|o| o == part) {
            out.push(part.to_owned());
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

fn read_algorithms(value: Option<&Value>, at: &str) -> Result<Option<Vec<Algorithm>>, Error> {
    let Some(names) = string_or_list(value, at)? else {
        return Ok(None);
    };
    names
        .iter()
        .map(|n| match Algorithm::from_name(n) {
            Some(a) if !a.is_symmetric() => Ok(a),
            _ => Err(invalid(format!(
                "{at}: \"{}\" is not a supported asymmetric algorithm",
                n.chars().take(16).collect::<String>()
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn read_restrictions(value: Option<&Value>, at: &str) -> Result<Restrictions, Error> {
    let list = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(format!("{at}.accessRestrictions must be an array"))),
    };
    let mut out: Vec<(String, AccessRestrictions)> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let at = format!("{at}.accessRestrictions[{i}]");
        let r = r
            .as_object()
            .ok_or_else(|| invalid(format!("{at} must be an object")))?;
        if let Some(k) = r
            .keys()
            .find(|k| !["plugin", "permission", "permissionAttribute"].contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "{at}: invalid key '{}', expected one of 'plugin', 'permission', 'permissionAttribute'",
                k.chars().take(32).collect::<String>()
            )));
        }
        let plugin = r
            .get("plugin")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("{at}.plugin must be a string")))?;
        if out.iter().any(|(p, _)| p == plugin) {
            return Err(invalid(format!(
                "{at}: 'accessRestrictions' declared twice for one plugin"
            )));
        }
        let permission_names = string_or_list(r.get("permission"), &format!("{at}.permission"))?;
        let action = match r.get("permissionAttribute") {
            None | Some(Value::Null) => None,
            Some(Value::Object(attr)) => {
                if attr.keys().any(|k| k != "action") {
                    return Err(invalid(format!(
                        "{at}.permissionAttribute: only 'action' is valid"
                    )));
                }
                let actions = string_or_list(
                    attr.get("action"),
                    &format!("{at}.permissionAttribute.action"),
                )?;
                if let Some(bad) = actions
                    .iter()
                    .flatten()
                    .find(|a| !["create", "read", "update", "delete"].contains(&a.as_str()))
                {
                    return Err(invalid(format!(
                        "{at}.permissionAttribute.action: '{}' is not create, read, update or delete",
                        bad.chars().take(16).collect::<String>()
                    )));
                }
                actions
            }
            Some(_) => {
                return Err(invalid(format!(
                    "{at}.permissionAttribute must be an object"
                )))
            }
        };
        out.push((
            plugin.to_owned(),
            AccessRestrictions {
                permission_names,
                permission_attributes_action: action,
            },
        ));
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        match AuthConfig::from_json(json.as_bytes()) {
            Err(Error::InvalidConfig { reason }) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_backstage_shape() {
        let c = AuthConfig::from_json(
            br#"{"pluginId":"catalog","allowLimitedAccess":true,"backend":{"auth":{
              "externalAccess":[
                {"type":"static","options":{"token":"0123456789","subject":"ci"},
                 "accessRestrictions":[{"plugin":"catalog","permission":"a, b","permissionAttribute":{"action":["read"]}}]},
                {"type":"legacy","options":{"secret":"8BLQareAbwTj8YriP37jQ0ObQlfe33aX","subject":"s"}},
                {"type":"jwks","options":{"url":"https://idp/j","algorithm":"RS256 ES256","issuer":["i"],"audience":"a"}}],
              "keys":[{"secret":"8BLQareAbwTj8YriP37jQ0ObQlfe33aX"}]}}}"#,
        )
        .unwrap();
        assert_eq!(c.plugin_id(), "catalog");
        assert!(c.allow_limited_access());
        assert_eq!(c.external_access_count(), 4);
        match &c.external[0] {
            ExternalAccess::Static {
                restrictions: Some(r),
                ..
            } => {
                assert_eq!(r[0].0, "catalog");
                assert_eq!(
                    r[0].1.permission_names,
                    Some(vec!["a".to_string(), "b".to_string()])
                );
                assert_eq!(
                    r[0].1.permission_attributes_action,
                    Some(vec!["read".to_string()])
                );
            }
            other => panic!("{other:?}"),
        }
        match &c.external[2] {
            ExternalAccess::Jwks {
                algorithms,
                issuers,
                ..
            } => {
                assert_eq!(algorithms, &vec![Algorithm::RS256, Algorithm::ES256]);
                assert_eq!(issuers, &vec!["i".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_bad_config() {
        assert!(err("{}").contains("pluginId"));
        assert!(err(r#"{"pluginId":"a b"}"#).contains("pluginId"));
        assert!(err(r#"{"pluginId":"a","pluginId":"b"}"#).contains("strict JSON"));
        assert!(err(r#"{"pluginId":"a","backend":{"auth":{"externalAccess":[{"type":"static","options":{"token":"short","subject":"s"}}]}}}"#)
            .contains("at least 8"));
        assert!(err(r#"{"pluginId":"a","backend":{"auth":{"externalAccess":[{"type":"magic","options":{}}]}}}"#)
            .contains("not static, legacy or jwks"));
        assert!(
            err(r#"{"pluginId":"a","backend":{"auth":{"keys":[{"secret":"c2hvcnQ"}]}}}"#)
                .contains("at least 16")
        );
        assert!(err(r#"{"pluginId":"a","algorithms":["HS256"]}"#).contains("asymmetric"));
        assert!(err(r#"{"pluginId":"a","backend":{"auth":{"externalAccess":[{"type":"static","options":{"token":"0123456789","subject":"s"},"accessRestrictions":[{"plugin":"a","bogus":1}]}]}}}"#)
            .contains("invalid key"));
        assert!(err(r#"{"pluginId":"a","backend":{"auth":{"externalAccess":[{"type":"static","options":{"token":"0123456789","subject":"s"},"accessRestrictions":[{"plugin":"a","permissionAttribute":{"action":"fly"}}]}]}}}"#)
            .contains("fly"));
        // Secrets never appear in Debug output either.
        let c = AuthConfig::from_json(
            br#"{"pluginId":"a","backend":{"auth":{"externalAccess":[{"type":"static","options":{"token":"static-secret-token","subject":"s"}}],"keys":[{"secret":"8BLQareAbwTj8YriP37jQ0ObQlfe33aX","accessRestrictions":[{"plugin":"b"}]}]}}}"#,
        )
        .unwrap();
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("static-secret-token") && !debug.contains("115, 116, 97"),
            "{debug}"
        );
        assert!(
            matches!(&c.external[1], ExternalAccess::Legacy { restrictions: Some(r), .. } if r[0].0 == "b")
        );
        // Secrets never appear in messages.
        let m = err(r#"{"pluginId":"a","backend":{"auth":{"keys":[{"secret":"c2VjcmV0"}]}}}"#);
        assert!(!m.contains("c2VjcmV0"), "{m}");
    }
}
