//! `backstage_identity._native`: the Python types over the `backstage-identity` core.
//!
//! This crate converts types only. Every rule, default, message and code comes from the core;
//! the one conversion of core errors into exceptions is [`error::raise`]. Verification,
//! authentication and JWKS parsing run with the GIL released, and every class is immutable or
//! internally synchronised, so objects can be shared between threads.

mod convert;
mod error;

use std::sync::Arc;

use backstage_identity as core;
use backstage_identity::{ErrorCode, Outcome, Principal};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

use crate::convert::{document, json_loads, json_value, optional_text, text, utc_datetime};
use crate::error::{invalid_argument, BiError, BiResult};

/// A JWKS document that was parsed into usable keys.
///
/// ``KeySet(jwks, *, allow_hmac=False)`` parses the document once (``str`` or ``bytes``) so that
/// :func:`verify` can reuse it. HMAC (``oct``) keys are skipped unless ``allow_hmac`` is true.
///
/// >>> keys = KeySet('{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",'
/// ...   '"x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",'
/// ...   '"y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}')
/// >>> len(keys)
/// 1
#[pyclass(frozen, module = "backstage_identity._native", name = "KeySet")]
struct PyKeySet {
    inner: Arc<core::KeySet>,
}

fn parse_key_set(
    py: Python<'_>,
    jwks: &Bound<'_, PyAny>,
    allow_hmac: bool,
) -> BiResult<core::KeySet> {
    let bytes = document(jwks, "jwks", false)?;
    let options = core::KeySetOptions { allow_hmac };
    Ok(py.detach(|| core::KeySet::from_jwks(&bytes, &options))?)
}

