//! Runs one operation of the core benchmark N times, for instruction counting under
//! `valgrind --tool=callgrind` (see `scripts/bench.sh`): counts are repeatable whatever else the
//! machine is doing, unlike wall-clock time.
//!
//! `cargo run --release --example verify_loop -- (bare|verify|authenticate) N`

use std::hint::black_box;

use backstage_identity::{
    verify, AuthConfig, Authenticator, KeyRing, KeySet, KeySetOptions, Source, VerifyOptions,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

fn main() {
    let case: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/vectors/backstage/001-user-es256-default.json"
    ))
    .expect("case 001");
    let token = case["token"].as_str().expect("token");
    let now = case["now"].as_u64().expect("now");
    let jwks = serde_json::to_vec(&case["jwks"]["auth"]).expect("jwks");
    let jwk = &case["jwks"]["auth"]["keys"][0];
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);

    let mut point = vec![4u8];
    for c in ["x", "y"] {
        point.extend(
            URL_SAFE_NO_PAD
                .decode(jwk[c].as_str().expect("coordinate"))
                .expect("b64"),
        );
    }
    let (signing_input, signature) = token.rsplit_once('.').expect("three segments");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("b64");
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
    let keys = KeySet::from_jwks(&jwks, &KeySetOptions::default()).expect("keys");
    let options = VerifyOptions {
        types: vec!["vnd.backstage.user".into()],
        required_claims: vec!["iat".into(), "exp".into(), "sub".into()],
        ..VerifyOptions::default()
    };
    let auth = Authenticator::new(AuthConfig::new("catalog").expect("config"));
    let ring = KeyRing::new();
    ring.load(&Source::Auth, &jwks, now).expect("load");

    for _ in 0..n {
        let ok = match mode.as_str() {
            "bare" => key
                .verify(black_box(signing_input.as_bytes()), black_box(&signature))
                .is_ok(),
            "verify" => verify(black_box(token), &keys, &options, now).is_ok(),
            "authenticate" => auth
                .authenticate(&ring, black_box(token), false, now)
                .is_ok(),
            _ => panic!("mode: bare, verify or authenticate"),
        };
        assert!(ok);
    }
}
