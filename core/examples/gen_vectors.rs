//! Writes `tests/vectors/vectors.json`: the shared conformance vectors every language runs.
//!
//! Two origins:
//! - `backstage`: the real tokens of `tests/vectors/backstage/*.json` (minted and judged by
//!   Backstage's own packages), converted to this project's format. The expected outcome is
//!   Backstage's recorded verdict: the same principal and `expiresAt` when it accepted, and for a
//!   refusal the error code this project reports for it (listed in `REFUSALS` below).
//! - `generated`: tokens signed here with fresh keys, one or more per rejection rule.
//!
//! Keys and ECDSA signatures are random, so the file changes on every run; expectations do not.
//! Run: `cargo run -p backstage-identity --example gen_vectors`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};

/// The code this project reports for each Backstage refusal.
const REFUSALS: &[(&str, &str)] = &[
    ("009-user-expired-at-exp", "ERR_TOKEN_EXPIRED"),
    ("010-user-signature-char-flipped", "ERR_SIGNATURE_INVALID"),
    (
        "011-user-unknown-kid-after-restart",
        "ERR_JWKS_NO_MATCHING_KEY",
    ),
    ("014-user-key-rotated-away", "ERR_JWKS_NO_MATCHING_KEY"),
    (
        "016-user-no-kid-two-keys",
        "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
    ),
    ("021-header-bearer-tab", "ERR_AUTHORIZATION_HEADER"),
    (
        "022-limited-user-not-allowed",
        "ERR_LIMITED_TOKEN_NOT_ALLOWED",
    ),
    ("025-plugin-wrong-target", "ERR_AUDIENCE_MISMATCH"),
    ("026-plugin-expired-at-exp", "ERR_TOKEN_EXPIRED"),
    ("027-plugin-source-without-jwks", "ERR_KEYS_UNAVAILABLE"),
    ("032-legacy-expired-at-exp", "ERR_TOKEN_EXPIRED"),
    ("033-legacy-wrong-secret", "ERR_TOKEN_NOT_ACCEPTED"),
    (
        "035-static-token-restricted-other-plugin",
        "ERR_ACCESS_RESTRICTED",
    ),
    ("038-external-jwks-wrong-audience", "ERR_TOKEN_NOT_ACCEPTED"),
    ("039-external-jwks-expired-at-exp", "ERR_TOKEN_NOT_ACCEPTED"),
    (
        "040-external-jwks-aud-backstage",
        "ERR_JWKS_NO_MATCHING_KEY",
    ),
    ("041-header-missing", "ERR_TOKEN_MISSING"),
    ("042-malformed-two-segments", "ERR_JWS_SEGMENTS"),
    ("043-malformed-garbage", "ERR_JWS_SEGMENTS"),
    ("044-malformed-empty", "ERR_TOKEN_MISSING"),
];

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Which JWKS sources a Backstage case's token makes the verifier fetch, in order.
fn backstage_fetches(case: &Value) -> Vec<String> {
    let id = case["id"].as_str().unwrap_or("");
    let kind = case["kind"].as_str().unwrap_or("");
    let external = || {
        case["jwks"]["external"]
            .as_object()
            .map(|m| m.keys().map(|u| format!("external:{u}")).collect())
            .unwrap_or_default()
    };
    match kind {
        _ if id.starts_with("021") || id.starts_with("041") => vec![],
        "user" | "limited-user" => vec!["auth".into()],
        // A plugin token for another plugin is refused before any key is fetched.
        "plugin" if id.starts_with("025") => vec![],
        "plugin" => vec!["plugin:catalog".into()],
        "plugin-obo" => vec!["plugin:catalog".into(), "auth".into()],
        // A token with `aud: "backstage"` is claimed by the user handler first (case 040).
        "external-jwks" if id.starts_with("040") => vec!["auth".into()],
        "external-jwks" => external(),
        _ => vec![],
    }
}

fn convert_backstage(case: &Value) -> Value {
    let id = case["id"].as_str().expect("id");
    let verdict = &case["backstage"]["DefaultAuthService"];
    let mut jwks = serde_json::Map::new();
    jwks.insert("auth".into(), case["jwks"]["auth"].clone());
    for (group, prefix) in [("plugins", "plugin:"), ("external", "external:")] {
        if let Some(m) = case["jwks"][group].as_object() {
            for (name, doc) in m {
                jwks.insert(format!("{prefix}{name}"), doc.clone());
            }
        }
    }
    let expect = if verdict["ok"].as_bool() == Some(true) {
        json!({
            "ok": true,
            "principal": verdict["principal"],
            "expires_at": verdict["expiresAt"],
            "fetches": backstage_fetches(case),
        })
    } else {
        let code = REFUSALS
            .iter()
            .find(|(case_id, _)| *case_id == id)
            .unwrap_or_else(|| panic!("no expected code for refused case {id}"))
            .1;
        json!({ "ok": false, "code": code, "fetches": backstage_fetches(case) })
    };
    let mut out = json!({
        "id": format!("backstage/{id}"),
        "description": case["what"],
        "origin": "backstage",
        "kind": "authenticate",
        "now": case["now"],
        "config": case["config"],
        "allow_limited_access": case["config"]["allowLimitedAccess"],
        "jwks": jwks,
        "expect": expect,
        "backstage": verdict,
    });
    if let Some(header) = case.get("authorization_header") {
        out["authorization"] = header.clone();
    } else {
        out["token"] = case["token"].clone();
    }
    out
}