fn skipped_list(py: Python<'_>, skipped: &[core::SkippedKey]) -> PyResult<Py<PyList>> {
    let items = skipped
        .iter()
        .map(|s| {
            Py::new(
                py,
                SkippedKey {
                    index: s.index,
                    kid: s.kid.clone(),
                    code: s.reason.code().as_str(),
                    message: s.reason.to_string(),
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.unbind())
}

#[pymethods]
impl PyKeySet {
    #[new]
    #[pyo3(signature = (jwks, *, allow_hmac = false))]
    fn new(py: Python<'_>, jwks: &Bound<'_, PyAny>, allow_hmac: bool) -> BiResult<Self> {
        Ok(PyKeySet {
            inner: Arc::new(parse_key_set(py, jwks, allow_hmac)?),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The keys of the document that were not loaded, with the core's reason.
    #[getter]
    fn skipped(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        skipped_list(py, self.inner.skipped())
    }

    /// The ``kid`` of each usable key (``None`` for a key without one), in document order.
    #[getter]
    fn kids(&self) -> Vec<Option<String>> {
        self.inner
            .keys()
            .iter()
            .map(|k| k.kid().map(str::to_owned))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "KeySet(keys={}, skipped={})",
            self.inner.len(),
            self.inner.skipped().len()
        )
    }
}

/// A JWK that was not loaded: its position, its ``kid`` and the core's reason.
#[pyclass(frozen, get_all, module = "backstage_identity._native")]
struct SkippedKey {
    /// Position in the document's ``keys`` array.
    index: usize,
    /// The key's ``kid``, if it had a string one.
    kid: Option<String>,
    /// The core's error code (``ERR_JWK_INVALID``).
    code: &'static str,
    /// The core's reason.
    message: String,
}

#[pymethods]
impl SkippedKey {
    fn __repr__(&self) -> String {
        format!(
            "SkippedKey(index={}, kid={:?}, code={:?})",
            self.index, self.kid, self.code
        )
    }
}

/// What :meth:`KeyRing.load` did: the number of usable keys and the keys skipped.
#[pyclass(frozen, module = "backstage_identity._native")]
struct LoadReport {
    keys: usize,
    skipped: Py<PyList>,
}

#[pymethods]
impl LoadReport {
    /// How many keys are usable.
    #[getter]
    fn keys(&self) -> usize {
        self.keys
    }

    /// The keys that were skipped, with reasons.
    #[getter]
    fn skipped(&self, py: Python<'_>) -> Py<PyList> {
        self.skipped.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LoadReport(keys={}, skipped={})",
            self.keys,
            self.skipped.bind(py).len()
        )
    }
}

/// Verification options, parsed and checked once by the core.
///
/// ``VerifyOptions(options=None)`` takes a ``dict`` (or JSON text) with the core's members, every one
/// optional: ``algorithms``, ``issuers``, ``audiences``, ``types``, ``required_claims``,
/// ``require_exp``, ``leeway``, ``reject_future_iat``, ``max_token_len``, ``max_header_len``.
/// Unknown members are refused.
///
/// >>> VerifyOptions({"algorithms": ["ES256"], "audiences": ["backstage"]}).algorithms
/// ['ES256']
#[pyclass(frozen, module = "backstage_identity._native", name = "VerifyOptions")]
struct PyVerifyOptions {
    inner: core::VerifyOptions,
}

fn parse_options(options: Option<&Bound<'_, PyAny>>) -> BiResult<core::VerifyOptions> {
    match options {
        Some(o) if !o.is_none() => Ok(core::VerifyOptions::from_json(&document(
            o, "options", true,
        )?)?),
        _ => Ok(core::VerifyOptions::default()),
    }
}

#[pymethods]
impl PyVerifyOptions {
    #[new]
    #[pyo3(signature = (options = None))]
    fn new(options: Option<&Bound<'_, PyAny>>) -> BiResult<Self> {
        Ok(PyVerifyOptions {
            inner: parse_options(options)?,
        })
    }

    /// Allowed algorithms.
    #[getter]
    fn algorithms(&self) -> Vec<&'static str> {
        self.inner.algorithms.iter().map(|a| a.name()).collect()
    }
    /// Accepted issuers (empty: not checked).
    #[getter]
    fn issuers(&self) -> Vec<String> {
        self.inner.issuers.clone()
    }
    /// Accepted audiences (empty: not checked).
    #[getter]
    fn audiences(&self) -> Vec<String> {
        self.inner.audiences.clone()
    }
    /// Accepted header ``typ`` values (empty: not checked).
    #[getter]
    fn types(&self) -> Vec<String> {
        self.inner.types.clone()
    }
    /// Claims that must be present.
    #[getter]
    fn required_claims(&self) -> Vec<String> {
        self.inner.required_claims.clone()
    }
    /// Whether ``exp`` is required.
    #[getter]
    fn require_exp(&self) -> bool {
        self.inner.require_exp
    }
    /// Clock tolerance in seconds.
    #[getter]
    fn leeway(&self) -> u64 {
        self.inner.leeway
    }
    /// Whether an ``iat`` in the future is refused.
    #[getter]
    fn reject_future_iat(&self) -> bool {
        self.inner.reject_future_iat
    }
    /// Longest accepted token, in characters.
    #[getter]
    fn max_token_len(&self) -> usize {
        self.inner.limits.max_token_len
    }
    /// Longest accepted header segment, in characters.
    #[getter]
    fn max_header_len(&self) -> usize {
        self.inner.limits.max_header_len
    }
}

/// A token whose signature and claims were verified by :func:`verify`.
#[pyclass(frozen, module = "backstage_identity._native")]
struct VerifiedToken {
    inner: core::Verified,
    claims: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl VerifiedToken {
    /// The algorithm the signature was verified with, e.g. ``"ES256"``.
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.algorithm().name()
    }
    /// The header's ``kid``.
    #[getter]
    fn kid(&self) -> Option<String> {
        self.inner.header().kid.clone()
    }
    /// The header's ``typ``.
    #[getter]
    fn typ(&self) -> Option<String> {
        self.inner.header().typ.clone()
    }
    /// The ``sub`` claim.
    #[getter]
    fn subject(&self) -> Option<String> {
        self.inner.claims().sub.clone()
    }
    /// The ``iss`` claim.
    #[getter]
    fn issuer(&self) -> Option<String> {
        self.inner.claims().iss.clone()
    }
    /// ``exp`` as an aware UTC ``datetime`` (``None`` without ``exp``).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .claims()
            .exp
            .map(|exp| utc_datetime(py, exp))
            .transpose()
    }
    /// The whole payload as a ``dict`` (parsed with ``json.loads`` on first access; the same
    /// object is returned afterwards).
    #[getter]
    fn claims(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.claims
            .get_or_try_init(py, || {
                json_loads(py, self.inner.claims().json()).map(Bound::unbind)
            })
            .map(|c| c.clone_ref(py))
    }
    /// The payload exactly as decoded (JSON text).
    #[getter]
    fn claims_json(&self) -> &str {
        self.inner.claims().json()
    }

    fn __repr__(&self) -> String {
        format!(
            "VerifiedToken(algorithm={:?}, kid={:?}, subject={:?})",
            self.inner.algorithm().name(),
            self.inner.header().kid,
            self.inner.claims().sub
        )
    }
}

/// Verifies a JWS compact token against a key set at ``now`` (Unix seconds; default: the current
/// time).
///
/// ``keys`` is a :class:`KeySet` (parse once, verify many) or a JWKS document (``str`` /
/// ``bytes``, parsed for this call with ``allow_hmac``). ``options`` is a :class:`VerifyOptions`,
/// a ``dict``, JSON text, or ``None`` for the core's defaults. Raises a subclass of
/// :class:`BackstageIdentityError` when the token is refused. The GIL is released while the
/// token is verified.
///
/// >>> keys = KeySet('{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256",'
/// ...   '"x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",'
/// ...   '"y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}')
/// >>> try:
/// ...     verify("eyJhbGciOiJub25lIn0.e30.", keys)
/// ... except KeySelectionError as e:
/// ...     print(e.code, e.status)
/// ERR_ALG_NONE 401
#[pyfunction]
#[pyo3(signature = (token, keys, options = None, now = None, *, allow_hmac = false))]
fn verify(
    py: Python<'_>,
    token: &Bound<'_, PyAny>,
    keys: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    allow_hmac: bool,
) -> BiResult<VerifiedToken> {
    let token = text(token, "token")?;
    let now = convert::now(now)?;
    let key_set = match keys.cast::<PyKeySet>() {
        Ok(k) => k.get().inner.clone(),
        Err(_) => Arc::new(parse_key_set(py, keys, allow_hmac)?),
    };
    let parsed;
    let options = match options.map(|o| o.cast::<PyVerifyOptions>()) {
        Some(Ok(o)) => &o.get().inner,
        _ => {
            parsed = parse_options(options)?;
            &parsed
        }
    };
    let token: &str = &token;
    let verified = py.detach(|| core::verify(token, &key_set, options, now))?;
    Ok(VerifiedToken {
        inner: verified,
        claims: PyOnceLock::new(),
    })
}

/// The token of an ``Authorization`` header, exactly as Backstage extracts it
/// (``^Bearer[ ]+(\S+)$``, case-insensitive scheme), or ``None``.
///
/// >>> get_bearer_token("Bearer abc")
/// 'abc'
/// >>> get_bearer_token("Basic abc") is None
/// True
#[pyfunction]
#[pyo3(signature = (header))]
fn get_bearer_token(header: Option<&Bound<'_, PyAny>>) -> BiResult<Option<String>> {
    let header = optional_text(header, "header")?;
    Ok(header
        .as_deref()
        .and_then(core::bearer_token)
        .map(str::to_owned))
}

/// Every error code of the core: ``{code: (number, family)}``.
#[pyfunction]
fn error_codes() -> std::collections::BTreeMap<&'static str, (u32, &'static str)> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str(), (c.number(), c.family().as_str())))
        .collect()
}

