//! The Rust side of `tests/c/bench.sh`: authenticates the real ES256 Backstage user token of
//! vector `backstage/001-user-es256-default` through the core, as `tests/c/bench.c` does
//! through the C API, and prints `rust <operations per second>`.
//!
//! `cargo run --release -p backstage-identity --example capi_bench -- <iterations>`

use std::hint::black_box;
use std::time::Instant;

use backstage_identity::{AuthConfig, Authenticator, KeyRing, Outcome, Principal, Source};

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .map_or(20_000, |n| n.parse().expect("iterations"));
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/vectors.json"))
            .expect("vectors.json");
    let case = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == "backstage/001-user-es256-default")
        .expect("case 001");
    let token = case["token"].as_str().expect("token");
    let now = case["now"].as_u64().expect("now");
    let jwks = serde_json::to_vec(&case["jwks"]["auth"]).expect("jwks");

    let auth =
        Authenticator::new(AuthConfig::from_json(br#"{"pluginId":"catalog"}"#).expect("config"));
    let ring = KeyRing::new();
    ring.load(&Source::Auth, &jwks, now).expect("load");

    let once = || match auth.authenticate(&ring, black_box(token), false, now) {
        Ok(Outcome::Authenticated(c)) => match c.principal {
            Principal::User {
                user_entity_ref, ..
            } => {
                black_box(user_entity_ref);
            }
            Principal::Service { .. } => panic!("not the user"),
        },
        other => panic!("not authenticated: {other:?}"),
    };
    // Warm up, then time.
    for _ in 0..iterations / 10 {
        once();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        once();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("rust {:.0}", f64::from(iterations) / seconds);
}
