//! JWKS parsing into an immutable [`KeySet`], key selection, and signature checks with ring.

use ring::signature as sig;

use crate::curve::NistCurve;
use crate::json;
use crate::token::decode_base64url;
use crate::{Error, Segment};

/// A JWS algorithm this library implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA P-256 SHA-256 (Backstage's default).
    ES256,
    /// ECDSA P-384 SHA-384.
    ES384,
    /// RSASSA-PKCS1-v1_5 SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 SHA-512.
    RS512,
    /// RSASSA-PSS SHA-256.
    PS256,
    /// RSASSA-PSS SHA-384.
    PS384,
    /// RSASSA-PSS SHA-512.
    PS512,
    /// Ed25519.
    EdDSA,
    /// HMAC SHA-256 (only where the policy explicitly allows it: legacy service tokens).
    HS256,
    /// HMAC SHA-384.
    HS384,
    /// HMAC SHA-512.
    HS512,
}

impl Algorithm {
    /// Every algorithm, asymmetric first, HMAC last.
    pub const ALL: &'static [Algorithm] = &[
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::EdDSA,
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
    ];

    /// The asymmetric algorithms (all but the last three of [`Algorithm::ALL`]): the default policy.
    pub const ASYMMETRIC: &'static [Algorithm] = Algorithm::ALL.split_at(9).0;

    /// The JOSE name, e.g. `ES256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    /// [`Algorithm::name`] NUL-terminated, for C callers.
    pub fn as_cstr(self) -> &'static std::ffi::CStr {
        match self {
            Algorithm::ES256 => c"ES256",
            Algorithm::ES384 => c"ES384",
            Algorithm::RS256 => c"RS256",
            Algorithm::RS384 => c"RS384",
            Algorithm::RS512 => c"RS512",
            Algorithm::PS256 => c"PS256",
            Algorithm::PS384 => c"PS384",
            Algorithm::PS512 => c"PS512",
            Algorithm::EdDSA => c"EdDSA",
            Algorithm::HS256 => c"HS256",
            Algorithm::HS384 => c"HS384",
            Algorithm::HS512 => c"HS512",
        }
    }

    /// The algorithm with this JOSE name (case-sensitive), if implemented. `none` is not.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether this is an HMAC algorithm.
    pub fn is_symmetric(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options for reading a JWKS document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySetOptions {
    /// Accept `oct` (HMAC) keys. Off by default: only legacy service tokens use shared secrets.
    pub allow_hmac: bool,
}

/// Bytes that must never be printed: `Debug` shows only their length.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted {} bytes>", self.0.len())
    }
}

/// The verification material of one key.
#[derive(Clone, Debug)]
enum Material {
    Ec { curve: NistCurve, point: Vec<u8> },
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ed25519 { x: Vec<u8> },
    Hmac { secret: Secret },
}

/// One usable public key (or, where enabled, HMAC secret).
#[derive(Clone, Debug)]
pub struct Key {
    kid: Option<String>,
    alg: Option<Algorithm>,
    material: Material,
}