struct Es {
    pair: EcdsaKeyPair,
    der: EcdsaKeyPair,
    kid: String,
}

impl Es {
    fn new(rng: &SystemRandom, kid: &str) -> Es {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, rng).unwrap();
        Es {
            pair: EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                pkcs8.as_ref(),
                rng,
            )
            .unwrap(),
            der: EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                pkcs8.as_ref(),
                rng,
            )
            .unwrap(),
            kid: kid.into(),
        }
    }
    fn jwk(&self) -> Value {
        let p = self.pair.public_key().as_ref();
        json!({"kty":"EC","crv":"P-256","alg":"ES256","kid":self.kid,"x":b64(&p[1..33]),"y":b64(&p[33..65])})
    }
    fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }
    fn sign(&self, rng: &SystemRandom, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.pair.sign(rng, input.as_bytes()).unwrap();
        format!("{input}.{}", b64(sig))
    }
    fn sign_der(&self, rng: &SystemRandom, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.der.sign(rng, input.as_bytes()).unwrap();
        format!("{input}.{}", b64(sig))
    }
}

fn hs256(secret: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret),
        input.as_bytes(),
    );
    format!("{input}.{}", b64(tag))
}

fn ok_claims(sub: &str) -> Value {
    json!({ "ok": true, "sub": sub })
}

