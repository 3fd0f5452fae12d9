//! The key ring: one key set per source, and the sans-IO refresh protocol that decides when the
//! caller should fetch a JWKS document.
//!
//! The core never fetches. When a token needs keys that are missing, stale, or lack its `kid`,
//! [`crate::Authenticator::authenticate`] returns [`crate::Outcome::FetchKeys`] naming the source.
//! The caller fetches it, hands the bytes to [`KeyRing::load`] (or reports
//! [`KeyRing::fetch_failed`]) with the time, and calls `authenticate` again.
//!
//! Policy (per source): a document older than [`RefreshPolicy::max_age`] (10 min) is stale; no
//! fetch within [`RefreshPolicy::cooldown`] (30 s) of the last load, failure or granted fetch; at
//! most [`RefreshPolicy::forced_reload_limit`] (10) reloads for unknown keys per
//! [`RefreshPolicy::forced_reload_window`] (60 s). A fetch is granted for an unknown `kid` only
//! when the cooldown has passed, so unverified tokens can never drive one fetch per request.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{Error, KeySet, KeySetOptions};

/// Where a key set comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The auth backend: `<auth base URL>/.well-known/jwks.json` (user and limited tokens).
    Auth,
    /// A plugin: `<plugin base URL>/.backstage/auth/v1/jwks.json` (plugin tokens it issued).
    Plugin(String),
    /// An external JWKS URL configured in `backend.auth.externalAccess`.
    External(String),
}

impl Source {
    /// For [`Source::Auth`] and [`Source::Plugin`]: the plugin id to resolve with Backstage
    /// discovery (`auth`, or the plugin id) and the path to append to its base URL.
    /// `None` for [`Source::External`], whose URL is [`Source::external_url`].
    pub fn discovery(&self) -> Option<(&str, &'static str)> {
        match self {
            Source::Auth => Some(("auth", "/.well-known/jwks.json")),
            Source::Plugin(id) => Some((id, "/.backstage/auth/v1/jwks.json")),
            Source::External(_) => None,
        }
    }

    /// The URL of an external source.
    pub fn external_url(&self) -> Option<&str> {
        match self {
            Source::External(url) => Some(url),
            _ => None,
        }
    }

    /// The JWKS URL for this source, given the base URL discovery returns for its plugin id
    /// (ignored for external sources).
    pub fn url(&self, base_url: &str) -> String {
        match self.discovery() {
            Some((_, path)) => format!("{}{}", base_url.trim_end_matches('/'), path),
            None => self.external_url().unwrap_or_default().to_owned(),
        }
    }

    /// A stable text form: `auth`, `plugin:<id>`, `external:<url>`.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// Parses the text form of [`Source::key`]; an empty plugin id or URL is not a source.
    pub fn parse(text: &str) -> Option<Source> {
        if text == "auth" {
            return Some(Source::Auth);
        }
        if let Some(id) = text.strip_prefix("plugin:") {
            return (!id.is_empty()).then(|| Source::Plugin(id.to_owned()));
        }
        text.strip_prefix("external:")
            .filter(|url| !url.is_empty())
            .map(|url| Source::External(url.to_owned()))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Auth => f.write_str("auth"),
            Source::Plugin(id) => write!(f, "plugin:{id}"),
            Source::External(url) => write!(f, "external:{url}"),
        }
    }
}

/// Why a fetch is requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchReason {
    /// The source has never been loaded.
    NotLoaded,
    /// The loaded document is older than the maximum age.
    Stale,
    /// The token names a key the loaded document lacks (a forced reload).
    UnknownKey,
}

impl FetchReason {
    /// Every reason.
    pub const ALL: &'static [FetchReason] = &[
        FetchReason::NotLoaded,
        FetchReason::Stale,
        FetchReason::UnknownKey,
    ];

    /// [`FetchReason::as_str`] NUL-terminated, for C callers.
    pub fn as_cstr(self) -> &'static std::ffi::CStr {
        match self {
            FetchReason::NotLoaded => c"not_loaded",
            FetchReason::Stale => c"stale",
            FetchReason::UnknownKey => c"unknown_key",
        }
    }

    /// `not_loaded`, `stale` or `unknown_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            FetchReason::NotLoaded => "not_loaded",
            FetchReason::Stale => "stale",
            FetchReason::UnknownKey => "unknown_key",
        }
    }
}

/// The core's request to fetch one source's JWKS document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRequest {
    /// The source to fetch.
    pub source: Source,
    /// Why.
    pub reason: FetchReason,
    /// `true` when an earlier request for this source was granted and is not yet answered: the
    /// caller should wait for that fetch (or, if it cannot share it, fetch itself) and retry.
    pub in_flight: bool,
}