impl Key {
    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key's own `alg`, if it has one.
    pub fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// Whether this key can verify `alg`: the key type and curve fit, and the key's own `alg`
    /// (if any) is exactly `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        if self.alg.is_some_and(|own| own != alg) {
            return false;
        }
        use Algorithm as A;
        match (&self.material, alg) {
            (Material::Ec { curve, .. }, A::ES256) => *curve == NistCurve::P256,
            (Material::Ec { curve, .. }, A::ES384) => *curve == NistCurve::P384,
            (Material::Rsa { .. }, A::RS256 | A::RS384 | A::RS512)
            | (Material::Rsa { .. }, A::PS256 | A::PS384 | A::PS512) => true,
            (Material::Ed25519 { .. }, A::EdDSA) => true,
            (Material::Hmac { .. }, A::HS256 | A::HS384 | A::HS512) => true,
            _ => false,
        }
    }

    /// Checks `signature` over `message` with this key and `alg` (which must fit the key).
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        use Algorithm as A;
        let fixed_len = |expected: usize| {
            if signature.len() == expected {
                Ok(())
            } else {
                Err(Error::SignatureFormat { expected })
            }
        };
        let ok = match (&self.material, alg) {
            (Material::Ec { point, .. }, A::ES256) => {
                fixed_len(64)?;
                sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
            }
            (Material::Ec { point, .. }, A::ES384) => {
                fixed_len(96)?;
                sig::UnparsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, point)
                    .verify(message, signature)
            }
            (Material::Ed25519 { x }, A::EdDSA) => {
                fixed_len(64)?;
                sig::UnparsedPublicKey::new(&sig::ED25519, x).verify(message, signature)
            }
            (Material::Rsa { n, e }, _) => {
                let params: &'static sig::RsaParameters = match alg {
                    A::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                    A::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                    A::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
                    A::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
                    A::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
                    A::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
                    _ => {
                        return Err(Error::NoMatchingKey {
                            reload_throttled: false,
                        })
                    }
                };
                sig::RsaPublicKeyComponents { n, e }.verify(params, message, signature)
            }
            (Material::Hmac { secret }, _) => {
                let algorithm = match alg {
                    A::HS256 => ring::hmac::HMAC_SHA256,
                    A::HS384 => ring::hmac::HMAC_SHA384,
                    A::HS512 => ring::hmac::HMAC_SHA512,
                    _ => {
                        return Err(Error::NoMatchingKey {
                            reload_throttled: false,
                        })
                    }
                };
                // Constant-time comparison of the tag.
                ring::hmac::verify(
                    &ring::hmac::Key::new(algorithm, &secret.0),
                    message,
                    signature,
                )
            }
            _ => {
                return Err(Error::NoMatchingKey {
                    reload_throttled: false,
                })
            }
        };
        ok.map_err(|_| Error::SignatureInvalid)
    }
}

/// A JWK that was not loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its position in the document's `keys` array.
    pub index: usize,
    /// Its `kid`, if it had a string one.
    pub kid: Option<String>,
    /// Why it was skipped: always [`Error::JwkInvalid`].
    pub reason: Error,
}

/// An immutable set of verification keys parsed from a JWKS document.
///
/// ```
/// use backstage_identity::{KeySet, KeySetOptions};
/// let jwks = br#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",
///   "x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",
///   "y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"},
///   {"kty":"RSA","n":"AQAB","e":"AQAB","kid":"tiny"}]}"#;
/// let keys = KeySet::from_jwks(jwks, &KeySetOptions::default()).unwrap();
/// assert_eq!(keys.len(), 1);
/// assert_eq!(keys.skipped()[0].kid.as_deref(), Some("tiny")); // RSA below 2048 bits
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    skipped: Vec<SkippedKey>,
}

/// The most keys one JWKS document may hold.
pub const MAX_JWKS_KEYS: usize = 1_000;
/// The largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 1 << 20;