/// One JWKS key set per source, and the core's refresh policy. Safe to share between threads.
///
/// ``KeyRing(*, max_age=None, cooldown=None, forced_reload_limit=None, forced_reload_window=None,
/// max_sources=None, new_plugin_source_limit=None)``: each ``None`` keeps the core's default (Backstage's policy).
///
/// >>> ring = KeyRing()
/// >>> ring.load("auth", '{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",'
/// ...   '"x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A",'
/// ...   '"y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}', now=1_700_000_000).keys
/// 1
/// >>> ring.sources(), ring.loaded_at("auth")
/// (['auth'], 1700000000)
#[pyclass(frozen, module = "backstage_identity._native", name = "KeyRing")]
struct PyKeyRing {
    inner: core::KeyRing,
}

#[pymethods]
impl PyKeyRing {
    #[new]
    #[pyo3(signature = (*, max_age = None, cooldown = None, forced_reload_limit = None, forced_reload_window = None, max_sources = None, new_plugin_source_limit = None))]
    fn new(
        max_age: Option<u64>,
        cooldown: Option<u64>,
        forced_reload_limit: Option<usize>,
        forced_reload_window: Option<u64>,
        max_sources: Option<usize>,
        new_plugin_source_limit: Option<usize>,
    ) -> Self {
        let d = core::RefreshPolicy::default();
        let policy = core::RefreshPolicy {
            max_age: max_age.unwrap_or(d.max_age),
            cooldown: cooldown.unwrap_or(d.cooldown),
            forced_reload_limit: forced_reload_limit.unwrap_or(d.forced_reload_limit),
            forced_reload_window: forced_reload_window.unwrap_or(d.forced_reload_window),
            max_sources: max_sources.unwrap_or(d.max_sources),
            new_plugin_source_limit: new_plugin_source_limit.unwrap_or(d.new_plugin_source_limit),
        };
        PyKeyRing {
            inner: core::KeyRing::with_policy(policy),
        }
    }