impl KeyRequest {
    /// The error to report when this request cannot be answered (nothing can fetch, or the
    /// caller gave up waiting): [`Error::KeysUnavailable`] for the source.
    pub fn unavailable(&self) -> Error {
        Error::KeysUnavailable {
            source: self.source.to_string(),
        }
    }
}

/// The refresh policy's numbers. [`RefreshPolicy::default`] is Backstage's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Seconds after which a loaded document is stale. Default 600.
    pub max_age: u64,
    /// Seconds after a load, failure or granted fetch during which no fetch is granted. Default 30.
    pub cooldown: u64,
    /// Forced reloads (unknown `kid`) allowed per window. Default 10.
    pub forced_reload_limit: usize,
    /// The window for forced reloads, in seconds. Default 60.
    pub forced_reload_window: u64,
    /// The most plugin sources tracked at once. A new plugin source beyond it evicts one that
    /// never loaded, or is refused when every tracked one holds keys. Default 100. The auth
    /// source and configured external sources are never refused.
    pub max_sources: usize,
    /// Fetches of plugin sources never loaded before, allowed per `forced_reload_window` across
    /// all plugins. Default 10. A plugin token names its source in its unverified `sub`, so
    /// without this budget tokens with made-up plugin ids could each cause a fetch.
    pub new_plugin_source_limit: usize,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            max_age: 600,
            cooldown: 30,
            forced_reload_limit: 10,
            forced_reload_window: 60,
            max_sources: 100,
            new_plugin_source_limit: 10,
        }
    }
}

#[derive(Default)]
struct SourceState {
    keys: Option<Arc<KeySet>>,
    loaded_at: u64,
    /// The last load, failure or granted fetch.
    last_activity: Option<u64>,
    /// When a granted fetch started, until it is answered.
    in_flight_since: Option<u64>,
    forced: VecDeque<u64>,
}

/// What the ring has for a source right now.
pub(crate) enum Lookup {
    Keys(Arc<KeySet>),
    Fetch(KeyRequest),
}

/// One key set per source, shared by every verification; safe to use from many threads while
/// others load new documents.
///
/// ```
/// use backstage_identity::{KeyRing, Source};
/// let ring = KeyRing::new();
/// let jwks = br#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",
///   "x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",
///   "y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}"#;
/// let report = ring.load(&Source::Auth, jwks, 1_700_000_000).unwrap();
/// assert_eq!(report.keys, 1);
/// assert!(ring.keys(&Source::Auth).is_some());
/// ```
pub struct KeyRing {
    policy: RefreshPolicy,
    sources: Mutex<Sources>,
}

/// Everything the ring's lock guards.
#[derive(Default)]
struct Sources {
    map: HashMap<Source, SourceState>,
    /// When fetches of never-loaded plugin sources were granted, within the window.
    new_plugin_fetches: VecDeque<u64>,
}

/// What [`KeyRing::load`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadReport {
    /// How many keys are usable.
    pub keys: usize,
    /// The keys that were skipped, with reasons.
    pub skipped: Vec<crate::SkippedKey>,
}

impl Default for KeyRing {
    fn default() -> Self {
        KeyRing::new()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<Source> = self.lock().map.keys().cloned().collect();
        f.debug_struct("KeyRing")
            .field("policy", &self.policy)
            .field("sources", &sources)
            .finish()
    }
}

impl KeyRing {
    /// An empty ring with the default policy.
    pub fn new() -> KeyRing {
        KeyRing::with_policy(RefreshPolicy::default())
    }

