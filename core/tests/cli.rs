//! The `backstage-identity` command: output shape, exit codes, standard input.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_backstage-identity");

fn case(id: &str) -> Value {
    let path = format!(
        "{}/../tests/vectors/backstage/{id}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Writes `value` to a fresh temporary file and returns its path.
fn temp_file(name: &str, value: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("bi-cli-{}-{name}", std::process::id()));
    std::fs::write(&dir, value).unwrap();
    dir.to_string_lossy().into_owned()
}

fn run(args: &[&str], stdin: Option<&str>) -> (i32, Value, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn user_case() -> (String, String, String) {
    let c = case("001-user-es256-default");
    let jwks = temp_file(
        "auth.json",
        &serde_json::to_vec(&c["jwks"]["auth"]).unwrap(),
    );
    (
        c["token"].as_str().unwrap().to_owned(),
        jwks,
        c["now"].to_string(),
    )
}

#[test]
fn authenticate_accepts_from_stdin() {
    let (token, jwks, now) = user_case();
    let (code, out, _) = run(
        &[
            "authenticate",
            "--auth-jwks",
            &jwks,
            "--now",
            &now,
            "--token",
            "-",
        ],
        Some(&format!("{token}\n")),
    );
    assert_eq!(code, 0);
    assert_eq!(out["valid"], true);
    assert_eq!(out["principal"]["userEntityRef"], "user:default/alice");
    assert_eq!(out["expiresAt"], 1796317579);
    assert_eq!(out["fetches"], serde_json::json!(["auth"]));
}

#[test]
fn authenticate_refuses_with_code() {
    let (token, jwks, _) = user_case();
    let (code, out, _) = run(
        &[
            "authenticate",
            "--auth-jwks",
            &jwks,
            "--now",
            "1796317579",
            "--token",
            &token,
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(out["valid"], false);
    assert_eq!(out["code"], "ERR_TOKEN_EXPIRED");
    assert!(!out["message"].as_str().unwrap().contains(&token[..20]));
}

#[test]
fn authorization_header_from_stdin() {
    let (token, jwks, now) = user_case();
    let (code, out, _) = run(
        &[
            "authenticate",
            "--auth-jwks",
            &jwks,
            "--now",
            &now,
            "--authorization",
            "-",
        ],
        Some(&format!("bearer   {token}")),
    );
    assert_eq!((code, out["valid"].clone()), (0, Value::Bool(true)));
    let (code, out, _) = run(
        &[
            "authenticate",
            "--auth-jwks",
            &jwks,
            "--now",
            &now,
            "--authorization",
            "-",
        ],
        Some(&format!("Bearer\t{token}")),
    );
    assert_eq!(
        (code, out["code"].clone()),
        (1, Value::from("ERR_AUTHORIZATION_HEADER"))
    );
}

#[test]
fn oversized_token_reaches_the_size_check() {
    let (_, jwks, now) = user_case();
    // Larger than one command-line argument may be: only standard input can carry it.
    let huge = format!("{}.e30.c2ln", "A".repeat(200_000));
    let (code, out, _) = run(
        &[
            "authenticate",
            "--auth-jwks",
            &jwks,
            "--now",
            &now,
            "--token",
            "-",
        ],
        Some(&huge),
    );
    assert_eq!(
        (code, out["code"].clone()),
        (1, Value::from("ERR_TOKEN_TOO_LARGE"))
    );
}

#[test]
fn verify_with_options() {
    let (token, jwks, now) = user_case();
    let (code, out, _) = run(
        &[
            "verify",
            "--jwks",
            &jwks,
            "--now",
            &now,
            "--token",
            &token,
            "--issuer",
            "http://localhost:7007/api/auth",
            "--audience",
            "backstage",
            "--typ",
            "vnd.backstage.user",
            "--require",
            "uip",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["claims"]["sub"], "user:default/alice");
    assert_eq!(out["alg"], "ES256");
    let (code, out, _) = run(
        &[
            "verify",
            "--jwks",
            &jwks,
            "--now",
            &now,
            "--token",
            &token,
            "--issuer",
            "https://other",
        ],
        None,
    );
    assert_eq!(
        (code, out["code"].clone()),
        (1, Value::from("ERR_ISSUER_MISMATCH"))
    );
    let (code, out, _) = run(
        &[
            "verify", "--jwks", &jwks, "--now", &now, "--token", &token, "--alg", "RS256",
        ],
        None,
    );
    assert_eq!(
        (code, out["code"].clone()),
        (1, Value::from("ERR_ALG_NOT_ALLOWED"))
    );
}

#[test]
fn plugin_token_with_config_and_plugin_jwks() {
    let c = case("028-plugin-obo-catalog-to-scaffolder");
    let auth = temp_file(
        "obo-auth.json",
        &serde_json::to_vec(&c["jwks"]["auth"]).unwrap(),
    );
    let plugin = temp_file(
        "obo-catalog.json",
        &serde_json::to_vec(&c["jwks"]["plugins"]["catalog"]).unwrap(),
    );
    let config = temp_file("obo-config.json", br#"{"pluginId":"scaffolder"}"#);
    let now = c["now"].to_string();
    let args = [
        "authenticate",
        "--config",
        &config,
        "--auth-jwks",
        &auth,
        "--plugin-jwks",
        &format!("catalog={plugin}"),
        "--now",
        &now,
        "--token",
        c["token"].as_str().unwrap(),
    ];
    let (code, out, _) = run(&args, None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out["principal"],
        c["backstage"]["DefaultAuthService"]["principal"]
    );
}

#[test]
fn usage_errors_exit_2() {
    let (token, jwks, _) = user_case();
    for args in [
        vec!["verify"],
        vec!["frobnicate"],
        vec!["verify", "--jwks", "/nonexistent/jwks.json", "--token", "x"],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--token",
            &token,
            "--authorization",
            "x",
        ],
        vec!["verify", "--jwks", &jwks, "--token", &token, "--bogus"],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--token",
            &token,
            "--now",
            "yesterday",
        ],
        vec![
            "authenticate",
            "--plugin-id",
            "not valid",
            "--token",
            &token,
        ],
    ] {
        let (code, out, err) = run(&args, None);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, Value::Null);
        assert!(err.contains("usage:"), "{err}");
    }
}