    /// Parses ``jwks`` (``str`` or ``bytes``) and makes it the key set of ``source``
    /// (``"auth"``, ``"plugin:<id>"``, ``"external:<url>"``), loaded at ``now``. On error the
    /// previous key set stays and the attempt counts as a failed fetch.
    #[pyo3(signature = (source, jwks, now = None))]
    fn load(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        jwks: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<LoadReport> {
        let source = convert::source(source)?;
        let bytes = document(jwks, "jwks", false)?;
        let now = convert::now(now)?;
        let report = py.detach(|| self.inner.load(&source, &bytes, now))?;
        Ok(LoadReport {
            keys: report.keys,
            skipped: skipped_list(py, &report.skipped)?,
        })
    }

    /// Records that fetching ``source`` failed at ``now`` (network error, non-200, timeout).
    #[pyo3(signature = (source, now = None))]
    fn fetch_failed(
        &self,
        source: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<()> {
        let source = convert::source(source)?;
        self.inner.fetch_failed(&source, convert::now(now)?);
        Ok(())
    }

    /// The sources the ring knows, loaded or not, sorted.
    fn sources(&self) -> Vec<String> {
        self.inner.sources().iter().map(core::Source::key).collect()
    }

    /// When ``source`` was last loaded (Unix seconds), or ``None``.
    fn loaded_at(&self, source: &Bound<'_, PyAny>) -> BiResult<Option<u64>> {
        Ok(self.inner.loaded_at(&convert::source(source)?))
    }

    /// How many usable keys ``source`` has, or ``None`` when it is not loaded.
    fn key_count(&self, source: &Bound<'_, PyAny>) -> BiResult<Option<usize>> {
        Ok(self.inner.keys(&convert::source(source)?).map(|k| k.len()))
    }

    /// Forgets ``source`` entirely.
    fn remove(&self, source: &Bound<'_, PyAny>) -> BiResult<()> {
        self.inner.remove(&convert::source(source)?);
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!("KeyRing(sources={:?})", self.sources())
    }
}

/// The core's request to fetch one source's JWKS, returned by :meth:`Authenticator.step`.
#[pyclass(frozen, module = "backstage_identity._native")]
struct FetchRequest {
    inner: core::KeyRequest,
}

#[pymethods]
impl FetchRequest {
    /// The source: ``"auth"``, ``"plugin:<id>"`` or ``"external:<url>"``.
    #[getter]
    fn source(&self) -> String {
        self.inner.source.key()
    }
    /// Why: ``"not_loaded"``, ``"stale"`` or ``"unknown_key"``.
    #[getter]
    fn reason(&self) -> &'static str {
        self.inner.reason.as_str()
    }
    /// ``True`` when another fetch of this source is pending: wait for it, then step again.
    #[getter]
    fn in_flight(&self) -> bool {
        self.inner.in_flight
    }
    /// The plugin id to resolve with Backstage discovery (``"auth"`` or the plugin id);
    /// ``None`` for an external source.
    #[getter]
    fn plugin_id(&self) -> Option<&str> {
        self.inner.source.discovery().map(|(id, _)| id)
    }
    /// The JWKS URL: ``base_url`` (what discovery returns for :attr:`plugin_id`) plus the
    /// source's path, or the external URL (``base_url`` is then ignored).
    #[pyo3(signature = (base_url = None))]
    fn url(&self, base_url: Option<&Bound<'_, PyAny>>) -> BiResult<String> {
        let base = optional_text(base_url, "base_url")?;
        match (self.inner.source.discovery(), base) {
            (Some(_), None) => Err(invalid_argument(format!(
                "base_url is required for source {}",
                self.inner.source.key()
            ))),
            (_, base) => Ok(self.inner.source.url(base.as_deref().unwrap_or(""))),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "FetchRequest(source={:?}, reason={:?}, in_flight={})",
            self.inner.source.key(),
            self.inner.reason.as_str(),
            if self.inner.in_flight {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// Restrictions an external access entry puts on the receiving plugin.
#[pyclass(frozen, eq, module = "backstage_identity._native")]
#[derive(PartialEq)]
struct AccessRestrictions {
    inner: core::AccessRestrictions,
}

#[pymethods]
impl AccessRestrictions {
    /// ``permissionNames``, if restricted.
    #[getter]
    fn permission_names(&self) -> Option<Vec<String>> {
        self.inner.permission_names.clone()
    }
    /// ``permissionAttributes.action``, if restricted.
    #[getter]
    fn permission_attributes_action(&self) -> Option<Vec<String>> {
        self.inner.permission_attributes_action.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "AccessRestrictions(permission_names={:?}, permission_attributes_action={:?})",
            self.inner.permission_names, self.inner.permission_attributes_action
        )
    }
}

/// A user principal: ``{type: 'user', userEntityRef, actor?}``.
#[pyclass(frozen, eq, module = "backstage_identity._native")]
#[derive(PartialEq)]
struct UserPrincipal {
    user_entity_ref: String,
    actor: Option<String>,
}

#[pymethods]
impl UserPrincipal {
    /// Always ``"user"``.
    #[getter]
    fn r#type(&self) -> &'static str {
        "user"
    }
    /// The user's entity ref, e.g. ``"user:default/alice"``.
    #[getter]
    fn user_entity_ref(&self) -> &str {
        &self.user_entity_ref
    }
    /// For a plugin token on behalf of a user: the acting service's subject (``plugin:<id>``).
    #[getter]
    fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }
    /// Backstage's JSON shape of the principal.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = Principal::User {
            user_entity_ref: self.user_entity_ref.clone(),
            actor: self.actor.clone(),
        };
        json_value(py, &p.to_json())
    }
    fn __repr__(&self) -> String {
        format!(
            "UserPrincipal(user_entity_ref={:?}, actor={:?})",
            self.user_entity_ref, self.actor
        )
    }
}