fn fail(code: &str) -> Value {
    json!({ "ok": false, "code": code })
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("vectors");
    let rng = SystemRandom::new();
    let mut cases: Vec<Value> = Vec::new();

    // Backstage's own tokens and verdicts.
    let mut files: Vec<_> = fs::read_dir(root.join("backstage"))
        .expect("tests/vectors/backstage")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in &files {
        let case: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        cases.push(convert_backstage(&case));
    }

    let now: u64 = 1_800_000_000;
    let key = Es::new(&rng, "gen-1");
    let other = Es::new(&rng, "gen-2");
    let jwks = key.jwks();
    let user_header =
        |kid: &str| format!(r#"{{"typ":"vnd.backstage.user","alg":"ES256","kid":"{kid}"}}"#);
    let good_payload = format!(
        r#"{{"iss":"https://backstage.example.com/api/auth","sub":"user:default/alice","aud":"backstage","iat":{},"exp":{}}}"#,
        now - 10,
        now + 3590
    );
    let h = user_header("gen-1");

    // --- Generic verification: one case per rule. ---
    let mut verify = |id: &str,
                      description: &str,
                      token: String,
                      mut keys: Value,
                      options: Value,
                      expect: Value| {
        let allow_hmac = keys
            .as_object_mut()
            .and_then(|k| k.remove("allow_hmac"))
            .is_some();
        cases.push(json!({
            "id": format!("generated/verify/{id}"),
            "description": description,
            "origin": "generated",
            "kind": "verify",
            "now": now,
            "token": token,
            "jwks": keys,
            "key_options": {"allow_hmac": allow_hmac},
            "options": options,
            "expect": expect,
        }));
    };
    verify(
        "es256-ok",
        "a valid ES256 token",
        key.sign(&rng, &h, &good_payload),
        jwks.clone(),
        json!({}),
        ok_claims("user:default/alice"),
    );
    verify(
        "alg-none",
        "alg none never verifies",
        format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&good_payload)),
        jwks.clone(),
        json!({}),
        fail("ERR_ALG_NONE"),
    );
    verify(
        "alg-unsupported",
        "an unknown alg",
        format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"ES512","kid":"gen-1"}"#),
            b64(&good_payload)
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_ALG_UNSUPPORTED"),
    );
    // Algorithm confusion: an HMAC tag keyed with the public key's bytes.
    let public_point = key.pair.public_key().as_ref().to_vec();
    let confused = hs256(
        &public_point,
        r#"{"alg":"HS256","kid":"gen-1"}"#,
        &good_payload,
    );
    verify(
        "alg-confusion-hs256-default-policy",
        "HS256 is not allowed by default",
        confused.clone(),
        jwks.clone(),
        json!({}),
        fail("ERR_ALG_NOT_ALLOWED"),
    );
    verify(
        "alg-confusion-hs256-allowed-no-oct-key",
        "HS256 allowed, but an EC key never serves as an HMAC secret",
        confused,
        jwks.clone(),
        json!({"algorithms":["ES256","HS256"]}),
        fail("ERR_JWKS_NO_MATCHING_KEY"),
    );
    verify(
        "alg-not-in-policy",
        "ES256 token, policy allows only EdDSA",
        key.sign(&rng, &h, &good_payload),
        jwks.clone(),
        json!({"algorithms":["EdDSA"]}),
        fail("ERR_ALG_NOT_ALLOWED"),
    );
    verify(
        "alg-key-mismatch",
        "ES384 header naming a P-256 key",
        format!(
            "{}.{}.{}",
            b64(r#"{"alg":"ES384","kid":"gen-1"}"#),
            b64(&good_payload),
            b64([0u8; 96])
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWKS_NO_MATCHING_KEY"),
    );
    verify(
        "unknown-kid",
        "kid not in the set",
        key.sign(&rng, &user_header("nope"), &good_payload),
        jwks.clone(),
        json!({}),
        fail("ERR_JWKS_NO_MATCHING_KEY"),
    );
    verify(
        "no-kid-one-key",
        "no kid, exactly one key fits",
        key.sign(&rng, r#"{"alg":"ES256"}"#, &good_payload),
        jwks.clone(),
        json!({}),
        ok_claims("user:default/alice"),
    );
    verify(
        "no-kid-two-keys",
        "no kid, two keys fit",
        key.sign(&rng, r#"{"alg":"ES256"}"#, &good_payload),
        json!({"keys":[key.jwk(), other.jwk()]}),
        json!({}),
        fail("ERR_JWKS_MULTIPLE_MATCHING_KEYS"),
    );
    verify(
        "wrong-key",
        "signed by another key under a known kid",
        other.sign(&rng, &h, &good_payload),
        jwks.clone(),
        json!({}),
        fail("ERR_SIGNATURE_INVALID"),
    );
    // Header-embedded keys are never trusted.
    let attacker = Es::new(&rng, "gen-1");
    let embedded = format!(
        r#"{{"alg":"ES256","kid":"gen-1","jwk":{}}}"#,
        attacker.jwk()
    );
    verify(
        "header-jwk-ignored",
        "a key embedded in the header is not used",
        attacker.sign(&rng, &embedded, &good_payload),
        jwks.clone(),
        json!({}),
        fail("ERR_SIGNATURE_INVALID"),
    );
    verify("header-jku-ignored", "a jku URL in the header is not used", attacker.sign(&rng, r#"{"alg":"ES256","kid":"gen-1","jku":"https://attacker.example/jwks.json","x5u":"https://attacker.example/c.pem"}"#, &good_payload), jwks.clone(), json!({}), fail("ERR_SIGNATURE_INVALID"));
    verify(
        "crit",
        "crit names an extension",
        key.sign(
            &rng,
            r#"{"alg":"ES256","kid":"gen-1","crit":["exp"],"exp":1}"#,
            &good_payload,
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_CRIT"),
    );
    verify(
        "crit-b64",
        "crit b64 with b64 false",
        key.sign(
            &rng,
            r#"{"alg":"ES256","kid":"gen-1","b64":false}"#,
            &good_payload,
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_UNENCODED_PAYLOAD"),
    );
    verify(
        "signature-der",
        "ECDSA signature in DER instead of r||s",
        key.sign_der(&rng, &h, &good_payload),
        jwks.clone(),
        json!({}),
        fail("ERR_SIGNATURE_FORMAT"),
    );
    let good = key.sign(&rng, &h, &good_payload);
    verify(
        "signature-padded",
        "base64 padding on the signature",
        format!("{good}=="),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_BASE64"),
    );
    verify(
        "trailing-newline",
        "a trailing newline",
        format!("{good}\n"),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_BASE64"),
    );
    let (hp, sig) = good.rsplit_once('.').unwrap();
    let std_sig = base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(URL_SAFE_NO_PAD.decode(sig).unwrap());
    if std_sig != sig {
        verify(
            "signature-standard-alphabet",
            "signature in standard base64",
            format!("{hp}.{std_sig}"),
            jwks.clone(),
            json!({}),
            fail("ERR_JWS_BASE64"),
        );
    }
    // The last of 86 characters carries 4 unused bits: a non-zero one is non-canonical.
    let mut odd = sig.to_string();
    let last = odd.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    odd.push(alphabet.as_bytes()[idx ^ 1] as char);
    verify(
        "signature-noncanonical-bits",
        "non-zero unused bits in the last signature character",
        format!("{hp}.{odd}"),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_BASE64"),
    );
    verify(
        "header-whitespace",
        "whitespace inside a segment",
        format!("{} {}", &good[..5], &good[5..]),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_BASE64"),
    );
    verify(
        "two-segments",
        "two segments",
        hp.to_string(),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_SEGMENTS"),
    );
    verify(
        "five-segments",
        "five segments (JWE shape)",
        format!("{good}.a.b"),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_SEGMENTS"),
    );
    verify(
        "payload-array",
        "payload is a JSON array",
        key.sign(&rng, &h, "[1]"),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_JSON"),
    );
    verify(
        "header-not-json",
        "header is not JSON",
        format!("{}.{}.{}", b64("alg"), b64(&good_payload), sig),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_JSON"),
    );
    verify(
        "header-alg-not-string",
        "alg is a number",
        key.sign(&rng, r#"{"alg":256}"#, &good_payload),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_HEADER_INVALID"),
    );
    verify(
        "duplicate-claim",
        "sub twice (jose takes the last)",
        key.sign(
            &rng,
            &h,
            &format!(
                r#"{{"sub":"user:default/alice","sub":"user:default/admin","iat":{},"exp":{}}}"#,
                now,
                now + 60
            ),
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_DUPLICATE_MEMBER"),
    );
    verify(
        "duplicate-header-member",
        "alg twice",
        key.sign(
            &rng,
            r#"{"alg":"HS256","alg":"ES256","kid":"gen-1"}"#,
            &good_payload,
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_DUPLICATE_MEMBER"),
    );
    verify(
        "nesting",
        "claims nested 40 deep",
        key.sign(
            &rng,
            &h,
            &format!(
                r#"{{"exp":{},"x":{}1{}}}"#,
                now + 60,
                "[".repeat(40),
                "]".repeat(40)
            ),
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_NESTING"),
    );
    verify(
        "token-too-large",
        "70,000 characters",
        format!(
            "{}.{}.{}",
            b64(r#"{"alg":"ES256"}"#),
            "A".repeat(70_000),
            sig
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_TOKEN_TOO_LARGE"),
    );
    verify(
        "header-too-large",
        "a 9,000-character header",
        key.sign(
            &rng,
            &format!(
                r#"{{"alg":"ES256","kid":"gen-1","pad":"{}"}}"#,
                "p".repeat(7000)
            ),
            &good_payload,
        ),
        jwks.clone(),
        json!({}),
        fail("ERR_HEADER_TOO_LARGE"),
    );
    verify(
        "empty",
        "empty token",
        String::new(),
        jwks.clone(),
        json!({}),
        fail("ERR_TOKEN_MISSING"),
    );
    let with = |claims: &str| key.sign(&rng, &h, claims);
    verify(
        "exp-string",
        "exp is a string",
        with(r#"{"sub":"a","exp":"1900000000"}"#),
        jwks.clone(),
        json!({}),
        fail("ERR_CLAIM_TYPE"),
    );
    verify(
        "exp-missing",
        "exp absent",
        with(r#"{"sub":"a"}"#),
        jwks.clone(),
        json!({}),
        fail("ERR_CLAIM_MISSING"),
    );
    verify(
        "exp-missing-allowed",
        "exp absent, policy does not require it",
        with(r#"{"sub":"a"}"#),
        jwks.clone(),
        json!({"require_exp":false}),
        ok_claims("a"),
    );
    verify(
        "exp-now",
        "exp equal to now",
        with(&format!(r#"{{"sub":"a","exp":{now}}}"#)),
        jwks.clone(),
        json!({}),
        fail("ERR_TOKEN_EXPIRED"),
    );
    verify(
        "exp-fraction",
        "exp a fraction after now",
        with(&format!(r#"{{"sub":"a","exp":{now}.5}}"#)),
        jwks.clone(),
        json!({}),
        ok_claims("a"),
    );
    verify(
        "exp-huge",
        "exp 1e300 is far future, not an overflow",
        with(r#"{"sub":"a","exp":1e300}"#),
        jwks.clone(),
        json!({}),
        ok_claims("a"),
    );
    verify(
        "exp-negative-huge",
        "exp -1e300 is expired",
        with(r#"{"sub":"a","exp":-1e300}"#),
        jwks.clone(),
        json!({}),
        fail("ERR_TOKEN_EXPIRED"),
    );
    verify(
        "exp-out-of-range",
        "exp 1e400 is not a finite number",
        with(r#"{"sub":"a","exp":1e400}"#),
        jwks.clone(),
        json!({}),
        fail("ERR_JWS_JSON"),
    );
    verify(
        "exp-leeway",
        "expired 3 s ago, leeway 5 s",
        with(&format!(r#"{{"sub":"a","exp":{}}}"#, now - 3)),
        jwks.clone(),
        json!({"leeway":5}),
        ok_claims("a"),
    );
    verify(
        "nbf-future",
        "nbf one second ahead",
        with(&format!(
            r#"{{"sub":"a","exp":{},"nbf":{}}}"#,
            now + 60,
            now + 1
        )),
        jwks.clone(),
        json!({}),
        fail("ERR_TOKEN_NOT_YET_VALID"),
    );
    verify(
        "nbf-string",
        "nbf is a string",
        with(&format!(r#"{{"sub":"a","exp":{},"nbf":"0"}}"#, now + 60)),
        jwks.clone(),
        json!({}),
        fail("ERR_CLAIM_TYPE"),
    );
    verify(
        "iat-future-default",
        "iat an hour ahead is accepted by default",
        with(&format!(
            r#"{{"sub":"a","exp":{},"iat":{}}}"#,
            now + 7200,
            now + 3600
        )),
        jwks.clone(),
        json!({}),
        ok_claims("a"),
    );
    verify(
        "iat-future-rejected",
        "iat an hour ahead, rejected on request",
        with(&format!(
            r#"{{"sub":"a","exp":{},"iat":{}}}"#,
            now + 7200,
            now + 3600
        )),
        jwks.clone(),
        json!({"reject_future_iat":true}),
        fail("ERR_TOKEN_ISSUED_IN_FUTURE"),
    );
    verify(
        "iss-match",
        "one of several issuers",
        with(&format!(r#"{{"sub":"a","exp":{},"iss":"b"}}"#, now + 60)),
        jwks.clone(),
        json!({"issuers":["a","b"]}),
        ok_claims("a"),
    );
    verify(
        "iss-mismatch",
        "issuer not accepted",
        with(&format!(r#"{{"sub":"a","exp":{},"iss":"c"}}"#, now + 60)),
        jwks.clone(),
        json!({"issuers":["a","b"]}),
        fail("ERR_ISSUER_MISMATCH"),
    );
    verify(
        "iss-missing",
        "issuer required but absent",
        with(&format!(r#"{{"sub":"a","exp":{}}}"#, now + 60)),
        jwks.clone(),
        json!({"issuers":["a"]}),
        fail("ERR_CLAIM_MISSING"),
    );
    verify(
        "aud-array-any-of",
        "aud array containing an accepted audience",
        with(&format!(
            r#"{{"sub":"a","exp":{},"aud":["x","backstage"]}}"#,
            now + 60
        )),
        jwks.clone(),
        json!({"audiences":["backstage"]}),
        ok_claims("a"),
    );
    verify(
        "aud-mismatch",
        "aud without an accepted audience",
        with(&format!(r#"{{"sub":"a","exp":{},"aud":["x"]}}"#, now + 60)),
        jwks.clone(),
        json!({"audiences":["backstage"]}),
        fail("ERR_AUDIENCE_MISMATCH"),
    );
    verify(
        "aud-number",
        "aud is a number",
        with(&format!(r#"{{"sub":"a","exp":{},"aud":1}}"#, now + 60)),
        jwks.clone(),
        json!({}),
        fail("ERR_CLAIM_TYPE"),
    );
    verify(
        "typ-allowed",
        "typ compared as jose does",
        with(&format!(r#"{{"sub":"a","exp":{}}}"#, now + 60)),
        jwks.clone(),
        json!({"types":["application/vnd.backstage.user"]}),
        ok_claims("a"),
    );
    verify(
        "typ-mismatch",
        "typ not allowed",
        with(&format!(r#"{{"sub":"a","exp":{}}}"#, now + 60)),
        jwks.clone(),
        json!({"types":["JWT"]}),
        fail("ERR_TYP_MISMATCH"),
    );
    verify(
        "required-claim",
        "a required claim is absent",
        with(&format!(r#"{{"sub":"a","exp":{}}}"#, now + 60)),
        jwks.clone(),
        json!({"required_claims":["ent"]}),
        fail("ERR_CLAIM_MISSING"),
    );
    // Ed25519 and HMAC where enabled.
    let ed_pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let ed = Ed25519KeyPair::from_pkcs8(ed_pkcs8.as_ref()).unwrap();
    let ed_jwks = json!({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed","x":b64(ed.public_key().as_ref())}]});
    let ed_input = format!(
        "{}.{}",
        b64(r#"{"alg":"EdDSA","kid":"ed"}"#),
        b64(&good_payload)
    );
    let ed_token = format!("{ed_input}.{}", b64(ed.sign(ed_input.as_bytes())));
    verify(
        "eddsa-ok",
        "a valid EdDSA token",
        ed_token.clone(),
        ed_jwks.clone(),
        json!({}),
        ok_claims("user:default/alice"),
    );
    verify(
        "eddsa-short-signature",
        "a truncated EdDSA signature",
        format!("{ed_input}.{}", b64([0u8; 63])),
        ed_jwks,
        json!({}),
        fail("ERR_SIGNATURE_FORMAT"),
    );
    let secret = b"0123456789abcdef0123456789abcdef";
    let oct = json!({"keys":[{"kty":"oct","k":b64(secret)}],"allow_hmac":true});
    let hs = hs256(secret, r#"{"alg":"HS256"}"#, &good_payload);
    verify(
        "hs256-allowed",
        "HS256 with an oct key, both enabled",
        hs.clone(),
        oct.clone(),
        json!({"algorithms":["HS256"]}),
        ok_claims("user:default/alice"),
    );
    verify(
        "hs256-wrong-secret",
        "HS256 with another secret",
        hs256(
            b"another-secret-another-secret!!!",
            r#"{"alg":"HS256"}"#,
            &good_payload,
        ),
        oct,
        json!({"algorithms":["HS256"]}),
        fail("ERR_SIGNATURE_INVALID"),
    );

    // --- JWKS documents. ---
    let mut jwks_case =
        |id: &str, description: &str, doc: Value, allow_hmac: bool, expect: Value| {
            cases.push(json!({
                "id": format!("generated/jwks/{id}"),
                "description": description,
                "origin": "generated",
                "kind": "jwks",
                "now": now,
                "jwks": doc,
                "key_options": {"allow_hmac": allow_hmac},
                "expect": expect,
            }));
        };
    let mut private = key.jwk();
    private["d"] = json!(b64([1u8; 32]));
    jwks_case(
        "private-key",
        "a key with private members is refused",
        json!({"keys":[private]}),
        false,
        fail("ERR_JWKS_INVALID"),
    );
    let mut enc = key.jwk();
    enc["use"] = json!("enc");
    jwks_case(
        "no-usable-key",
        "only an encryption key",
        json!({"keys":[enc.clone()]}),
        false,
        fail("ERR_JWKS_NO_USABLE_KEY"),
    );
    jwks_case(
        "skips-unusable",
        "one usable key, one skipped",
        json!({"keys":[enc, key.jwk()]}),
        false,
        json!({"ok":true,"keys":1,"skipped":1}),
    );
    let mut off_curve = key.jwk();
    off_curve["y"] = off_curve["x"].clone();
    jwks_case(
        "off-curve",
        "a point not on P-256",
        json!({"keys":[off_curve]}),
        false,
        fail("ERR_JWKS_NO_USABLE_KEY"),
    );
    jwks_case(
        "oct-disabled",
        "an oct key without HMAC enabled",
        json!({"keys":[{"kty":"oct","k":b64(secret)}]}),
        false,
        fail("ERR_JWKS_NO_USABLE_KEY"),
    );
    jwks_case(
        "not-a-set",
        "no keys array",
        json!({"key":[]}),
        false,
        fail("ERR_JWKS_INVALID"),
    );

    // --- Backstage semantics beyond the recorded cases. ---
    let auth_key = Es::new(&rng, "auth-1");
    let plugin_key = Es::new(&rng, "catalog-1");
    let base_config = json!({"pluginId":"scaffolder","backend":{"auth":{}}});
    let mut authenticate = |id: &str,
                            description: &str,
                            token: String,
                            config: &Value,
                            jwks: Value,
                            preload: Option<Value>,
                            expect: Value| {
        let mut case = json!({
            "id": format!("generated/authenticate/{id}"),
            "description": description,
            "origin": "generated",
            "kind": "authenticate",
            "now": now,
            "token": token,
            "config": config,
            "allow_limited_access": config["allowLimitedAccess"].as_bool().unwrap_or(false),
            "jwks": jwks,
            "expect": expect,
        });
        if let Some(p) = preload {
            case["preload"] = p;
        }
        cases.push(case);
    };
    let user_payload = |sub: &str| {
        format!(
            r#"{{"sub":"{sub}","aud":"backstage","iat":{},"exp":{}}}"#,
            now - 1,
            now + 3599
        )
    };
    let auth_only = json!({"auth": auth_key.jwks()});
    let user_ok = |fetches: Value| json!({"ok":true,"principal":{"type":"user","userEntityRef":"user:default/alice"},"expires_at":now + 3599,"fetches":fetches});
    authenticate(
        "user-ok",
        "a user token",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        None,
        user_ok(json!(["auth"])),
    );
    authenticate(
        "user-hs256-confusion",
        "a user token HMAC-signed with the auth public key",
        hs256(
            auth_key.pair.public_key().as_ref(),
            r#"{"typ":"vnd.backstage.user","alg":"HS256","kid":"auth-1"}"#,
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_ALG_NOT_ALLOWED","fetches":[]}),
    );
    authenticate(
        "user-alg-restricted",
        "ES256 token, config allows only RS256",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &user_payload("user:default/alice"),
        ),
        &json!({"pluginId":"catalog","algorithms":["RS256"]}),
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_ALG_NOT_ALLOWED","fetches":[]}),
    );
    authenticate(
        "user-empty-sub",
        "a user token with an empty sub",
        auth_key.sign(&rng, &user_header("auth-1"), &user_payload("")),
        &base_config,
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_CLAIM_MISSING","fetches":["auth"]}),
    );
    authenticate(
        "user-no-iat",
        "a typed user token without iat",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &format!(r#"{{"sub":"user:default/alice","exp":{}}}"#, now + 60),
        ),
        &base_config,
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_CLAIM_MISSING","fetches":["auth"]}),
    );
    authenticate(
        "user-typed-no-aud",
        "a typed user token without aud is accepted, as Backstage does",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &format!(
                r#"{{"sub":"user:default/alice","iat":{},"exp":{}}}"#,
                now - 1,
                now + 3599
            ),
        ),
        &base_config,
        auth_only.clone(),
        None,
        user_ok(json!(["auth"])),
    );
    authenticate(
        "untyped-aud-backstage",
        "no typ, aud backstage: the legacy user shape",
        auth_key.sign(
            &rng,
            r#"{"alg":"ES256","kid":"auth-1"}"#,
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        None,
        user_ok(json!(["auth"])),
    );
    authenticate(
        "untyped-aud-array",
        "no typ, aud [backstage]: not a user token (Backstage: Illegal token)",
        auth_key.sign(
            &rng,
            r#"{"alg":"ES256","kid":"auth-1"}"#,
            &format!(
                r#"{{"sub":"user:default/alice","aud":["backstage"],"iat":{},"exp":{}}}"#,
                now,
                now + 60
            ),
        ),
        &base_config,
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_TOKEN_NOT_ACCEPTED","fetches":[]}),
    );
    authenticate(
        "untyped-no-exp",
        "no typ, aud backstage, no exp (Backstage: missing expiration)",
        auth_key.sign(
            &rng,
            r#"{"alg":"ES256","kid":"auth-1"}"#,
            r#"{"sub":"user:default/alice","aud":"backstage"}"#,
        ),
        &base_config,
        auth_only.clone(),
        None,
        json!({"ok":false,"code":"ERR_CLAIM_MISSING","fetches":["auth"]}),
    );
    authenticate(
        "limited-allowed",
        "a limited user token where limited access is allowed",
        auth_key.sign(
            &rng,
            r#"{"typ":"vnd.backstage.limited-user","alg":"ES256","kid":"auth-1"}"#,
            &user_payload("user:default/alice"),
        ),
        &json!({"pluginId":"catalog","allowLimitedAccess":true}),
        auth_only.clone(),
        None,
        json!({"ok":true,"principal":{"type":"user","userEntityRef":"user:default/alice"},"expires_at":now + 3599,"fetches":["auth"]}),
    );
    // Refresh protocol.
    let rotated = json!({"auth": {"keys":[auth_key.jwk(), other.jwk()]}});
    authenticate(
        "rotation-one-refetch",
        "a token signed by a key published after the last load triggers exactly one reload",
        other.sign(
            &rng,
            &user_header("gen-2"),
            &user_payload("user:default/alice"),
        ),
        &base_config,
        rotated,
        Some(json!({"at": now - 60, "jwks": auth_only.clone()})),
        user_ok(json!(["auth"])),
    );
    authenticate(
        "rotation-within-cooldown",
        "a new kid within 30 s of the last load is not refetched",
        other.sign(
            &rng,
            &user_header("gen-2"),
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        Some(json!({"at": now - 10, "jwks": auth_only.clone()})),
        json!({"ok":false,"code":"ERR_JWKS_NO_MATCHING_KEY","fetches":[]}),
    );
    authenticate(
        "stale-refetch",
        "a document older than 10 minutes is refetched before use",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        Some(json!({"at": now - 601, "jwks": auth_only.clone()})),
        user_ok(json!(["auth"])),
    );
    authenticate(
        "fresh-no-fetch",
        "a fresh document is used without a fetch",
        auth_key.sign(
            &rng,
            &user_header("auth-1"),
            &user_payload("user:default/alice"),
        ),
        &base_config,
        auth_only.clone(),
        Some(json!({"at": now - 599, "jwks": auth_only.clone()})),
        user_ok(json!([])),
    );
    // Plugin tokens.
    let plugin_header = r#"{"typ":"vnd.backstage.plugin","alg":"ES256","kid":"catalog-1"}"#;
    let plugin_jwks = json!({"auth": auth_key.jwks(), "plugin:catalog": plugin_key.jwks()});
    authenticate(
        "plugin-bad-subject",
        "a plugin token whose sub is not a plugin id",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"../catalog","aud":"scaffolder","iat":{now},"exp":{}}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_PLUGIN_SUBJECT_INVALID","fetches":[]}),
    );
    authenticate(
        "plugin-ok",
        "a plugin token",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","iat":{now},"exp":{}}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":true,"principal":{"type":"service","subject":"plugin:catalog"},"expires_at":null,"fetches":["plugin:catalog"]}),
    );
    authenticate(
        "plugin-signed-by-auth-key",
        "a plugin token signed with the auth key is not verified with the auth keys",
        auth_key.sign(
            &rng,
            r#"{"typ":"vnd.backstage.plugin","alg":"ES256","kid":"auth-1"}"#,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","iat":{now},"exp":{}}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_JWKS_NO_MATCHING_KEY","fetches":["plugin:catalog"]}),
    );
    authenticate(
        "plugin-no-iat",
        "a plugin token without iat",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","exp":{}}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_CLAIM_MISSING","fetches":["plugin:catalog"]}),
    );
    let limited = auth_key.sign(
        &rng,
        r#"{"typ":"vnd.backstage.limited-user","alg":"ES256","kid":"auth-1"}"#,
        &format!(
            r#"{{"sub":"user:default/alice","iat":{},"exp":{}}}"#,
            now - 5,
            now + 900
        ),
    );
    authenticate(
        "plugin-obo-ok",
        "a plugin token on behalf of a user",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","iat":{now},"exp":{},"obo":"{limited}"}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":true,"principal":{"type":"user","userEntityRef":"user:default/alice","actor":{"type":"service","subject":"plugin:catalog"}},"expires_at":now + 900,"fetches":["plugin:catalog","auth"]}),
    );
    let mut bad_obo = limited.clone();
    let flip = bad_obo.pop().unwrap();
    bad_obo.push(if flip == 'A' { 'Q' } else { 'A' });
    authenticate(
        "plugin-obo-tampered",
        "an obo token with a broken signature",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","iat":{now},"exp":{},"obo":"{bad_obo}"}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_OBO_INVALID","fetches":["plugin:catalog","auth"]}),
    );
    authenticate(
        "plugin-obo-not-user-token",
        "an obo claim that is not a user token",
        plugin_key.sign(
            &rng,
            plugin_header,
            &format!(
                r#"{{"sub":"catalog","aud":"scaffolder","iat":{now},"exp":{},"obo":"x.y.z"}}"#,
                now + 60
            ),
        ),
        &base_config,
        plugin_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_OBO_INVALID","fetches":["plugin:catalog"]}),
    );
    // Legacy tokens: stricter than Backstage on exp.
    let legacy_secret = b"legacy-secret-0123456789";
    let legacy_config = json!({"pluginId":"catalog","backend":{"auth":{"keys":[{"secret": URL_SAFE_NO_PAD.encode(legacy_secret)}]}}});
    authenticate(
        "legacy-no-exp",
        "a legacy token without exp (Backstage accepts it; this project requires exp)",
        hs256(
            legacy_secret,
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"backstage-server"}"#,
        ),
        &legacy_config,
        json!({}),
        None,
        json!({"ok":false,"code":"ERR_CLAIM_MISSING","fetches":[]}),
    );
    authenticate(
        "legacy-with-aud",
        "a legacy-looking token with an aud is not a legacy token",
        hs256(
            legacy_secret,
            r#"{"alg":"HS256"}"#,
            &format!(
                r#"{{"sub":"backstage-server","aud":"x","exp":{}}}"#,
                now + 60
            ),
        ),
        &legacy_config,
        json!({}),
        None,
        json!({"ok":false,"code":"ERR_TOKEN_NOT_ACCEPTED","fetches":[]}),
    );
    authenticate(
        "legacy-ok",
        "a legacy token",
        hs256(
            legacy_secret,
            r#"{"alg":"HS256"}"#,
            &format!(r#"{{"sub":"backstage-server","exp":{}}}"#, now + 60),
        ),
        &legacy_config,
        json!({}),
        None,
        json!({"ok":true,"principal":{"type":"service","subject":"external:backstage-plugin"},"expires_at":null,"fetches":[]}),
    );
    // Static tokens.
    let static_config = json!({"pluginId":"catalog","backend":{"auth":{"externalAccess":[{"type":"static","options":{"token":"static-token-0123","subject":"bot"},"accessRestrictions":[{"plugin":"catalog","permissionAttribute":{"action":["read","update"]}}]}]}}});
    authenticate(
        "static-attribute-restrictions",
        "permission attributes carried into the principal",
        "static-token-0123".into(),
        &static_config,
        json!({}),
        None,
        json!({"ok":true,"principal":{"type":"service","subject":"bot","accessRestrictions":{"permissionAttributes":{"action":["read","update"]}}},"expires_at":null,"fetches":[]}),
    );
    authenticate(
        "static-prefix",
        "a prefix of a static token",
        "static-token-012".into(),
        &static_config,
        json!({}),
        None,
        json!({"ok":false,"code":"ERR_JWS_SEGMENTS","fetches":[]}),
    );

    // External JWKS entries: issuer, audience, algorithm and subject prefix as configured.
    let idp = Es::new(&rng, "idp-1");
    let idp_url = "https://idp.example.com/jwks.json";
    let idp_jwks = json!({ format!("external:{idp_url}"): idp.jwks() });
    let idp_token = |iss: &str, aud: &str| {
        idp.sign(
            &rng,
            r#"{"alg":"ES256","kid":"idp-1","typ":"JWT"}"#,
            &format!(
                r#"{{"iss":"{iss}","sub":"deployer","aud":"{aud}","iat":{now},"exp":{}}}"#,
                now + 300
            ),
        )
    };
    let idp_config = |options: Value| json!({"pluginId":"catalog","backend":{"auth":{"externalAccess":[{"type":"jwks","options":options}]}}});
    let external = format!("external:{idp_url}");
    authenticate(
        "external-jwks-no-prefix",
        "an external JWKS token without subjectPrefix",
        idp_token("https://idp/", "api"),
        &idp_config(json!({"url":idp_url,"issuer":"https://idp/","audience":"api"})),
        idp_jwks.clone(),
        None,
        json!({"ok":true,"principal":{"type":"service","subject":"external:deployer"},"expires_at":null,"fetches":[external]}),
    );
    authenticate(
        "external-jwks-wrong-issuer",
        "an external JWKS token from another issuer",
        idp_token("https://evil/", "api"),
        &idp_config(json!({"url":idp_url,"issuer":"https://idp/","audience":"api"})),
        idp_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_TOKEN_NOT_ACCEPTED","fetches":[external]}),
    );
    authenticate(
        "external-jwks-alg-not-configured",
        "an ES256 token where the entry allows only RS256",
        idp_token("https://idp/", "api"),
        &idp_config(json!({"url":idp_url,"algorithm":"RS256"})),
        idp_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_TOKEN_NOT_ACCEPTED","fetches":[]}),
    );
    authenticate(
        "external-jwks-restricted",
        "an external JWKS entry restricted to another plugin",
        idp_token("https://idp/", "api"),
        &json!({"pluginId":"catalog","backend":{"auth":{"externalAccess":[{"type":"jwks","options":{"url":idp_url,"subjectPrefix":"ci"},"accessRestrictions":[{"plugin":"scaffolder"}]}]}}}),
        idp_jwks.clone(),
        None,
        json!({"ok":false,"code":"ERR_ACCESS_RESTRICTED","fetches":[external]}),
    );

    // --- Authorization headers. ---
    let header_token = auth_key.sign(
        &rng,
        &user_header("auth-1"),
        &user_payload("user:default/alice"),
    );
    for (id, header, expect) in [
        (
            "header-basic",
            format!("Basic {header_token}"),
            json!({"ok":false,"code":"ERR_AUTHORIZATION_HEADER","fetches":[]}),
        ),
        (
            "header-trailing-space",
            format!("Bearer {header_token} "),
            json!({"ok":false,"code":"ERR_AUTHORIZATION_HEADER","fetches":[]}),
        ),
        (
            "header-nbsp",
            format!("Bearer\u{a0}{header_token}"),
            json!({"ok":false,"code":"ERR_AUTHORIZATION_HEADER","fetches":[]}),
        ),
        (
            "header-mixed-case",
            format!("bEaReR  {header_token}"),
            user_ok(json!(["auth"])),
        ),
    ] {
        cases.push(json!({
            "id": format!("generated/authenticate/{id}"),
            "description": "Authorization header parsing, as /^Bearer[ ]+(\\S+)$/i",
            "origin": "generated",
            "kind": "authenticate",
            "now": now,
            "authorization": header,
            "config": base_config,
            "allow_limited_access": false,
            "jwks": auth_only,
            "expect": expect,
        }));
    }

    let ids: BTreeMap<String, ()> = cases
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), ()))
        .collect();
    assert_eq!(ids.len(), cases.len(), "duplicate case ids");
    let doc = json!({
        "format": "backstage-identity-vectors/1",
        "generated_by": "cargo run -p backstage-identity --example gen_vectors",
        "cases": cases,
    });
    let out = root.join("vectors.json");
    fs::write(&out, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    println!(
        "wrote {} cases to {}",
        doc["cases"].as_array().unwrap().len(),
        out.display()
    );
}