    /// An empty ring with a custom policy.
    pub fn with_policy(policy: RefreshPolicy) -> KeyRing {
        KeyRing {
            policy,
            sources: Mutex::new(Sources::default()),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    fn lock(&self) -> MutexGuard<'_, Sources> {
        // No code holding the lock can panic half-way through an update, so a poisoned lock
        // still guards consistent state.
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Parses `document` and makes it the key set of `source`, loaded at `now`. On a parse error
    /// the previous key set (if any) stays and the attempt counts as a failure.
    pub fn load(&self, source: &Source, document: &[u8], now: u64) -> Result<LoadReport, Error> {
        let parsed = KeySet::from_jwks(document, &KeySetOptions::default());
        let mut sources = self.lock();
        let state = sources.map.entry(source.clone()).or_default();
        state.in_flight_since = None;
        state.last_activity = Some(now);
        let set = parsed?;
        let report = LoadReport {
            keys: set.len(),
            skipped: set.skipped().to_vec(),
        };
        state.keys = Some(Arc::new(set));
        state.loaded_at = now;
        Ok(report)
    }

    /// Records that fetching `source` failed at `now` (network error, 404, timeout). No new
    /// fetch is granted for it within the cooldown; a stale key set keeps being used.
    pub fn fetch_failed(&self, source: &Source, now: u64) {
        let mut sources = self.lock();
        let state = sources.map.entry(source.clone()).or_default();
        state.in_flight_since = None;
        state.last_activity = Some(now);
    }

    /// The current key set of `source`, if loaded.
    pub fn keys(&self, source: &Source) -> Option<Arc<KeySet>> {
        self.lock().map.get(source).and_then(|s| s.keys.clone())
    }

    /// When `source` was last loaded, if ever.
    pub fn loaded_at(&self, source: &Source) -> Option<u64> {
        self.lock()
            .map
            .get(source)
            .and_then(|s| s.keys.as_ref().map(|_| s.loaded_at))
    }

    /// Forgets `source` entirely.
    pub fn remove(&self, source: &Source) {
        self.lock().map.remove(source);
    }

    /// The sources the ring knows, loaded or not.
    pub fn sources(&self) -> Vec<Source> {
        let mut v: Vec<Source> = self.lock().map.keys().cloned().collect();
        v.sort();
        v
    }

    fn cooling(&self, state: &SourceState, now: u64) -> bool {
        state
            .last_activity
            .is_some_and(|t| now < t.saturating_add(self.policy.cooldown))
    }

    fn in_flight(&self, state: &SourceState, now: u64) -> bool {
        state
            .in_flight_since
            .is_some_and(|t| now < t.saturating_add(self.policy.cooldown))
    }

    fn grant(
        state: &mut SourceState,
        source: &Source,
        reason: FetchReason,
        now: u64,
    ) -> KeyRequest {
        state.in_flight_since = Some(now);
        state.last_activity = Some(now);
        KeyRequest {
            source: source.clone(),
            reason,
            in_flight: false,
        }
    }

    /// The keys to verify with, or a fetch to do first (not loaded, or stale).
    pub(crate) fn lookup(&self, source: &Source, now: u64) -> Result<Lookup, Error> {
        let unavailable = || Error::KeysUnavailable {
            source: source.to_string(),
        };
        let mut guard = self.lock();
        let sources = &mut *guard;
        let is_plugin = matches!(source, Source::Plugin(_));
        if is_plugin && !sources.map.contains_key(source) && !self.make_room(sources, now) {
            return Err(unavailable());
        }
        let state = sources.map.entry(source.clone()).or_default();
        let in_flight = self.in_flight(state, now);
        let cooling = self.cooling(state, now);
        match state.keys.clone() {
            None if in_flight => Ok(Lookup::Fetch(KeyRequest {
                source: source.clone(),
                reason: FetchReason::NotLoaded,
                in_flight: true,
            })),
            None if cooling => Err(unavailable()),
            None => {
                if is_plugin {
                    let window = self.policy.forced_reload_window;
                    let budget = &mut sources.new_plugin_fetches;
                    while budget
                        .front()
                        .is_some_and(|&t| now >= t.saturating_add(window))
                    {
                        budget.pop_front();
                    }
                    if budget.len() >= self.policy.new_plugin_source_limit {
                        return Err(unavailable());
                    }
                    budget.push_back(now);
                }
                let state = sources.map.entry(source.clone()).or_default();
                Ok(Lookup::Fetch(Self::grant(
                    state,
                    source,
                    FetchReason::NotLoaded,
                    now,
                )))
            }
            Some(keys) => {
                let stale = now >= state.loaded_at.saturating_add(self.policy.max_age);
                if stale && !in_flight && !cooling {
                    Ok(Lookup::Fetch(Self::grant(
                        state,
                        source,
                        FetchReason::Stale,
                        now,
                    )))
                } else {
                    // Fresh, or stale while a refresh is pending or just failed: keep serving.
                    Ok(Lookup::Keys(keys))
                }
            }
        }
    }

    /// Makes room for one more plugin source: below the limit there is room; at it, the
    /// plugin source without keys and without a pending fetch that was active longest ago is
    /// forgotten. `false` when every tracked plugin source holds keys or is being fetched.
    fn make_room(&self, sources: &mut Sources, now: u64) -> bool {
        let plugins = sources
            .map
            .keys()
            .filter(|s| matches!(s, Source::Plugin(_)))
            .count();
        if plugins < self.policy.max_sources {
            return true;
        }
        let evictable = sources
            .map
            .iter()
            .filter(|(s, st)| {
                matches!(s, Source::Plugin(_)) && st.keys.is_none() && !self.in_flight(st, now)
            })
            .min_by_key(|(_, st)| st.last_activity)
            .map(|(s, _)| s.clone());
        match evictable {
            Some(s) => {
                sources.map.remove(&s);
                true
            }
            None => false,
        }
    }

    /// After a token's key was not found in `source`: a forced reload if the policy allows one,
    /// else the error to report.
    pub(crate) fn on_unknown_key(&self, source: &Source, now: u64) -> Result<KeyRequest, Error> {
        let mut sources = self.lock();
        let state = sources.map.entry(source.clone()).or_default();
        if self.in_flight(state, now) {
            return Ok(KeyRequest {
                source: source.clone(),
                reason: FetchReason::UnknownKey,
                in_flight: true,
            });
        }
        let window = self.policy.forced_reload_window;
        while state
            .forced
            .front()
            .is_some_and(|&t| now >= t.saturating_add(window))
        {
            state.forced.pop_front();
        }
        if self.cooling(state, now) || state.forced.len() >= self.policy.forced_reload_limit {
            return Err(Error::NoMatchingKey {
                reload_throttled: true,
            });
        }
        state.forced.push_back(now);
        Ok(Self::grant(state, source, FetchReason::UnknownKey, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",
      "x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",
      "y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}"#;

    fn fetch(l: Result<Lookup, Error>) -> KeyRequest {
        match l {
            Ok(Lookup::Fetch(r)) => r,
            Ok(Lookup::Keys(_)) => panic!("expected a fetch, got keys"),
            Err(e) => panic!("expected a fetch, got {e}"),
        }
    }

    fn keys(l: Result<Lookup, Error>) -> Arc<KeySet> {
        match l {
            Ok(Lookup::Keys(k)) => k,
            _ => panic!("expected keys"),
        }
    }

    #[test]
    fn not_loaded_then_loaded() {
        let ring = KeyRing::new();
        let r = fetch(ring.lookup(&Source::Auth, 1000));
        assert_eq!(r.reason, FetchReason::NotLoaded);
        assert!(!r.in_flight);
        // A second caller while the first fetch is pending is told to wait for it.
        assert!(fetch(ring.lookup(&Source::Auth, 1001)).in_flight);
        ring.load(&Source::Auth, JWKS, 1002).unwrap();
        assert_eq!(keys(ring.lookup(&Source::Auth, 1003)).len(), 1);
        assert_eq!(ring.loaded_at(&Source::Auth), Some(1002));
    }

    #[test]
    fn failed_fetch_cools_down() {
        let ring = KeyRing::new();
        fetch(ring.lookup(&Source::Plugin("catalog".into()), 1000));
        ring.fetch_failed(&Source::Plugin("catalog".into()), 1001);
        assert_eq!(
            ring.lookup(&Source::Plugin("catalog".into()), 1030).err(),
            Some(Error::KeysUnavailable {
                source: "plugin:catalog".into()
            })
        );
        assert_eq!(
            fetch(ring.lookup(&Source::Plugin("catalog".into()), 1031)).reason,
            FetchReason::NotLoaded
        );
    }

    #[test]
    fn stale_documents_are_refreshed_but_still_served_when_refresh_fails() {
        let ring = KeyRing::new();
        ring.load(&Source::Auth, JWKS, 1000).unwrap();
        keys(ring.lookup(&Source::Auth, 1599));
        let r = fetch(ring.lookup(&Source::Auth, 1600));
        assert_eq!(r.reason, FetchReason::Stale);
        // While that fetch is pending, and after it fails, the stale keys keep working.
        keys(ring.lookup(&Source::Auth, 1601));
        ring.fetch_failed(&Source::Auth, 1602);
        keys(ring.lookup(&Source::Auth, 1631));
        assert_eq!(
            fetch(ring.lookup(&Source::Auth, 1632)).reason,
            FetchReason::Stale
        );
    }

    #[test]
    fn forced_reloads_obey_cooldown_and_budget() {
        let policy = RefreshPolicy {
            cooldown: 1,
            ..RefreshPolicy::default()
        };
        let ring = KeyRing::with_policy(policy);
        ring.load(&Source::Auth, JWKS, 1000).unwrap();
        // Within the cooldown of the load: refused.
        assert_eq!(
            ring.on_unknown_key(&Source::Auth, 1000),
            Err(Error::NoMatchingKey {
                reload_throttled: true
            })
        );
        let mut granted = 0;
        for t in 1001..1061 {
            match ring.on_unknown_key(&Source::Auth, t) {
                Ok(r) if !r.in_flight => {
                    granted += 1;
                    ring.load(&Source::Auth, JWKS, t).unwrap();
                }
                Ok(_) => panic!("nothing was in flight"),
                Err(e) => assert_eq!(
                    e,
                    Error::NoMatchingKey {
                        reload_throttled: true
                    }
                ),
            }
        }
        // Cooldown alone would allow 30 in this minute; the budget caps it at 10.
        assert_eq!(granted, 10);
        // The window slides.
        assert!(ring.on_unknown_key(&Source::Auth, 1062).is_ok());
    }

    #[test]
    fn default_cooldown_caps_floods() {
        let ring = KeyRing::new();
        ring.load(&Source::Auth, JWKS, 1000).unwrap();
        let mut granted = 0;
        for t in 1000..1060 {
            if let Ok(r) = ring.on_unknown_key(&Source::Auth, t) {
                if !r.in_flight {
                    granted += 1;
                    ring.load(&Source::Auth, JWKS, t).unwrap();
                }
            }
        }
        assert_eq!(granted, 1, "one reload at t=1030 only");
    }

    #[test]
    fn bad_document_keeps_old_keys() {
        let ring = KeyRing::new();
        ring.load(&Source::Auth, JWKS, 1000).unwrap();
        assert!(ring.load(&Source::Auth, b"{}", 2000).is_err());
        assert_eq!(ring.keys(&Source::Auth).unwrap().len(), 1);
    }

    #[test]
    fn unanswered_request_is_keys_unavailable() {
        let r = fetch(KeyRing::new().lookup(&Source::Plugin("x".into()), 1));
        assert_eq!(
            r.unavailable(),
            Error::KeysUnavailable {
                source: "plugin:x".into()
            }
        );
    }

    #[test]
    fn reason_names() {
        for r in FetchReason::ALL {
            assert_eq!(r.as_cstr().to_str(), Ok(r.as_str()));
        }
    }

    #[test]
    fn made_up_plugin_sources_cannot_lock_anything_out() {
        let ring = KeyRing::with_policy(RefreshPolicy {
            max_sources: 3,
            new_plugin_source_limit: 4,
            ..RefreshPolicy::default()
        });
        let plugin = |i: u32| Source::Plugin(format!("evil{i}"));
        // The budget of new plugin sources: 4 fetches per window, whatever the ids.
        for i in 0..4 {
            let r = fetch(ring.lookup(&plugin(i), 1000));
            ring.fetch_failed(&r.source, 1000);
        }
        assert!(matches!(
            ring.lookup(&plugin(4), 1000),
            Err(Error::KeysUnavailable { .. })
        ));
        // The window slides; failed sources are evicted to make room, so the ring stays small.
        fetch(ring.lookup(&plugin(5), 1060));
        assert!(ring.sources().len() <= 3);
        // The auth source is never refused, and neither is a plugin source that holds keys.
        assert_eq!(
            fetch(ring.lookup(&Source::Auth, 1060)).reason,
            FetchReason::NotLoaded
        );
        ring.load(&Source::Plugin("catalog".into()), JWKS, 1060)
            .unwrap();
        keys(ring.lookup(&Source::Plugin("catalog".into()), 1061));
    }

    #[test]
    fn full_of_loaded_plugin_sources_refuses_new_ones() {
        let ring = KeyRing::with_policy(RefreshPolicy {
            max_sources: 1,
            ..RefreshPolicy::default()
        });
        ring.load(&Source::Plugin("catalog".into()), JWKS, 1)
            .unwrap();
        assert!(matches!(
            ring.lookup(&Source::Plugin("x".into()), 1),
            Err(Error::KeysUnavailable { .. })
        ));
        keys(ring.lookup(&Source::Plugin("catalog".into()), 2));
    }

    #[test]
    fn source_text_forms() {
        for s in [
            Source::Auth,
            Source::Plugin("catalog".into()),
            Source::External("https://x/j".into()),
        ] {
            assert_eq!(Source::parse(&s.key()), Some(s.clone()));
        }
        assert_eq!(Source::parse("nope"), None);
        assert_eq!(Source::parse("plugin:"), None);
        assert_eq!(Source::parse("external:"), None);
        assert_eq!(
            Source::Plugin("catalog".into()).url("http://h/api/catalog/"),
            "http://h/api/catalog/.backstage/auth/v1/jwks.json"
        );
        assert_eq!(
            Source::Auth.url("http://h/api/auth"),
            "http://h/api/auth/.well-known/jwks.json"
        );
        assert_eq!(
            Source::External("https://x/j".into()).url("ignored"),
            "https://x/j"
        );
    }
}