/// A service principal: ``{type: 'service', subject, accessRestrictions?}``.
#[pyclass(frozen, eq, module = "backstage_identity._native")]
#[derive(PartialEq)]
struct ServicePrincipal {
    subject: String,
    access_restrictions: Option<core::AccessRestrictions>,
}

#[pymethods]
impl ServicePrincipal {
    /// Always ``"service"``.
    #[getter]
    fn r#type(&self) -> &'static str {
        "service"
    }
    /// ``plugin:<id>``, ``external:...`` or a configured subject.
    #[getter]
    fn subject(&self) -> &str {
        &self.subject
    }
    /// The external access entry's restrictions for the receiving plugin, if any.
    #[getter]
    fn access_restrictions(&self) -> Option<AccessRestrictions> {
        self.access_restrictions
            .clone()
            .map(|inner| AccessRestrictions { inner })
    }
    /// Backstage's JSON shape of the principal.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = Principal::Service {
            subject: self.subject.clone(),
            access_restrictions: self.access_restrictions.clone(),
        };
        json_value(py, &p.to_json())
    }
    fn __repr__(&self) -> String {
        format!("ServicePrincipal(subject={:?})", self.subject)
    }
}

/// An authenticated request's credentials.
#[pyclass(frozen, module = "backstage_identity._native")]
struct Credentials {
    inner: core::Credentials,
    principal: Py<PyAny>,
}