impl KeySet {
    /// Parses a JWKS document (`{"keys": [...]}`) strictly. Unusable keys are skipped with a
    /// reason ([`KeySet::skipped`]); a key with private members, a malformed document, or a
    /// document without any usable key is an error.
    pub fn from_jwks(document: &[u8], options: &KeySetOptions) -> Result<KeySet, Error> {
        let invalid = |reason: &str| Error::JwksInvalid {
            reason: reason.to_owned(),
        };
        if document.len() > MAX_JWKS_BYTES {
            return Err(invalid("the document is larger than 1 MiB"));
        }
        json::parse_value(document, 16).map_err(|e| match e {
            json::JsonError::Duplicate => invalid("a JSON object has a duplicate member name"),
            json::JsonError::TooDeep => invalid("JSON nesting is too deep"),
            _ => invalid("not JSON"),
        })?;
        // The strict pass above accepted it; read it again as a tree (JWKS loads are rare).
        let doc: serde_json::Value =
            serde_json::from_slice(document).map_err(|_| invalid("not JSON"))?;
        let list = doc
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(|k| k.as_array())
            .ok_or_else(|| invalid("not an object with a \"keys\" array"))?;
        if list.len() > MAX_JWKS_KEYS {
            return Err(invalid("more than 1000 keys"));
        }
        let mut set = KeySet::default();
        for (index, jwk) in list.iter().enumerate() {
            let obj = match jwk.as_object() {
                Some(o) => o,
                None => {
                    set.skip(index, None, "not a JSON object");
                    continue;
                }
            };
            let kid = obj.get("kid").and_then(|v| v.as_str()).map(str::to_owned);
            if let Some(member) = private_member(obj) {
                return Err(Error::JwksInvalid {
                    reason: format!("key {index} carries the private member \"{member}\""),
                });
            }
            match parse_jwk(obj, options) {
                Ok(key) => set.keys.push(key),
                Err(reason) => set.skip(index, kid, &reason),
            }
        }
        if set.keys.is_empty() {
            return Err(Error::JwksNoUsableKey {
                skipped: set.skipped.len(),
            });
        }
        Ok(set)
    }

    /// A key set holding one HMAC secret (a legacy `backend.auth.keys` / `externalAccess` secret).
    pub fn from_hmac_secret(secret: &[u8]) -> Result<KeySet, Error> {
        if secret.len() < MIN_HMAC_SECRET_BYTES {
            return Err(Error::InvalidConfig {
                reason: format!("an HMAC secret must be at least {MIN_HMAC_SECRET_BYTES} bytes"),
            });
        }
        Ok(KeySet {
            keys: vec![Key {
                kid: None,
                alg: None,
                material: Material::Hmac {
                    secret: Secret(secret.to_vec()),
                },
            }],
            skipped: Vec::new(),
        })
    }

    fn skip(&mut self, index: usize, kid: Option<String>, reason: &str) {
        self.skipped.push(SkippedKey {
            index,
            kid,
            reason: Error::JwkInvalid {
                reason: reason.to_owned(),
            },
        });
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// How many keys are usable.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable (never true for a set from [`KeySet::from_jwks`]).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys of the document that were skipped, with reasons.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Whether some key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// Selects the one key for a token's `alg` and `kid`, as jose does: the candidates are the
    /// keys that fit `alg` and, when the token names a `kid`, carry that `kid`. Exactly one must
    /// remain.
    pub fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Key, Error> {
        let mut found = None;
        for key in &self.keys {
            if key.fits(alg) && kid.is_none_or(|kid| key.kid() == Some(kid)) {
                if found.is_some() {
                    return Err(Error::MultipleMatchingKeys);
                }
                found = Some(key);
            }
        }
        found.ok_or(Error::NoMatchingKey {
            reload_throttled: false,
        })
    }
}

/// The shortest accepted HMAC secret. Backstage's documentation generates 24 random bytes.
pub const MIN_HMAC_SECRET_BYTES: usize = 16;

type Object = serde_json::Map<String, serde_json::Value>;

fn private_member(obj: &Object) -> Option<&'static str> {
    let kty = obj.get("kty").and_then(|v| v.as_str()).unwrap_or("");
    let members: &[&'static str] = match kty {
        "RSA" => &["d", "p", "q", "dp", "dq", "qi", "oth"],
        "oct" => &[],
        _ => &["d"],
    };
    members.iter().copied().find(|m| obj.contains_key(*m))
}

fn string_member<'a>(obj: &'a Object, name: &str) -> Result<Option<&'a str>, String> {
    match obj.get(name) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("\"{name}\" is not a string")),
    }
}

fn bytes_member(obj: &Object, name: &str) -> Result<Vec<u8>, String> {
    let s = string_member(obj, name)?.ok_or_else(|| format!("\"{name}\" is missing"))?;
    decode_base64url(s, Segment::Signature)
        .map_err(|_| format!("\"{name}\" is not strict base64url"))
}

