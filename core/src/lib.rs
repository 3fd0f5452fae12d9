//! Verifies Backstage identity tokens without doing any IO.
//!
//! The caller supplies JWKS documents and the current time; this crate parses keys, verifies
//! JWS compact tokens (ES256, ES384, RS256/384/512, PS256/384/512, EdDSA, and HS256/384/512
//! only where the policy allows), checks claims as Backstage does, and returns a typed principal
//! or a typed [`Error`] with a stable code. It opens no socket or file, reads no clock or
//! environment, and starts no thread.
//!
//! Two levels:
//! - [`verify`]: a generic JWT check against a [`KeySet`] with [`VerifyOptions`];
//! - [`Authenticator::authenticate`]: Backstage's `DefaultAuthService.authenticate` (user,
//!   limited user, plugin and `obo`, legacy, static and external JWKS tokens) over a
//!   [`KeyRing`], which tells the caller when to fetch which JWKS ([`Outcome::FetchKeys`]).
//!
//! ```
//! use backstage_identity::{AuthConfig, Authenticator, KeyRing, Outcome, Principal};
//!
//! let case: serde_json::Value =
//!     serde_json::from_str(include_str!("../../tests/vectors/backstage/001-user-es256-default.json")).unwrap();
//! let token = case["token"].as_str().unwrap();
//! let now = case["now"].as_u64().unwrap();
//! let jwks = serde_json::to_vec(&case["jwks"]["auth"]).unwrap();
//!
//! let auth = Authenticator::new(AuthConfig::new("catalog").unwrap());
//! let ring = KeyRing::new();
//! let credentials = loop {
//!     match auth.authenticate(&ring, token, false, now).unwrap() {
//!         Outcome::Authenticated(credentials) => break credentials,
//!         // Here a server would GET the source's JWKS URL; the example has the bytes at hand.
//!         Outcome::FetchKeys(request) => { ring.load(&request.source, &jwks, now).unwrap(); }
//!     }
//! };
//! assert_eq!(
//!     credentials.principal,
//!     Principal::User { user_entity_ref: "user:default/alice".into(), actor: None }
//! );
//! ```
#![cfg_attr(not(feature = "capi"), forbid(unsafe_code))]
#![cfg_attr(feature = "capi", deny(unsafe_code))]
#![warn(missing_docs)]

mod authenticate;
mod config;
mod curve;
mod error;
mod json;
mod keyring;
mod keys;
mod token;
mod verify;

/// The C API (`bi_*`), the only module allowed `unsafe`.
#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod capi;

pub use authenticate::{
    bearer_token, Authenticator, Credentials, Outcome, Principal, TokenKind, TYP_LIMITED_USER,
    TYP_PLUGIN, TYP_USER,
};
pub use config::{AccessRestrictions, AuthConfig, MAX_PLUGIN_ID_LEN, MIN_STATIC_TOKEN_LEN};
pub use error::{Error, ErrorCode, ErrorFamily, Segment};
pub use keyring::{FetchReason, KeyRequest, KeyRing, LoadReport, RefreshPolicy, Source};
pub use keys::{
    Algorithm, Key, KeySet, KeySetOptions, SkippedKey, MAX_JWKS_BYTES, MAX_JWKS_KEYS,
    MIN_HMAC_SECRET_BYTES,
};
pub use token::{Audience, Claims, Header, Limits};
pub use verify::{verify, Verified, VerifyOptions};