impl Credentials {
    fn new(py: Python<'_>, inner: core::Credentials) -> PyResult<Credentials> {
        let principal = match &inner.principal {
            Principal::User {
                user_entity_ref,
                actor,
            } => Py::new(
                py,
                UserPrincipal {
                    user_entity_ref: user_entity_ref.clone(),
                    actor: actor.clone(),
                },
            )?
            .into_any(),
            Principal::Service {
                subject,
                access_restrictions,
            } => Py::new(
                py,
                ServicePrincipal {
                    subject: subject.clone(),
                    access_restrictions: access_restrictions.clone(),
                },
            )?
            .into_any(),
        };
        Ok(Credentials { inner, principal })
    }
}

#[pymethods]
impl Credentials {
    /// Who: a :class:`UserPrincipal` or a :class:`ServicePrincipal`.
    #[getter]
    fn principal(&self, py: Python<'_>) -> Py<PyAny> {
        self.principal.clone_ref(py)
    }
    /// When the credentials expire, as an aware UTC ``datetime`` (Backstage's ``expiresAt``);
    /// ``None`` for service principals.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .expires_at
            .map(|s| utc_datetime(py, s as f64))
            .transpose()
    }
    /// ``expires_at`` in Unix seconds.
    #[getter]
    fn expires_at_seconds(&self) -> Option<i64> {
        self.inner.expires_at
    }
    /// ``"user"``, ``"limited-user"``, ``"plugin"``, ``"plugin-obo"``, ``"legacy"``, ``"static"``
    /// or ``"external-jwks"``.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }
    /// The user token's ``ent`` claim when it is a list of strings, else empty.
    #[getter]
    fn ownership_entity_refs(&self) -> Vec<String> {
        self.inner.ownership_entity_refs.clone()
    }
    /// ``{"principal": .., "expiresAt": .., "kind": .., "ownershipEntityRefs": [..]}``.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.to_json())
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Credentials(kind={:?}, principal={})",
            self.inner.kind.as_str(),
            self.principal.bind(py).repr()?
        ))
    }
}

/// Backstage's ``DefaultAuthService.authenticate`` for one receiving plugin.
///
/// ``Authenticator(config)`` takes the core's configuration as a ``dict`` or JSON text:
/// ``{"pluginId": "catalog", "allowLimitedAccess": False, "algorithms": [...],
/// "backend": {"auth": {"externalAccess": [...], "keys": [...]}}}``.
///
/// >>> auth = Authenticator({"pluginId": "catalog"})
/// >>> ring = KeyRing()
/// >>> token = ("eyJ0eXAiOiJ2bmQuYmFja3N0YWdlLnVzZXIiLCJhbGciOiJFUzI1NiJ9"
/// ...          ".eyJzdWIiOiJ1c2VyOmRlZmF1bHQvYSJ9.c2ln")
/// >>> request = auth.step(token, key_ring=ring, now=1_700_000_000)
/// >>> request
/// FetchRequest(source="auth", reason="not_loaded", in_flight=False)
/// >>> request.url("http://backstage:7007/api/auth")
/// 'http://backstage:7007/api/auth/.well-known/jwks.json'
#[pyclass(frozen, module = "backstage_identity._native", name = "Authenticator")]
struct PyAuthenticator {
    inner: core::Authenticator,
}

