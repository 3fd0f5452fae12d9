//! Runs every case of `tests/vectors/vectors.json` through the Rust API, and checks that the
//! vectors keep Backstage's recorded verdicts for the real tokens in `tests/vectors/backstage/`.

use std::collections::BTreeSet;

use backstage_identity::{
    verify, AuthConfig, Authenticator, Error, KeyRing, KeySet, KeySetOptions, Outcome, Source,
    VerifyOptions,
};
use serde_json::{json, Value};

fn vectors() -> Vec<Value> {
    let text = include_str!("../../tests/vectors/vectors.json");
    let doc: Value = serde_json::from_str(text).expect("vectors.json");
    assert_eq!(doc["format"], "backstage-identity-vectors/1");
    doc["cases"].as_array().expect("cases").clone()
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn key_options(case: &Value) -> KeySetOptions {
    KeySetOptions {
        allow_hmac: case["key_options"]["allow_hmac"].as_bool().unwrap_or(false),
    }
}

/// The fetch loop every binding implements: authenticate, fetch what is asked, load, retry.
fn drive(case: &Value) -> (Result<Value, Error>, Vec<String>) {
    let now = case["now"].as_u64().unwrap();
    let config = AuthConfig::from_json(&bytes(&case["config"])).expect("config");
    let auth = Authenticator::new(config);
    let ring = KeyRing::new();
    if let Some(preload) = case.get("preload") {
        let at = preload["at"].as_u64().unwrap();
        for (source, doc) in preload["jwks"].as_object().unwrap() {
            ring.load(&Source::parse(source).unwrap(), &bytes(doc), at)
                .unwrap();
        }
    }
    let allow_limited = case["allow_limited_access"].as_bool().unwrap_or(false);
    let mut fetches = Vec::new();
    for _ in 0..5 {
        let outcome = match case.get("authorization") {
            Some(header) => auth.authenticate_header(&ring, header.as_str(), allow_limited, now),
            None => auth.authenticate(&ring, case["token"].as_str().unwrap(), allow_limited, now),
        };
        match outcome {
            Err(e) => return (Err(e), fetches),
            Ok(Outcome::Authenticated(c)) => {
                return (
                    Ok(json!({"principal": c.principal.to_json(), "expires_at": c.expires_at})),
                    fetches,
                )
            }
            Ok(Outcome::FetchKeys(request)) => {
                assert!(
                    !request.in_flight,
                    "{}: nothing else is fetching",
                    case["id"]
                );
                let key = request.source.key();
                match case["jwks"].get(&key) {
                    Some(doc) => {
                        ring.load(&request.source, &bytes(doc), now).unwrap();
                    }
                    None => ring.fetch_failed(&request.source, now),
                }
                fetches.push(key);
            }
        }
    }
    panic!("{}: the refresh protocol did not settle", case["id"]);
}

fn run(case: &Value) -> Result<(), String> {
    let id = case["id"].as_str().unwrap();
    let expect = &case["expect"];
    let now = case["now"].as_u64().unwrap();
    let fail = |got: String| Err(format!("{id}: expected {expect}, got {got}"));
    match case["kind"].as_str().unwrap() {
        "verify" => {
            let keys = KeySet::from_jwks(&bytes(&case["jwks"]), &key_options(case)).expect("keys");
            let options = VerifyOptions::from_json(&bytes(&case["options"])).expect("options");
            match (
                verify(case["token"].as_str().unwrap(), &keys, &options, now),
                expect["ok"].as_bool(),
            ) {
                (Ok(v), Some(true)) if v.claims().sub.as_deref() == expect["sub"].as_str() => {
                    Ok(())
                }
                (Err(e), Some(false)) if e.code().as_str() == expect["code"] => Ok(()),
                (r, _) => fail(format!("{:?}", r.map(|v| v.claims().sub.clone()))),
            }
        }
        "jwks" => match (
            KeySet::from_jwks(&bytes(&case["jwks"]), &key_options(case)),
            expect["ok"].as_bool(),
        ) {
            (Ok(k), Some(true))
                if json!(k.len()) == expect["keys"]
                    && json!(k.skipped().len()) == expect["skipped"] =>
            {
                Ok(())
            }
            (Err(e), Some(false)) if e.code().as_str() == expect["code"] => Ok(()),
            (r, _) => fail(format!("{:?}", r.map(|k| (k.len(), k.skipped().len())))),
        },
        "authenticate" => {
            let (result, fetches) = drive(case);
            if let Some(expected) = expect.get("fetches") {
                if json!(fetches) != *expected {
                    return fail(format!("fetches {fetches:?}"));
                }
            }
            match (result, expect["ok"].as_bool()) {
                (Ok(got), Some(true))
                    if got["principal"] == expect["principal"]
                        && got["expires_at"] == expect["expires_at"] =>
                {
                    Ok(())
                }
                (Err(e), Some(false)) if e.code().as_str() == expect["code"] => Ok(()),
                (r, _) => fail(format!("{r:?}")),
            }
        }
        other => Err(format!("{id}: unknown kind {other}")),
    }
}

#[test]
fn every_vector() {
    let cases = vectors();
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 130, "{} cases", cases.len());
}

/// The converted Backstage cases keep Backstage's verdicts: same acceptance, same principal and
/// `expiresAt`. No case of `tests/vectors/backstage/` is left out.
#[test]
fn backstage_cases_keep_backstages_verdicts() {
    let cases = vectors();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/backstage");
    let mut originals = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let id = format!("backstage/{}", original["id"].as_str().unwrap());
        let case = cases
            .iter()
            .find(|c| c["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} missing"));
        let verdict = &original["backstage"]["DefaultAuthService"];
        match original.get("authorization_header") {
            Some(header) => assert_eq!(case["authorization"], *header, "{id}"),
            None => assert_eq!(case["token"], original["token"], "{id}"),
        }
        assert_eq!(case["expect"]["ok"], verdict["ok"], "{id}");
        if verdict["ok"] == true {
            assert_eq!(case["expect"]["principal"], verdict["principal"], "{id}");
            assert_eq!(case["expect"]["expires_at"], verdict["expiresAt"], "{id}");
        }
        originals.insert(id);
    }
    assert_eq!(originals.len(), 44);
}

/// Every refusal a token can meet has at least one vector, so every language tests it.
#[test]
fn every_token_error_code_has_a_vector() {
    use backstage_identity::ErrorCode;
    let covered: BTreeSet<String> = vectors()
        .iter()
        .filter_map(|c| c["expect"]["code"].as_str().map(str::to_owned))
        .collect();
    let not_from_tokens = [
        ErrorCode::JwkInvalid, // reported per skipped key, never as a verdict
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidOptions,
        ErrorCode::InvalidArgument,
        ErrorCode::Internal,
    ];
    let missing: Vec<&str> = ErrorCode::ALL
        .iter()
        .filter(|c| !not_from_tokens.contains(c) && !covered.contains(c.as_str()))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a vector: {missing:?}");
}

/// The README's error table lists every code with its number.
#[test]
fn readme_lists_every_code() {
    let readme = include_str!("../../README.md");
    for code in backstage_identity::ErrorCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.number());
        assert!(readme.contains(&row), "README lacks {row}");
    }
}
