//! Concurrency and hostile input: many threads share one key ring while it is reloaded, and
//! mutated tokens never panic.

use std::sync::Arc;

use backstage_identity::{AuthConfig, Authenticator, Error, KeyRing, Outcome, Source};
use serde_json::Value;

fn case(id: &str) -> Value {
    let path = format!(
        "{}/../tests/vectors/backstage/{id}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn threads_verify_while_keys_are_reloaded() {
    let c = case("001-user-es256-default");
    let token: Arc<str> = c["token"].as_str().unwrap().into();
    let now = c["now"].as_u64().unwrap();
    let jwks = serde_json::to_vec(&c["jwks"]["auth"]).unwrap();
    let ring = Arc::new(KeyRing::new());
    ring.load(&Source::Auth, &jwks, now).unwrap();
    let auth = Arc::new(Authenticator::new(AuthConfig::new("catalog").unwrap()));

    let loader = {
        let ring = Arc::clone(&ring);
        std::thread::spawn(move || {
            for _ in 0..300 {
                ring.load(&Source::Auth, &jwks, now).unwrap();
            }
        })
    };
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (ring, auth, token) = (Arc::clone(&ring), Arc::clone(&auth), Arc::clone(&token));
            std::thread::spawn(move || {
                for _ in 0..100 {
                    match auth.authenticate(&ring, &token, false, now) {
                        Ok(Outcome::Authenticated(c)) => assert_eq!(c.expires_at, Some(1796317579)),
                        other => panic!("{other:?}"),
                    }
                }
            })
        })
        .collect();
    loader.join().unwrap();
    for w in workers {
        w.join().unwrap();
    }
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_tokens_never_panic_and_never_verify() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \t\"{}";
    for id in [
        "001-user-es256-default",
        "028-plugin-obo-catalog-to-scaffolder",
        "003-user-rs256",
        "005-user-eddsa",
    ] {
        let c = case(id);
        let original = c["token"].as_str().unwrap().to_owned();
        let now = c["now"].as_u64().unwrap();
        let ring = KeyRing::new();
        ring.load(
            &Source::Auth,
            &serde_json::to_vec(&c["jwks"]["auth"]).unwrap(),
            now,
        )
        .unwrap();
        if let Some(doc) = c["jwks"]["plugins"].get("catalog") {
            ring.load(
                &Source::Plugin("catalog".into()),
                &serde_json::to_vec(doc).unwrap(),
                now,
            )
            .unwrap();
        }
        let auth =
            Authenticator::new(AuthConfig::new(c["config"]["pluginId"].as_str().unwrap()).unwrap());
        for _ in 0..2_000 {
            let mut bytes = original.clone().into_bytes();
            for _ in 0..=(rng.next() % 3) {
                let at = (rng.next() as usize) % bytes.len();
                match rng.next() % 3 {
                    0 => bytes[at] = alphabet[(rng.next() as usize) % alphabet.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, alphabet[(rng.next() as usize) % alphabet.len()]),
                }
            }
            let mutated = String::from_utf8(bytes).unwrap();
            if mutated == original {
                continue;
            }
            match auth.authenticate(&ring, &mutated, false, now) {
                Ok(Outcome::Authenticated(_)) => {
                    // Only a change outside the signed bytes could keep a token valid, and base64url
                    // is strict, so no mutation may be accepted.
                    panic!("{id}: a mutated token was accepted");
                }
                Ok(Outcome::FetchKeys(_)) | Err(_) => {}
            }
        }
    }
    // Raw garbage, including invalid UTF-8 made lossy and huge inputs.
    let ring = KeyRing::new();
    let auth = Authenticator::new(AuthConfig::new("catalog").unwrap());
    for len in [1usize, 2, 3, 10, 100, 1000, 70_000] {
        let s: String = (0..len)
            .map(|_| (rng.next() % 0x7f) as u8 as char)
            .collect();
        let _ = auth.authenticate(&ring, &s, true, 0);
    }
    assert_eq!(
        auth.authenticate(&ring, &"a.".repeat(40_000), false, 0)
            .unwrap_err(),
        Error::TokenTooLarge { max: 65_536 }
    );
}

/// Plugin tokens name their key source in their unverified `sub`. A flood of them with made-up
/// plugin ids (unsigned: they never verify) causes at most `new_plugin_source_limit` fetches per
/// window, the ring stays bounded, and user tokens keep working throughout.
#[test]
fn made_up_plugin_ids_cannot_drive_fetches_or_lock_out_users() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let c = case("001-user-es256-default");
    let user_token = c["token"].as_str().unwrap();
    let now = c["now"].as_u64().unwrap();
    let jwks = serde_json::to_vec(&c["jwks"]["auth"]).unwrap();
    let auth = Authenticator::new(AuthConfig::new("catalog").unwrap());
    let ring = KeyRing::new();
    let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"vnd.backstage.plugin","alg":"ES256"}"#);
    let mut fetches = 0;
    for i in 0..300u64 {
        let t = now + i / 10; // 30 seconds of traffic, 10 tokens a second
        let payload = format!(
            r#"{{"sub":"evil{i}","aud":"catalog","iat":{t},"exp":{}}}"#,
            t + 60
        );
        let token = format!(
            "{header}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            "A".repeat(86)
        );
        if let Ok(Outcome::FetchKeys(request)) = auth.authenticate(&ring, &token, false, t) {
            fetches += 1;
            ring.fetch_failed(&request.source, t); // no such plugin: 404
        }
        // A real user is never locked out.
        let mut outcome = auth.authenticate(&ring, user_token, false, now).unwrap();
        if let Outcome::FetchKeys(request) = &outcome {
            assert_eq!(request.source, Source::Auth);
            ring.load(&Source::Auth, &jwks, now).unwrap();
            outcome = auth.authenticate(&ring, user_token, false, now).unwrap();
        }
        assert!(matches!(outcome, Outcome::Authenticated(_)), "{i}");
    }
    assert_eq!(
        fetches, 10,
        "the default budget: 10 new plugin sources per 60 s"
    );
    assert!(ring.sources().len() <= 101);
}