/// What to authenticate: a bare token, or an `Authorization` header value (maybe absent).
enum Input<'a> {
    Token(std::borrow::Cow<'a, str>),
    Header(Option<std::borrow::Cow<'a, str>>),
}

/// The most rounds of the refresh protocol (the core settles in fewer).
const MAX_ROUNDS: usize = 5;

impl PyAuthenticator {
    fn limited(&self, allow_limited_access: Option<bool>) -> bool {
        allow_limited_access.unwrap_or_else(|| self.inner.config().allow_limited_access())
    }

    fn one_step(
        &self,
        py: Python<'_>,
        ring: &core::KeyRing,
        input: &Input<'_>,
        limited: bool,
        now: u64,
    ) -> BiResult<Outcome> {
        let auth = &self.inner;
        Ok(py.detach(|| match input {
            Input::Token(token) => auth.authenticate(ring, token, limited, now),
            Input::Header(header) => {
                auth.authenticate_header(ring, header.as_deref(), limited, now)
            }
        })?)
    }

    fn step_object(
        &self,
        py: Python<'_>,
        ring: &core::KeyRing,
        input: Input<'_>,
        limited: Option<bool>,
        now: u64,
    ) -> BiResult<Py<PyAny>> {
        match self.one_step(py, ring, &input, self.limited(limited), now)? {
            Outcome::Authenticated(c) => Ok(Py::new(py, Credentials::new(py, c)?)?.into_any()),
            Outcome::FetchKeys(request) => {
                Ok(Py::new(py, FetchRequest { inner: request })?.into_any())
            }
        }
    }

    /// The refresh protocol: step; on a fetch request call `fetcher(request, key_ring, now)`
    /// (or, without a fetcher, report the fetch as failed) and step again.
    fn drive(
        &self,
        py: Python<'_>,
        ring: &Bound<'_, PyKeyRing>,
        fetcher: Option<&Bound<'_, PyAny>>,
        input: Input<'_>,
        limited: Option<bool>,
        now: u64,
    ) -> BiResult<Credentials> {
        let limited = self.limited(limited);
        let core_ring = &ring.get().inner;
        let mut last = None;
        for _ in 0..MAX_ROUNDS {
            let request = match self.one_step(py, core_ring, &input, limited, now)? {
                Outcome::Authenticated(c) => return Ok(Credentials::new(py, c)?),
                Outcome::FetchKeys(request) => request,
            };
            match fetcher.filter(|f| !f.is_none()) {
                Some(fetcher) => {
                    let source = request.source.clone();
                    let args = (
                        Py::new(
                            py,
                            FetchRequest {
                                inner: request.clone(),
                            },
                        )?,
                        ring,
                        now,
                    );
                    if let Err(e) = fetcher.call1(args) {
                        // Never leave a granted fetch pending because the fetcher broke.
                        if !request.in_flight {
                            core_ring.fetch_failed(&source, now);
                        }
                        return Err(BiError::Py(e));
                    }
                }
                // Nothing can fetch: report the granted fetch as failed and let the core decide
                // (stale keys keep serving; missing keys become ERR_KEYS_UNAVAILABLE).
                None if !request.in_flight => core_ring.fetch_failed(&request.source, now),
                // Another caller's fetch is pending and nothing here can wait for it.
                None => return Err(BiError::Core(request.unavailable())),
            }
            last = Some(request);
        }
        Err(BiError::Core(
            last.map(|r| r.unavailable())
                .unwrap_or(core::Error::Internal),
        ))
    }
}

#[pymethods]
impl PyAuthenticator {
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> BiResult<Self> {
        let bytes = document(config, "config", true)?;
        Ok(PyAuthenticator {
            inner: core::Authenticator::new(core::AuthConfig::from_json(&bytes)?),
        })
    }

    /// The receiving plugin's id.
    #[getter]
    fn plugin_id(&self) -> &str {
        self.inner.config().plugin_id()
    }

    /// The configured default for limited access (``allowLimitedAccess``).
    #[getter]
    fn allow_limited_access(&self) -> bool {
        self.inner.config().allow_limited_access()
    }

    /// One step of the refresh protocol: :class:`Credentials`, or a :class:`FetchRequest` to
    /// satisfy (fetch the JWKS, :meth:`KeyRing.load` or :meth:`KeyRing.fetch_failed`) before
    /// stepping again. Raises on a refused token. The GIL is released while the core works.
    #[pyo3(signature = (token, *, key_ring, allow_limited_access = None, now = None))]
    fn step(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        key_ring: &Bound<'_, PyKeyRing>,
        allow_limited_access: Option<bool>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<Py<PyAny>> {
        let input = Input::Token(text(token, "token")?);
        self.step_object(
            py,
            &key_ring.get().inner,
            input,
            allow_limited_access,
            convert::now(now)?,
        )
    }

    /// :meth:`step` for the value of an ``Authorization`` header (``None`` when absent).
    #[pyo3(signature = (authorization, *, key_ring, allow_limited_access = None, now = None))]
    fn step_header(
        &self,
        py: Python<'_>,
        authorization: Option<&Bound<'_, PyAny>>,
        key_ring: &Bound<'_, PyKeyRing>,
        allow_limited_access: Option<bool>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<Py<PyAny>> {
        let input = Input::Header(optional_text(authorization, "authorization")?);
        self.step_object(
            py,
            &key_ring.get().inner,
            input,
            allow_limited_access,
            convert::now(now)?,
        )
    }

    /// Authenticates ``token`` and returns :class:`Credentials`, or raises.
    ///
    /// When the core asks for keys, ``fetcher(request, key_ring, now)`` is called (for example a
    /// :class:`backstage_identity.JwksFetcher`) and the token is tried again, at most 5 rounds.
    /// Without a fetcher only keys already in ``key_ring`` are used. ``allow_limited_access``
    /// defaults to the configuration's ``allowLimitedAccess``; ``now`` to the current time.
    #[pyo3(signature = (token, *, key_ring, fetcher = None, allow_limited_access = None, now = None))]
    fn authenticate(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        key_ring: &Bound<'_, PyKeyRing>,
        fetcher: Option<&Bound<'_, PyAny>>,
        allow_limited_access: Option<bool>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<Credentials> {
        let input = Input::Token(text(token, "token")?);
        self.drive(
            py,
            key_ring,
            fetcher,
            input,
            allow_limited_access,
            convert::now(now)?,
        )
    }

    /// :meth:`authenticate` for the value of an ``Authorization`` header (``None`` when absent).
    #[pyo3(signature = (authorization, *, key_ring, fetcher = None, allow_limited_access = None, now = None))]
    fn authenticate_header(
        &self,
        py: Python<'_>,
        authorization: Option<&Bound<'_, PyAny>>,
        key_ring: &Bound<'_, PyKeyRing>,
        fetcher: Option<&Bound<'_, PyAny>>,
        allow_limited_access: Option<bool>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> BiResult<Credentials> {
        let input = Input::Header(optional_text(authorization, "authorization")?);
        self.drive(
            py,
            key_ring,
            fetcher,
            input,
            allow_limited_access,
            convert::now(now)?,
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Authenticator(plugin_id={:?})",
            self.inner.config().plugin_id()
        )
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add(
        "BackstageIdentityError",
        py.get_type::<error::BackstageIdentityError>(),
    )?;
    m.add(
        "MalformedTokenError",
        py.get_type::<error::MalformedTokenError>(),
    )?;
    m.add(
        "KeySelectionError",
        py.get_type::<error::KeySelectionError>(),
    )?;
    m.add("SignatureError", py.get_type::<error::SignatureError>())?;
    m.add("ClaimsError", py.get_type::<error::ClaimsError>())?;
    m.add(
        "AuthenticationError",
        py.get_type::<error::AuthenticationError>(),
    )?;
    m.add("NotAllowedError", py.get_type::<error::NotAllowedError>())?;
    m.add("ConfigError", py.get_type::<error::ConfigError>())?;
    m.add_class::<PyKeySet>()?;
    m.add_class::<SkippedKey>()?;
    m.add_class::<LoadReport>()?;
    m.add_class::<PyVerifyOptions>()?;
    m.add_class::<VerifiedToken>()?;
    m.add_class::<PyKeyRing>()?;
    m.add_class::<FetchRequest>()?;
    m.add_class::<AccessRestrictions>()?;
    m.add_class::<UserPrincipal>()?;
    m.add_class::<ServicePrincipal>()?;
    m.add_class::<Credentials>()?;
    m.add_class::<PyAuthenticator>()?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(get_bearer_token, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add("MAX_JWKS_BYTES", core::MAX_JWKS_BYTES)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