fn parse_jwk(obj: &Object, options: &KeySetOptions) -> Result<Key, String> {
    let kty = string_member(obj, "kty")?.ok_or("\"kty\" is missing")?;
    let kid = string_member(obj, "kid")?.map(str::to_owned);
    match string_member(obj, "use")? {
        None | Some("sig") => {}
        Some(_) => return Err("\"use\" is not \"sig\"".into()),
    }
    if let Some(ops) = obj.get("key_ops") {
        let ops = ops.as_array().ok_or("\"key_ops\" is not an array")?;
        if !ops.iter().any(|o| o.as_str() == Some("verify")) {
            return Err("\"key_ops\" does not contain \"verify\"".into());
        }
    }
    let alg = match string_member(obj, "alg")? {
        None => None,
        Some(name) => {
            Some(Algorithm::from_name(name).ok_or("\"alg\" is not a supported algorithm")?)
        }
    };
    let crv = string_member(obj, "crv")?;
    let material = match kty {
        "EC" => {
            let curve = match crv {
                Some("P-256") => NistCurve::P256,
                Some("P-384") => NistCurve::P384,
                _ => return Err("\"crv\" is not P-256 or P-384".into()),
            };
            let (x, y) = (bytes_member(obj, "x")?, bytes_member(obj, "y")?);
            let len = curve.coordinate_len();
            if x.len() != len || y.len() != len {
                return Err(format!("EC coordinates must be exactly {len} bytes"));
            }
            if !curve.contains(&x, &y) {
                return Err("the EC point is not on the curve".into());
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            Material::Ec { curve, point }
        }
        "RSA" => {
            let mut n = bytes_member(obj, "n")?;
            let e = bytes_member(obj, "e")?;
            // One leading zero byte (a two's-complement habit of some encoders) is tolerated.
            if n.len() > 1 && n[0] == 0 && n[1] & 0x80 != 0 {
                n.remove(0);
            }
            if n.first() == Some(&0) {
                return Err("RSA modulus has leading zeros".into());
            }
            let bits = match n.first() {
                Some(first) => n.len() * 8 - first.leading_zeros() as usize,
                None => 0,
            };
            if !(2048..=8192).contains(&bits) {
                return Err("RSA modulus must be 2048 to 8192 bits".into());
            }
            if e.is_empty() || e[0] == 0 || e.len() > 4 || e.last().is_some_and(|b| b & 1 == 0) {
                return Err("RSA exponent is not a valid odd number".into());
            }
            Material::Rsa { n, e }
        }
        "OKP" => {
            if crv != Some("Ed25519") {
                return Err("\"crv\" is not Ed25519".into());
            }
            let x = bytes_member(obj, "x")?;
            if x.len() != 32 {
                return Err("Ed25519 key must be exactly 32 bytes".into());
            }
            Material::Ed25519 { x }
        }
        "oct" => {
            if !options.allow_hmac {
                return Err("symmetric (oct) keys are not enabled".into());
            }
            let secret = bytes_member(obj, "k")?;
            if secret.len() < MIN_HMAC_SECRET_BYTES {
                return Err(format!(
                    "HMAC secret shorter than {MIN_HMAC_SECRET_BYTES} bytes"
                ));
            }
            Material::Hmac {
                secret: Secret(secret),
            }
        }
        _ => return Err("\"kty\" is not EC, RSA, OKP or oct".into()),
    };
    let key = Key {
        kid,
        alg: None,
        material,
    };
    if let Some(alg) = alg {
        if !key.fits(alg) {
            return Err(format!("\"alg\" {alg} does not fit the key type"));
        }
    }
    Ok(Key { alg, ..key })
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A";
    const Y: &str = "jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA";

    fn ec(extra: &str) -> String {
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"{extra}}}"#)
    }

    fn set(keys: &[String]) -> Result<KeySet, Error> {
        KeySet::from_jwks(
            format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes(),
            &KeySetOptions::default(),
        )
    }

    fn skipped_reason(key: String) -> String {
        let s = set(&[ec(r#","kid":"good""#), key]).unwrap();
        assert_eq!(s.len(), 1);
        match &s.skipped()[0].reason {
            Error::JwkInvalid { reason } => reason.clone(),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn parses_ec_key() {
        let s = set(&[ec(
            r#","kid":"a","alg":"ES256","use":"sig","key_ops":["verify"]"#,
        )])
        .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.keys()[0].kid(), Some("a"));
        assert_eq!(s.keys()[0].alg(), Some(Algorithm::ES256));
        assert!(s.has_kid("a"));
    }

    #[test]
    fn skips_unusable_keys_with_reasons() {
        assert_eq!(
            skipped_reason(ec(r#","use":"enc""#)),
            "\"use\" is not \"sig\""
        );
        assert_eq!(
            skipped_reason(ec(r#","key_ops":["sign"]"#)),
            "\"key_ops\" does not contain \"verify\""
        );
        assert_eq!(
            skipped_reason(ec(r#","alg":"ES384""#)),
            "\"alg\" ES384 does not fit the key type"
        );
        assert_eq!(
            skipped_reason(ec(r#","alg":"ES512""#)),
            "\"alg\" is not a supported algorithm"
        );
        assert_eq!(
            skipped_reason(format!(
                r#"{{"kty":"EC","crv":"P-384","x":"{X}","y":"{Y}"}}"#
            )),
            "EC coordinates must be exactly 48 bytes"
        );
        assert_eq!(
            skipped_reason(format!(
                r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{X}"}}"#
            )),
            "the EC point is not on the curve"
        );
        assert_eq!(
            skipped_reason(format!(
                r#"{{"kty":"EC","crv":"P-521","x":"{X}","y":"{Y}"}}"#
            )),
            "\"crv\" is not P-256 or P-384"
        );
        assert_eq!(
            skipped_reason(r#"{"kty":"RSA","n":"","e":"AQAB"}"#.into()),
            "RSA modulus must be 2048 to 8192 bits"
        );
        assert_eq!(
            skipped_reason(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#.into()),
            "RSA modulus must be 2048 to 8192 bits"
        );
        assert_eq!(
            skipped_reason(r#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}"#.into()),
            "symmetric (oct) keys are not enabled"
        );
        assert_eq!(
            skipped_reason(r#"{"kty":"OKP","crv":"X25519","x":"AA"}"#.into()),
            "\"crv\" is not Ed25519"
        );
        assert_eq!(
            skipped_reason(r#"{"kty":"EC","crv":"P-256","x":"a=","y":"b"}"#.into()),
            "\"x\" is not strict base64url"
        );
        assert_eq!(
            skipped_reason(r#"{"crv":"P-256"}"#.into()),
            "\"kty\" is missing"
        );
        assert_eq!(skipped_reason("7".into()), "not a JSON object");
        assert_eq!(skipped_reason(ec(r#","kid":5"#)), "\"kid\" is not a string");
    }

    #[test]
    fn refuses_private_keys_and_bad_documents() {
        assert!(matches!(
            set(&[ec(r#","d":"AAAA""#)]),
            Err(Error::JwksInvalid { .. })
        ));
        assert!(matches!(
            set(&[r#"{"kty":"RSA","n":"AQAB","e":"AQAB","p":"AQ"}"#.into()]),
            Err(Error::JwksInvalid { .. })
        ));
        assert_eq!(set(&[]).unwrap_err(), Error::JwksNoUsableKey { skipped: 0 });
        assert_eq!(
            set(&[ec(r#","use":"enc""#)]).unwrap_err(),
            Error::JwksNoUsableKey { skipped: 1 }
        );
        for doc in [
            &b"[]"[..],
            b"{}",
            b"{\"keys\":{}}",
            b"nope",
            b"{\"keys\":[],\"keys\":[]}",
        ] {
            assert!(matches!(
                KeySet::from_jwks(doc, &KeySetOptions::default()),
                Err(Error::JwksInvalid { .. })
            ));
        }
    }

    #[test]
    fn document_size_and_key_count_are_capped() {
        let big = format!(
            r#"{{"keys":[{}],"pad":"{}"}}"#,
            ec(""),
            "x".repeat(MAX_JWKS_BYTES)
        );
        assert!(matches!(
            KeySet::from_jwks(big.as_bytes(), &KeySetOptions::default()),
            Err(Error::JwksInvalid { .. })
        ));
        let many: Vec<String> = (0..=MAX_JWKS_KEYS).map(|_| ec("")).collect();
        assert!(matches!(set(&many), Err(Error::JwksInvalid { .. })));
        let enough: Vec<String> = (0..MAX_JWKS_KEYS)
            .map(|i| ec(&format!(r#","kid":"{i}""#)))
            .collect();
        assert_eq!(set(&enough).unwrap().len(), MAX_JWKS_KEYS);
    }

    #[test]
    fn asymmetric_is_all_but_hmac() {
        assert_eq!(Algorithm::ASYMMETRIC.len(), 9);
        assert!(Algorithm::ASYMMETRIC.iter().all(|a| !a.is_symmetric()));
        assert!(Algorithm::ALL[9..].iter().all(|a| a.is_symmetric()));
        for a in Algorithm::ALL {
            assert_eq!(a.as_cstr().to_str(), Ok(a.name()));
            assert_eq!(Algorithm::from_name(a.name()), Some(*a));
        }
    }

    #[test]
    fn hmac_only_when_enabled() {
        let doc = br#"{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}]}"#;
        let s = KeySet::from_jwks(doc, &KeySetOptions { allow_hmac: true }).unwrap();
        assert!(s.keys()[0].fits(Algorithm::HS256));
        assert!(!s.keys()[0].fits(Algorithm::ES256));
        assert!(KeySet::from_hmac_secret(b"short").is_err());
        // Secrets never show in Debug output.
        let debug = format!(
            "{:?}",
            KeySet::from_hmac_secret(b"a-very-secret-secret").unwrap()
        );
        assert!(!debug.contains("115, 101, 99"), "{debug}");
        assert!(debug.contains("<redacted 20 bytes>"), "{debug}");
    }

    #[test]
    fn selection_as_jose_does_it() {
        let s = set(&[ec(r#","kid":"a""#), ec(r#","kid":"b","alg":"ES256""#)]).unwrap();
        assert_eq!(
            s.select(Algorithm::ES256, Some("a")).unwrap().kid(),
            Some("a")
        );
        assert_eq!(
            s.select(Algorithm::ES256, None).unwrap_err(),
            Error::MultipleMatchingKeys
        );
        assert_eq!(
            s.select(Algorithm::ES256, Some("c")).unwrap_err(),
            Error::NoMatchingKey {
                reload_throttled: false
            }
        );
        // The header only selects: an ES384 or RS256 header never reaches a P-256 key.
        assert!(s.select(Algorithm::ES384, Some("a")).is_err());
        assert!(s.select(Algorithm::RS256, Some("a")).is_err());
        assert!(s.select(Algorithm::HS256, Some("a")).is_err());
        let one = set(&[ec("")]).unwrap();
        assert!(one.select(Algorithm::ES256, None).is_ok());
        // A key without kid does not match a token that names one.
        assert!(one.select(Algorithm::ES256, Some("a")).is_err());
    }

    #[test]
    fn rsa_leading_zero_tolerated() {
        let n = vec![0xc5u8; 256];
        let mut with_zero = vec![0u8];
        with_zero.extend_from_slice(&n);
        let enc =
            |b: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b);
        let key = |n: &[u8]| format!(r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#, enc(n));
        assert_eq!(set(&[key(&n)]).unwrap().len(), 1);
        assert_eq!(set(&[key(&with_zero)]).unwrap().len(), 1);
        let mut two_zeros = vec![0u8, 0u8];
        two_zeros.extend_from_slice(&n);
        assert!(set(&[key(&two_zeros)]).is_err());
    }
}
