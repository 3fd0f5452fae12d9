//! Full verification of a real ES256 Backstage user token next to bare ring verification of the
//! same signing input, in one run. `scripts/bench.sh` prints the throughput ratio.

use std::hint::black_box;

use backstage_identity::{
    verify, AuthConfig, Authenticator, KeyRing, KeySet, KeySetOptions, Outcome, Source,
    VerifyOptions,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde_json::Value;

fn case() -> Value {
    serde_json::from_str(include_str!(
        "../../tests/vectors/backstage/001-user-es256-default.json"
    ))
    .unwrap()
}

fn es256(c: &mut Criterion) {
    let case = case();
    let token = case["token"].as_str().unwrap().to_owned();
    let now = case["now"].as_u64().unwrap();
    let jwks = serde_json::to_vec(&case["jwks"]["auth"]).unwrap();
    let jwk = &case["jwks"]["auth"]["keys"][0];

    // Bare ring: the point and the signature decoded once, outside the loop.
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap());
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);

    // What UserTokenHandler checks for a typed user token.
    let keys = KeySet::from_jwks(&jwks, &KeySetOptions::default()).unwrap();
    let options = VerifyOptions {
        types: vec!["vnd.backstage.user".into()],
        required_claims: vec!["iat".into(), "exp".into(), "sub".into()],
        ..VerifyOptions::default()
    };
    verify(&token, &keys, &options, now).unwrap();

    let auth = Authenticator::new(AuthConfig::new("catalog").unwrap());
    let ring = KeyRing::new();
    ring.load(&Source::Auth, &jwks, now).unwrap();
    assert!(matches!(
        auth.authenticate(&ring, &token, false, now),
        Ok(Outcome::Authenticated(_))
    ));

    let mut group = c.benchmark_group("es256_user_token");
    group.bench_function("ring_bare_signature", |b| {
        b.iter(|| {
            key.verify(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    group.bench_function("verify_full", |b| {
        b.iter(|| verify(black_box(&token), &keys, &options, now).unwrap())
    });
    group.bench_function("authenticate_full", |b| {
        b.iter(|| {
            auth.authenticate(&ring, black_box(&token), false, now)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, es256);
criterion_main!(benches);
