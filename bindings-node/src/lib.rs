//! Node binding of the `backstage-identity` core (npm package `backstage-identity`).
//!
//! This crate converts types and nothing else: every rule, default, message and code comes from
//! the core. Each export checks its JavaScript arguments (a wrong type is a JS `Error` with code
//! `ERR_INVALID_ARGUMENT`), runs the core inside `catch_unwind` (a panic becomes `ERR_INTERNAL`,
//! never a crash), and turns a core [`bi::Error`] into a JS `Error` whose `code`, `message`,
//! `family` and `status` are the core's.
//!
//! The IO the core asks for (fetching JWKS documents) lives in the package's `index.js`.
#![deny(clippy::all)]
// `unsafe` is used only to read a class instance after an `instanceof` check (see `key_ring_arg`
// and `key_set_arg`), to clear an exception thrown by caller code we ran (a getter, a proxy
// trap, `toJSON`), which is replaced by `ERR_INVALID_ARGUMENT` (`clear_pending_exception`), and
// for the raw napi calls of the hot path: reading a string argument into a stack buffer
// (`string_arg`) and calling the result assemblers (`assemble`, `raw`).
#![deny(unsafe_op_in_unsafe_fn)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use backstage_identity as bi;
use napi::bindgen_prelude::{ClassInstance, FromNapiValue};
use napi::{
    Env, JsBuffer, JsFunction, JsObject, JsString, JsUnknown, NapiRaw, NapiValue, Status, ValueType,
};
use napi_derive::napi;

// ---------------------------------------------------------------------------------------------
// Errors

/// The JS `name` of an error of `family`: `MalformedError`, `KeyError`, `SignatureError`,
/// `ClaimsError`, `AuthenticationError`, `NotAllowedError` or `ConfigError`.
/// `AuthenticationError` and `NotAllowedError` are the names `@backstage/errors` uses for its
/// 401 and 403 answers.
fn family_name(family: bi::ErrorFamily) -> &'static str {
    match family {
        bi::ErrorFamily::Malformed => "MalformedError",
        bi::ErrorFamily::Key => "KeyError",
        bi::ErrorFamily::Signature => "SignatureError",
        bi::ErrorFamily::Claims => "ClaimsError",
        bi::ErrorFamily::Authentication => "AuthenticationError",
        bi::ErrorFamily::NotAllowed => "NotAllowedError",
        bi::ErrorFamily::Config => "ConfigError",
    }
}

fn build_js_error(env: &Env, e: &bi::Error) -> napi::Result<napi::Error> {
    let code = e.code();
    // Created here, so its stack is the caller's; its properties are set by an assembler.
    let obj = env.create_error(napi::Error::new(Status::GenericFailure, e.to_string()))?;
    let obj = assemble(
        env,
        Assembler::ErrorProperties,
        &[
            raw(obj),
            raw(env.create_string(code.as_str())?),
            raw(env.create_string(family_name(e.family()))?),
            raw(env.create_string(e.family().as_str())?),
            raw(env.create_uint32(u32::from(e.http_status()))?),
            raw(env.create_uint32(code.number())?),
        ],
    )?;
    // SAFETY: the assembler returns the error it was given.
    let obj = unsafe { JsUnknown::from_raw_unchecked(env.raw(), obj) };
    Ok(napi::Error::from(obj))
}

/// The JS error for a core error (falls back to a plain napi error if building it fails).
fn js_error(env: &Env, e: &bi::Error) -> napi::Error {
    build_js_error(env, e).unwrap_or_else(|err| err)
}

fn invalid(env: &Env, reason: impl Into<String>) -> napi::Error {
    js_error(
        env,
        &bi::Error::InvalidArgument {
            reason: reason.into(),
        },
    )
}

/// Runs `f`, turning a panic into `ERR_INTERNAL`.
fn guard<T>(env: &Env, f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(js_error(env, &bi::Error::Internal)),
    }
}

trait CoreResult<T> {
    fn js(self, env: &Env) -> napi::Result<T>;
}

impl<T> CoreResult<T> for Result<T, bi::Error> {
    fn js(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| js_error(env, &e))
    }
}

// ---------------------------------------------------------------------------------------------
// Argument conversion

fn is_absent(v: &JsUnknown) -> napi::Result<bool> {
    Ok(matches!(
        v.get_type()?,
        ValueType::Undefined | ValueType::Null
    ))
}

fn string_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<String> {
    if v.get_type()? != ValueType::String {
        return Err(invalid(env, format!("{what} must be a string")));
    }
    // A token is a few hundred bytes: read it in one call into a stack buffer, instead of
    // measuring it first and copying it into a new allocation.
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    let mut len = 0usize;
    // SAFETY: `v` is a string of this env (checked above); `buf` has room for `buf.len()` bytes,
    // the NUL included, and `len` is a valid out-pointer.
    check(unsafe {
        napi::sys::napi_get_value_string_utf8(
            env.raw(),
            v.raw(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
        )
    })?;
    // V8 writes whole characters (at most 4 bytes each) and keeps one byte for the NUL, so a
    // string that stops this far from the end was read in full.
    if len + 4 < buf.len() {
        // SAFETY: napi wrote the first `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) };
        return std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| js_error(env, &bi::Error::Internal));
    }
    // The type was checked above; `cast` only reinterprets the handle.
    let s: JsString = unsafe { v.cast() };
    s.into_utf8()?.into_owned()
}

/// A string (UTF-8 encoded) or a `Buffer`/`Uint8Array` (taken as bytes).
fn bytes_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<Vec<u8>> {
    match v.get_type()? {
        ValueType::String => Ok(string_arg(env, v, what)?.into_bytes()),
        ValueType::Object if v.is_buffer()? => {
            let b: JsBuffer = unsafe { v.cast() };
            Ok(b.into_value()?.to_vec())
        }
        _ => Err(invalid(env, format!("{what} must be a string or a Buffer"))),
    }
}

fn bool_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<bool> {
    if v.get_type()? != ValueType::Boolean {
        return Err(invalid(env, format!("{what} must be a boolean")));
    }
    v.coerce_to_bool()?.get_value()
}

/// A non-negative integer (a JS number with no fraction, at most 2^53).
fn integer_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<u64> {
    if v.get_type()? != ValueType::Number {
        return Err(invalid(env, format!("{what} must be a number")));
    }
    let n = v.coerce_to_number()?.get_double()?;
    if !(0.0..=MAX_SAFE_INTEGER).contains(&n) || n.fract() != 0.0 {
        return Err(invalid(
            env,
            format!("{what} must be a non-negative integer"),
        ));
    }
    Ok(n as u64)
}

/// 2^53: the largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Unix seconds: a non-negative finite number, floored. Absent means the current time.
fn now_arg(env: &Env, v: Option<JsUnknown>) -> napi::Result<u64> {
    match v {
        Some(v) if !is_absent(&v)? => {
            if v.get_type()? != ValueType::Number {
                return Err(invalid(
                    env,
                    "now must be a number (seconds since the Unix epoch)",
                ));
            }
            let n = v.coerce_to_number()?.get_double()?;
            if !(0.0..=MAX_SAFE_INTEGER).contains(&n) {
                return Err(invalid(
                    env,
                    "now must be a non-negative finite number of seconds",
                ));
            }
            Ok(n.floor() as u64)
        }
        _ => Ok(current_time()),
    }
}

fn current_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn object_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<JsObject> {
    if v.get_type()? != ValueType::Object {
        return Err(invalid(env, format!("{what} must be an object")));
    }
    v.coerce_to_object()
}

/// Clears an exception left pending by caller code we ran (a getter or a proxy trap), so that
/// our own error can be thrown in its place.
fn clear_pending_exception(env: &Env) {
    let mut pending = false;
    // SAFETY: `env` is the env of the current call; both out-pointers are valid locals, and the
    // cleared exception value is left to the garbage collector.
    unsafe {
        napi::sys::napi_is_exception_pending(env.raw(), &mut pending);
        if pending {
            let mut exception = std::ptr::null_mut();
            napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut exception);
        }
    }
}

/// An optional member of an options object (`undefined` and `null` count as absent).
fn member(env: &Env, obj: &JsObject, name: &str) -> napi::Result<Option<JsUnknown>> {
    let v: JsUnknown = obj.get_named_property(name).map_err(|_| {
        clear_pending_exception(env);
        invalid(env, format!("reading \"{name}\" threw"))
    })?;
    Ok(if is_absent(&v)? { None } else { Some(v) })
}

/// A JSON document given as a string, a Buffer, or an object (serialized with the engine's own
/// `JSON.stringify`, which refuses cycles, `BigInt`s and runaway nesting with an exception).
fn json_arg(env: &Env, v: JsUnknown, what: &str) -> napi::Result<Vec<u8>> {
    match v.get_type()? {
        ValueType::String => Ok(string_arg(env, v, what)?.into_bytes()),
        ValueType::Object if v.is_buffer()? => bytes_arg(env, v, what),
        ValueType::Object => {
            let json: JsObject = env.get_global()?.get_named_property("JSON")?;
            let stringify: JsFunction = json.get_named_property("stringify")?;
            let text = stringify.call(Some(&json), &[v]).map_err(|_| {
                clear_pending_exception(env);
                invalid(env, format!("{what} cannot be serialized as JSON"))
            })?;
            if text.get_type()? != ValueType::String {
                return Err(invalid(env, format!("{what} cannot be serialized as JSON")));
            }
            Ok(string_arg(env, text, what)?.into_bytes())
        }
        _ => Err(invalid(
            env,
            format!("{what} must be an object, a JSON string or a Buffer"),
        )),
    }
}

fn source_arg(env: &Env, v: JsUnknown) -> napi::Result<bi::Source> {
    let text = string_arg(env, v, "source")?;
    bi::Source::parse(&text).ok_or_else(|| {
        invalid(
            env,
            "source must be \"auth\", \"plugin:<id>\" or \"external:<url>\"",
        )
    })
}

/// A `KeyRing` instance, checked with `instanceof` before it is unwrapped.
fn key_ring_arg(env: &Env, v: JsUnknown) -> napi::Result<Arc<bi::KeyRing>> {
    if v.get_type()? != ValueType::Object || !KeyRing::instance_of(*env, &v)? {
        return Err(invalid(env, "keyRing must be a KeyRing"));
    }
    // SAFETY: `v` is an instance of the `KeyRing` class, so it wraps a `KeyRing`.
    let ring = unsafe { ClassInstance::<KeyRing>::from_napi_value(env.raw(), v.raw()) }?;
    Ok(ring.inner.clone())
}

/// A `KeySet` instance, or a JWKS document to parse with default options.
fn key_set_arg(env: &Env, v: JsUnknown) -> napi::Result<Arc<bi::KeySet>> {
    if v.get_type()? == ValueType::Object && KeySet::instance_of(*env, &v)? {
        // SAFETY: `v` is an instance of the `KeySet` class, so it wraps a `KeySet`.
        let set = unsafe { ClassInstance::<KeySet>::from_napi_value(env.raw(), v.raw()) }?;
        return Ok(set.inner.clone());
    }
    let document = bytes_arg(env, v, "jwks")
        .map_err(|_| invalid(env, "jwks must be a KeySet, a JWKS string or a Buffer"))?;
    bi::KeySet::from_jwks(&document, &bi::KeySetOptions::default())
        .map(Arc::new)
        .js(env)
}

fn verify_options_arg(env: &Env, v: Option<JsUnknown>) -> napi::Result<bi::VerifyOptions> {
    match v {
        Some(v) if !is_absent(&v)? => {
            let document = json_arg(env, v, "options")?;
            bi::VerifyOptions::from_json(&document).js(env)
        }
        _ => Ok(bi::VerifyOptions::default()),
    }
}

fn key_set_options_arg(env: &Env, v: Option<JsUnknown>) -> napi::Result<bi::KeySetOptions> {
    let mut options = bi::KeySetOptions::default();
    if let Some(v) = v {
        if !is_absent(&v)? {
            let obj = object_arg(env, v, "options")?;
            if let Some(allow) = member(env, &obj, "allowHmac")? {
                options.allow_hmac = bool_arg(env, allow, "options.allowHmac")?;
            }
        }
    }
    Ok(options)
}

// ---------------------------------------------------------------------------------------------
// Result conversion

/// One key of a JWKS document that was not loaded.
#[napi(object)]
pub struct SkippedKey {
    /// Its position in the document's `keys` array.
    pub index: u32,
    /// Its `kid`, if it had a string one.
    pub kid: Option<String>,
    /// The core's code (always `ERR_JWK_INVALID`).
    pub code: String,
    /// Why it was skipped.
    pub message: String,
}

fn skipped_keys(skipped: &[bi::SkippedKey]) -> Vec<SkippedKey> {
    skipped
        .iter()
        .map(|s| SkippedKey {
            index: u32::try_from(s.index).unwrap_or(u32::MAX),
            kid: s.kid.clone(),
            code: s.reason.code().as_str().to_owned(),
            message: s.reason.to_string(),
        })
        .collect()
}

/// What `KeyRing.load` did.
#[napi(object)]
pub struct LoadReport {
    /// How many keys are usable.
    pub keys: u32,
    /// The keys that were skipped, with reasons.
    pub skipped: Vec<SkippedKey>,
}

fn fetch_keys_js(env: &Env, request: &bi::KeyRequest) -> napi::Result<napi::sys::napi_value> {
    let undefined = raw(env.get_undefined()?);
    let (plugin_id, url) = match request.source.discovery() {
        Some((plugin_id, _)) => (raw(env.create_string(plugin_id)?), undefined),
        None => match request.source.external_url() {
            Some(url) => (undefined, raw(env.create_string(url)?)),
            None => (undefined, undefined),
        },
    };
    assemble(
        env,
        Assembler::FetchKeys,
        &[
            raw(env.create_string(&request.source.key())?),
            raw(env.create_string(request.reason.as_str())?),
            raw(env.get_boolean(request.in_flight)?),
            plugin_id,
            url,
        ],
    )
}

/// The JS functions that assemble result objects, compiled once per JS environment (each worker
/// thread has its own). A JS object literal gets its final shape at once, where setting each
/// property from native code takes V8's slow path (about 2,000 instructions a property: most of
/// what the binding added per token, see the README). They only assemble: every value comes
/// from the core. Their order is `Assembler`'s.
const ASSEMBLERS: &str = "(() => {\
    const setMembers = (object, members) => {\
        for (let i = 0; i < members.length; i += 2) {\
            if (members[i] === '__proto__') {\
                Object.defineProperty(object, '__proto__', {\
                    value: members[i + 1], enumerable: true, writable: true, configurable: true,\
                });\
            } else {\
                object[members[i]] = members[i + 1];\
            }\
        }\
        return object;\
    };\
    return [\
    function credentials(principal, expiresAt, kind, ownershipEntityRefs) {\
        return { ok: true, principal, expiresAt, kind, ownershipEntityRefs };\
    },\
    function userCredentials(userEntityRef, expiresAt, kind, ownershipEntityRefs) {\
        const principal = { type: 'user', userEntityRef };\
        return { ok: true, principal, expiresAt, kind, ownershipEntityRefs };\
    },\
    function verified(header, payload, algorithm) { return { header, payload, algorithm }; },\
    function errorProperties(error, code, name, family, status, number) {\
        error.code = code;\
        error.name = name;\
        error.family = family;\
        error.status = status;\
        error.number = number;\
        return error;\
    },\
    function object(...members) { return setMembers({}, members); },\
    function extend(object, ...members) { return setMembers(object, members); },\
    function fetchKeys(source, reason, inFlight, pluginId, url) {\
        const fetch = { source, reason, inFlight };\
        if (pluginId !== undefined) fetch.pluginId = pluginId;\
        if (url !== undefined) fetch.url = url;\
        return { ok: false, fetch };\
    },\
    function header(alg, kid, typ) {\
        const header = { alg };\
        if (kid !== undefined) header.kid = kid;\
        if (typ !== undefined) header.typ = typ;\
        return header;\
    },\
];\
})()";

/// One of the `ASSEMBLERS`.
#[derive(Clone, Copy)]
enum Assembler {
    Credentials,
    UserCredentials,
    Verified,
    ErrorProperties,
    Object,
    Extend,
    FetchKeys,
    Header,
}

/// References to the `ASSEMBLERS` of one environment; they live as long as it.
struct Assemblers([napi::sys::napi_ref; 8]);

fn check(status: napi::sys::napi_status) -> napi::Result<()> {
    if status == napi::sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            "building the result failed",
        ))
    }
}

fn assemblers(env: &Env) -> napi::Result<&'static Assemblers> {
    if let Some(assemblers) = env.get_instance_data::<Assemblers>()? {
        return Ok(assemblers);
    }
    let functions: JsObject = env.run_script(ASSEMBLERS)?;
    let mut refs = [std::ptr::null_mut(); 8];
    for (i, r) in refs.iter_mut().enumerate() {
        let f: JsFunction = functions.get_element(i as u32)?;
        // SAFETY: `f` is a live function of this env; `r` is a valid out-pointer.
        check(unsafe { napi::sys::napi_create_reference(env.raw(), f.raw(), 1, r) })?;
    }
    let assemblers = Assemblers(refs);
    env.set_instance_data(assemblers, (), |_| {})?;
    env.get_instance_data::<Assemblers>()?
        .map(|a| &*a)
        .ok_or_else(|| js_error(env, &bi::Error::Internal))
}

/// Calls `assembler` with `args`.
fn assemble(
    env: &Env,
    assembler: Assembler,
    args: &[napi::sys::napi_value],
) -> napi::Result<napi::sys::napi_value> {
    let function = assemblers(env)?.0[assembler as usize];
    let mut f = std::ptr::null_mut();
    let mut undefined = std::ptr::null_mut();
    let mut result = std::ptr::null_mut();
    // SAFETY: `function` is a reference of this env that is never deleted, `args` are live values
    // of this env, and every out-pointer is a valid local.
    unsafe {
        check(napi::sys::napi_get_reference_value(
            env.raw(),
            function,
            &mut f,
        ))?;
        check(napi::sys::napi_get_undefined(env.raw(), &mut undefined))?;
        check(napi::sys::napi_call_function(
            env.raw(),
            undefined,
            f,
            args.len(),
            args.as_ptr(),
            &mut result,
        ))?;
    }
    Ok(result)
}

/// The handle of a JS value (only passed on to napi calls of the same env).
fn raw(value: impl NapiRaw) -> napi::sys::napi_value {
    // SAFETY: this only reads the handle, which stays valid for the current call.
    unsafe { value.raw() }
}

/// The most members `json_js` passes to one assembler call (every member is an argument).
const MAX_ASSEMBLED_MEMBERS: usize = 64;

/// A JSON value as napi's serde conversion makes scalars (integers above `u32::MAX` become a
/// `BigInt`, as before); objects are assembled in calls of at most `MAX_ASSEMBLED_MEMBERS`
/// members, set in order, a `__proto__` member as an own property (as `JSON.parse` makes it,
/// never the object's prototype); arrays element by element.
fn json_js(env: &Env, value: &serde_json::Value) -> napi::Result<napi::sys::napi_value> {
    match value {
        serde_json::Value::Object(members) => {
            let members: Vec<_> = members.iter().collect();
            let mut object = None;
            for chunk in members.chunks(MAX_ASSEMBLED_MEMBERS) {
                let mut args = Vec::with_capacity(1 + chunk.len() * 2);
                args.extend(object);
                for (key, member) in chunk {
                    args.push(raw(env.create_string(key)?));
                    args.push(json_js(env, member)?);
                }
                let assembler = match object {
                    None => Assembler::Object,
                    Some(_) => Assembler::Extend,
                };
                object = Some(assemble(env, assembler, &args)?);
            }
            match object {
                Some(object) => Ok(object),
                None => assemble(env, Assembler::Object, &[]),
            }
        }
        serde_json::Value::Array(items) => {
            let mut array = env.create_array_with_length(items.len())?;
            for (i, item) in items.iter().enumerate() {
                let item = json_js(env, item)?;
                // SAFETY: `item` is a live value of this env, just made.
                array.set_element(i as u32, unsafe {
                    JsUnknown::from_raw_unchecked(env.raw(), item)
                })?;
            }
            Ok(raw(array))
        }
        scalar => Ok(raw(env.to_js_value(scalar)?)),
    }
}

fn outcome_js(env: &Env, outcome: bi::Outcome) -> napi::Result<JsObject> {
    match outcome {
        bi::Outcome::Authenticated(credentials) => {
            let expires_at = match credentials.expires_at {
                Some(seconds) => raw(env.create_double(seconds as f64)?),
                None => raw(env.get_null()?),
            };
            let kind = raw(env.create_string(credentials.kind.as_str())?);
            let refs = raw(env.to_js_value(&credentials.ownership_entity_refs)?);
            let obj = match &credentials.principal {
                // The core's `Principal::to_json` shape, `{ type: 'user', userEntityRef }`,
                // assembled in the same call (the common case: a user token).
                bi::Principal::User {
                    user_entity_ref,
                    actor: None,
                } => assemble(
                    env,
                    Assembler::UserCredentials,
                    &[
                        raw(env.create_string(user_entity_ref)?),
                        expires_at,
                        kind,
                        refs,
                    ],
                )?,
                other => {
                    let principal = json_js(env, &other.to_json())?;
                    assemble(
                        env,
                        Assembler::Credentials,
                        &[principal, expires_at, kind, refs],
                    )?
                }
            };
            // SAFETY: the assembler returns an object literal.
            Ok(unsafe { JsObject::from_raw_unchecked(env.raw(), obj) })
        }
        bi::Outcome::FetchKeys(request) => {
            let obj = fetch_keys_js(env, &request)?;
            // SAFETY: the assembler returns an object literal.
            Ok(unsafe { JsObject::from_raw_unchecked(env.raw(), obj) })
        }
    }
}

fn verified_js(env: &Env, verified: &bi::Verified) -> napi::Result<JsObject> {
    let header = verified.header();
    let optional = |v: &Option<String>| match v {
        Some(s) => env.create_string(s).map(raw),
        None => env.get_undefined().map(raw),
    };
    let h = assemble(
        env,
        Assembler::Header,
        &[
            raw(env.create_string(&header.alg)?),
            optional(&header.kid)?,
            optional(&header.typ)?,
        ],
    )?;
    let payload: serde_json::Value = serde_json::from_str(verified.claims().json())
        .map_err(|_| js_error(env, &bi::Error::Internal))?;
    let obj = assemble(
        env,
        Assembler::Verified,
        &[
            h,
            json_js(env, &payload)?,
            raw(env.create_string(verified.algorithm().name())?),
        ],
    )?;
    // SAFETY: the assembler returns an object literal.
    Ok(unsafe { JsObject::from_raw_unchecked(env.raw(), obj) })
}

// ---------------------------------------------------------------------------------------------
// Exports

/// The refresh policy of a `KeyRing`. Every member is optional; the defaults are Backstage's.
#[napi(object)]
pub struct RefreshPolicy {
    /// Seconds after which a loaded document is stale. Default 600.
    pub max_age: Option<f64>,
    /// Seconds after a load, failure or granted fetch during which no fetch is granted. Default 30.
    pub cooldown: Option<f64>,
    /// Forced reloads (unknown `kid`) allowed per window. Default 10.
    pub forced_reload_limit: Option<f64>,
    /// The window for forced reloads, in seconds. Default 60.
    pub forced_reload_window: Option<f64>,
    /// The most plugin sources tracked at once (one that never loaded is evicted first; the auth
    /// and external sources are never refused). Default 100.
    pub max_sources: Option<f64>,
    /// Fetches of never-loaded plugin sources allowed per `forcedReloadWindow`, across all
    /// plugins. Default 10.
    pub new_plugin_source_limit: Option<f64>,
}

/// One JWKS key set per source (`"auth"`, `"plugin:<id>"`, `"external:<url>"`) and the refresh
/// policy that tells callers when to fetch. Share one ring between authenticators.
///
/// ```js
/// const { KeyRing } = require('backstage-identity');
/// const ring = new KeyRing();
/// ring.load('auth', jwksJsonText); // => { keys: 1, skipped: [] }
/// ring.sources(); // => ['auth']
/// ```
#[napi]
pub struct KeyRing {
    inner: Arc<bi::KeyRing>,
}

#[napi]
impl KeyRing {
    /// An empty ring with Backstage's refresh policy, or with `policy` (members not given keep
    /// their defaults).
    #[napi(constructor, ts_args_type = "policy?: RefreshPolicy")]
    pub fn new(env: Env, policy: Option<JsUnknown>) -> napi::Result<KeyRing> {
        guard(&env, || {
            let mut p = bi::RefreshPolicy::default();
            if let Some(v) = policy {
                if !is_absent(&v)? {
                    let obj = object_arg(&env, v, "policy")?;
                    if let Some(v) = member(&env, &obj, "maxAge")? {
                        p.max_age = integer_arg(&env, v, "policy.maxAge")?;
                    }
                    if let Some(v) = member(&env, &obj, "cooldown")? {
                        p.cooldown = integer_arg(&env, v, "policy.cooldown")?;
                    }
                    if let Some(v) = member(&env, &obj, "forcedReloadLimit")? {
                        p.forced_reload_limit =
                            integer_arg(&env, v, "policy.forcedReloadLimit")? as usize;
                    }
                    if let Some(v) = member(&env, &obj, "forcedReloadWindow")? {
                        p.forced_reload_window = integer_arg(&env, v, "policy.forcedReloadWindow")?;
                    }
                    if let Some(v) = member(&env, &obj, "maxSources")? {
                        p.max_sources = integer_arg(&env, v, "policy.maxSources")? as usize;
                    }
                    if let Some(v) = member(&env, &obj, "newPluginSourceLimit")? {
                        p.new_plugin_source_limit =
                            integer_arg(&env, v, "policy.newPluginSourceLimit")? as usize;
                    }
                }
            }
            Ok(KeyRing {
                inner: Arc::new(bi::KeyRing::with_policy(p)),
            })
        })
    }

    /// Parses the JWKS document `jwks` (fetched at `now`, default: the current time) and makes
    /// it the key set of `source`. On error the previous key set stays and the attempt counts as
    /// a failed fetch.
    #[napi(ts_args_type = "source: string, jwks: string | Buffer, now?: number")]
    pub fn load(
        &self,
        env: Env,
        source: JsUnknown,
        jwks: JsUnknown,
        now: Option<JsUnknown>,
    ) -> napi::Result<LoadReport> {
        guard(&env, || {
            let source = source_arg(&env, source)?;
            let document = bytes_arg(&env, jwks, "jwks")?;
            let now = now_arg(&env, now)?;
            let report = self.inner.load(&source, &document, now).js(&env)?;
            Ok(LoadReport {
                keys: u32::try_from(report.keys).unwrap_or(u32::MAX),
                skipped: skipped_keys(&report.skipped),
            })
        })
    }

    /// Records that fetching `source` failed at `now` (network error, non-200, timeout).
    #[napi(ts_args_type = "source: string, now?: number")]
    pub fn fetch_failed(
        &self,
        env: Env,
        source: JsUnknown,
        now: Option<JsUnknown>,
    ) -> napi::Result<()> {
        guard(&env, || {
            let source = source_arg(&env, source)?;
            let now = now_arg(&env, now)?;
            self.inner.fetch_failed(&source, now);
            Ok(())
        })
    }

    /// The sources the ring knows, loaded or not, sorted.
    #[napi]
    pub fn sources(&self, env: Env) -> napi::Result<Vec<String>> {
        guard(&env, || {
            Ok(self.inner.sources().iter().map(bi::Source::key).collect())
        })
    }

    /// When `source` was last loaded (Unix seconds), or `null` if never.
    #[napi(ts_args_type = "source: string")]
    pub fn loaded_at(&self, env: Env, source: JsUnknown) -> napi::Result<Option<f64>> {
        guard(&env, || {
            let source = source_arg(&env, source)?;
            Ok(self.inner.loaded_at(&source).map(|t| t as f64))
        })
    }

    /// How many keys `source` has loaded (0 if none).
    #[napi(ts_args_type = "source: string")]
    pub fn key_count(&self, env: Env, source: JsUnknown) -> napi::Result<u32> {
        guard(&env, || {
            let source = source_arg(&env, source)?;
            Ok(self
                .inner
                .keys(&source)
                .map_or(0, |k| u32::try_from(k.len()).unwrap_or(u32::MAX)))
        })
    }

    /// Forgets `source` entirely.
    #[napi(ts_args_type = "source: string")]
    pub fn remove(&self, env: Env, source: JsUnknown) -> napi::Result<()> {
        guard(&env, || {
            let source = source_arg(&env, source)?;
            self.inner.remove(&source);
            Ok(())
        })
    }
}

/// Options of `Authenticator.authenticateSync`.
#[napi(object)]
pub struct AuthenticateOptions {
    /// Accept limited user tokens (Backstage's cookie auth). Default: the config's
    /// `allowLimitedAccess`, itself `false` by default.
    pub allow_limited_access: Option<bool>,
    /// The time to judge the token at, in Unix seconds. Default: the current time.
    pub now: Option<f64>,
}

/// Backstage's `DefaultAuthService.authenticate` for one receiving plugin, over a `KeyRing`.
/// Synchronous and sans-IO: when keys are needed it answers `{ ok: false, fetch }` and the caller
/// fetches, loads and calls again (the package's `authenticate()` does this for you).
///
/// ```js
/// const { Authenticator } = require('backstage-identity');
/// const auth = new Authenticator({ pluginId: 'catalog' });
/// const first = auth.authenticateSync(token);
/// // => { ok: false, fetch: { source: 'auth', reason: 'not_loaded', inFlight: false, pluginId: 'auth' } }
/// auth.keyRing.load('auth', jwksText);
/// auth.authenticateSync(token);
/// // => { ok: true, principal: { type: 'user', userEntityRef: 'user:default/alice' }, expiresAt: 1796317579, ... }
/// ```
#[napi]
pub struct Authenticator {
    inner: Arc<bi::Authenticator>,
    ring: Arc<bi::KeyRing>,
}

fn auth_options(
    env: &Env,
    auth: &bi::Authenticator,
    options: Option<JsUnknown>,
) -> napi::Result<(bool, u64)> {
    let mut allow = auth.config().allow_limited_access();
    let mut now = None;
    if let Some(v) = options {
        if !is_absent(&v)? {
            let obj = object_arg(env, v, "options")?;
            if let Some(v) = member(env, &obj, "allowLimitedAccess")? {
                allow = bool_arg(env, v, "options.allowLimitedAccess")?;
            }
            now = member(env, &obj, "now")?;
        }
    }
    Ok((allow, now_arg(env, now)?))
}

#[napi]
impl Authenticator {
    /// An authenticator for `config` (Backstage's `backend.auth` shape plus `pluginId`, as an
    /// object or a JSON string; see the README), using `keyRing` (default: a new ring).
    #[napi(
        constructor,
        ts_args_type = "config: AuthConfig | string, keyRing?: KeyRing"
    )]
    pub fn new(
        env: Env,
        config: JsUnknown,
        key_ring: Option<JsUnknown>,
    ) -> napi::Result<Authenticator> {
        guard(&env, || {
            let document = json_arg(&env, config, "config")?;
            let config = bi::AuthConfig::from_json(&document).js(&env)?;
            let ring = match key_ring {
                Some(v) if !is_absent(&v)? => key_ring_arg(&env, v)?,
                _ => Arc::new(bi::KeyRing::new()),
            };
            Ok(Authenticator {
                inner: Arc::new(bi::Authenticator::new(config)),
                ring,
            })
        })
    }

    /// The ring this authenticator reads keys from (a new handle to the same ring on each read).
    #[napi(getter, catch_unwind)]
    pub fn key_ring(&self) -> KeyRing {
        KeyRing {
            inner: self.ring.clone(),
        }
    }

    /// The receiving plugin's id.
    #[napi(getter, catch_unwind)]
    pub fn plugin_id(&self) -> String {
        self.inner.config().plugin_id().to_owned()
    }

    /// Authenticates `token` now (or at `options.now`). Throws the core's error, or returns
    /// credentials (`ok: true`) or the JWKS fetch to do first (`ok: false`).
    #[napi(
        ts_args_type = "token: string, options?: AuthenticateOptions",
        ts_return_type = "AuthenticatedResult | FetchKeysResult"
    )]
    pub fn authenticate_sync(
        &self,
        env: Env,
        token: JsUnknown,
        options: Option<JsUnknown>,
    ) -> napi::Result<JsObject> {
        guard(&env, || {
            let token = string_arg(&env, token, "token")?;
            let (allow, now) = auth_options(&env, &self.inner, options)?;
            let outcome = self
                .inner
                .authenticate(&self.ring, &token, allow, now)
                .js(&env)?;
            outcome_js(&env, outcome)
        })
    }

    /// Like `authenticateSync` for the value of an `Authorization` header (`undefined` or `null`
    /// when the request has none), parsed with Backstage's exact `Bearer` rule.
    #[napi(
        ts_args_type = "authorization: string | null | undefined, options?: AuthenticateOptions",
        ts_return_type = "AuthenticatedResult | FetchKeysResult"
    )]
    pub fn authenticate_header_sync(
        &self,
        env: Env,
        authorization: Option<JsUnknown>,
        options: Option<JsUnknown>,
    ) -> napi::Result<JsObject> {
        guard(&env, || {
            let header = match authorization {
                Some(v) if !is_absent(&v)? => Some(string_arg(&env, v, "authorization")?),
                _ => None,
            };
            let (allow, now) = auth_options(&env, &self.inner, options)?;
            let outcome = self
                .inner
                .authenticate_header(&self.ring, header.as_deref(), allow, now)
                .js(&env)?;
            outcome_js(&env, outcome)
        })
    }
}

/// Credentials of an accepted token (`ok: true`).
#[napi(object)]
pub struct AuthenticatedResult {
    /// Always `true`.
    #[napi(ts_type = "true")]
    pub ok: bool,
    /// Backstage's `BackstagePrincipal`.
    #[napi(ts_type = "BackstageUserPrincipal | BackstageServicePrincipal")]
    pub principal: serde_json::Value,
    /// The user token's `exp` (Unix seconds), `null` for service principals (as Backstage).
    pub expires_at: Option<f64>,
    /// `user`, `limited-user`, `plugin`, `plugin-obo`, `legacy`, `static` or `external-jwks`.
    pub kind: String,
    /// The user token's `ent` claim (old `IdentityClient` `ownershipEntityRefs`), else `[]`.
    pub ownership_entity_refs: Vec<String>,
}

/// The JWKS fetch the core asks for before it can answer.
#[napi(object)]
pub struct FetchRequest {
    /// `auth`, `plugin:<id>` or `external:<url>`.
    pub source: String,
    /// `not_loaded`, `stale` or `unknown_key`.
    pub reason: String,
    /// Another fetch of this source is pending: wait for it (or fetch yourself) and retry.
    pub in_flight: bool,
    /// For `auth` and `plugin:<id>`: the plugin id to resolve with discovery's `getBaseUrl`.
    pub plugin_id: Option<String>,
    /// For `external:<url>`: the URL to fetch.
    pub url: Option<String>,
}

/// The answer when keys must be fetched first (`ok: false`).
#[napi(object)]
pub struct FetchKeysResult {
    /// Always `false`.
    #[napi(ts_type = "false")]
    pub ok: bool,
    /// What to fetch.
    pub fetch: FetchRequest,
}

/// `{ type: 'user', userEntityRef, actor? }`.
#[napi(object)]
pub struct BackstageUserPrincipal {
    /// `'user'`.
    #[napi(ts_type = "'user'")]
    pub r#type: String,
    /// The user's entity ref, e.g. `user:default/alice`.
    pub user_entity_ref: String,
    /// For a plugin token on behalf of the user: the acting plugin.
    pub actor: Option<BackstageActor>,
}

/// The acting service of an on-behalf-of token.
#[napi(object)]
pub struct BackstageActor {
    /// `'service'`.
    #[napi(ts_type = "'service'")]
    pub r#type: String,
    /// `plugin:<id>`.
    pub subject: String,
}

/// `{ type: 'service', subject, accessRestrictions? }`.
#[napi(object)]
pub struct BackstageServicePrincipal {
    /// `'service'`.
    #[napi(ts_type = "'service'")]
    pub r#type: String,
    /// `plugin:<id>`, `external:<...>` or a configured subject.
    pub subject: String,
    /// The external access entry's restrictions for the receiving plugin.
    pub access_restrictions: Option<AccessRestrictions>,
}

/// Backstage's `BackstagePrincipalAccessRestrictions`.
#[napi(object)]
pub struct AccessRestrictions {
    /// The permissions the token may use.
    pub permission_names: Option<Vec<String>>,
    /// The permission attributes the token may use.
    #[napi(ts_type = "{ action?: Array<'create' | 'read' | 'update' | 'delete'> }")]
    pub permission_attributes: Option<serde_json::Value>,
}

/// The configuration of an `Authenticator`: Backstage's `backend.auth` config plus the receiving
/// plugin. Other members are ignored.
#[napi(object)]
pub struct AuthConfig {
    /// The receiving plugin's id (`^[a-z0-9_-]+$`, case-insensitive). Required.
    pub plugin_id: String,
    /// Default for `allowLimitedAccess`. Default `false`.
    pub allow_limited_access: Option<bool>,
    /// Algorithms accepted for user and plugin tokens. Default: every asymmetric one.
    pub algorithms: Option<Vec<String>>,
    /// `{ auth: { externalAccess?: [...], keys?: [{ secret }] } }`, as in Backstage's app-config.
    #[napi(
        ts_type = "{ auth?: { externalAccess?: Array<Record<string, unknown>>; keys?: Array<{ secret: string }> } }"
    )]
    pub backend: Option<serde_json::Value>,
}

/// An immutable set of verification keys parsed from a JWKS document.
///
/// ```js
/// const { KeySet } = require('backstage-identity');
/// const keys = new KeySet(jwksText);
/// keys.size; // => 1
/// ```
#[napi]
pub struct KeySet {
    inner: Arc<bi::KeySet>,
}

/// Options of `new KeySet`.
#[napi(object)]
pub struct KeySetOptions {
    /// Load `oct` (HMAC) keys. Default `false`.
    pub allow_hmac: Option<bool>,
}

#[napi]
impl KeySet {
    /// Parses a JWKS document strictly (unusable keys are skipped with a reason).
    #[napi(
        constructor,
        ts_args_type = "jwks: string | Buffer, options?: KeySetOptions"
    )]
    pub fn new(env: Env, jwks: JsUnknown, options: Option<JsUnknown>) -> napi::Result<KeySet> {
        guard(&env, || {
            let document = bytes_arg(&env, jwks, "jwks")?;
            let options = key_set_options_arg(&env, options)?;
            let set = bi::KeySet::from_jwks(&document, &options).js(&env)?;
            Ok(KeySet {
                inner: Arc::new(set),
            })
        })
    }

    /// How many keys are usable.
    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The keys that were skipped, with reasons.
    #[napi(getter, catch_unwind)]
    pub fn skipped(&self) -> Vec<SkippedKey> {
        skipped_keys(self.inner.skipped())
    }
}

/// The options of generic verification, in the core's JSON shape (snake_case members, all
/// optional, unknown members refused).
#[napi(object)]
pub struct VerifyOptions {
    /// Allowed algorithms. Default: every asymmetric algorithm; HMAC only when listed.
    pub algorithms: Option<Vec<String>>,
    /// Accepted `iss` values. Default: not checked.
    pub issuers: Option<Vec<String>>,
    /// Accepted audiences. Default: not checked.
    pub audiences: Option<Vec<String>>,
    /// Accepted header `typ` values. Default: not checked.
    pub types: Option<Vec<String>>,
    /// Claims that must be present. Default none.
    pub required_claims: Option<Vec<String>>,
    /// Whether `exp` is required. Default `true`.
    pub require_exp: Option<bool>,
    /// Clock tolerance in seconds. Default 0.
    pub leeway: Option<f64>,
    /// Reject an `iat` in the future. Default `false`.
    pub reject_future_iat: Option<bool>,
    /// Longest accepted token. Default 65536.
    pub max_token_len: Option<f64>,
    /// Longest accepted header segment. Default 8192.
    pub max_header_len: Option<f64>,
}

/// A verified token.
#[napi(object)]
pub struct Verified {
    /// The protected header's `alg`, `kid` and `typ`.
    #[napi(ts_type = "{ alg: string; kid?: string; typ?: string }")]
    pub header: serde_json::Value,
    /// The payload as decoded.
    #[napi(ts_type = "Record<string, unknown>")]
    pub payload: serde_json::Value,
    /// The algorithm the signature was verified with.
    pub algorithm: String,
}

/// Generic JWT verification against one key set with fixed options: the fast synchronous path.
///
/// ```js
/// const { Verifier } = require('backstage-identity');
/// const verifier = new Verifier(jwksText, { algorithms: ['ES256'], audiences: ['backstage'] });
/// verifier.verify(token).payload.sub; // => 'user:default/alice'
/// ```
#[napi]
pub struct Verifier {
    keys: Arc<bi::KeySet>,
    options: bi::VerifyOptions,
}

#[napi]
impl Verifier {
    /// A verifier for `keys` (a `KeySet`, or a JWKS document) and `options` (an object or JSON).
    #[napi(
        constructor,
        ts_args_type = "keys: KeySet | string | Buffer, options?: VerifyOptions | string"
    )]
    pub fn new(env: Env, keys: JsUnknown, options: Option<JsUnknown>) -> napi::Result<Verifier> {
        guard(&env, || {
            Ok(Verifier {
                keys: key_set_arg(&env, keys)?,
                options: verify_options_arg(&env, options)?,
            })
        })
    }

    /// Verifies `token` at `now` (default: the current time); throws the core's error.
    #[napi(
        ts_args_type = "token: string, now?: number",
        ts_return_type = "Verified"
    )]
    pub fn verify(
        &self,
        env: Env,
        token: JsUnknown,
        now: Option<JsUnknown>,
    ) -> napi::Result<JsObject> {
        guard(&env, || {
            let token = string_arg(&env, token, "token")?;
            let now = now_arg(&env, now)?;
            let verified = bi::verify(&token, &self.keys, &self.options, now).js(&env)?;
            verified_js(&env, &verified)
        })
    }
}

/// Verifies `token` against `keys` (a `KeySet`, or a JWKS document) with `options` at `now`
/// (default: the current time). Throws the core's error.
///
/// ```js
/// const { verify } = require('backstage-identity');
/// verify(token, jwksText, { audiences: ['backstage'] }).payload.sub;
/// ```
#[napi(
    ts_args_type = "token: string, keys: KeySet | string | Buffer, options?: VerifyOptions | string, now?: number",
    ts_return_type = "Verified"
)]
pub fn verify(
    env: Env,
    token: JsUnknown,
    keys: JsUnknown,
    options: Option<JsUnknown>,
    now: Option<JsUnknown>,
) -> napi::Result<JsObject> {
    guard(&env, || {
        let token = string_arg(&env, token, "token")?;
        let keys = key_set_arg(&env, keys)?;
        let options = verify_options_arg(&env, options)?;
        let now = now_arg(&env, now)?;
        let verified = bi::verify(&token, &keys, &options, now).js(&env)?;
        verified_js(&env, &verified)
    })
}

/// The token of an `Authorization` header by Backstage's exact rule (`^Bearer[ ]+(\S+)$`,
/// case-insensitive), or `undefined`. Anything but a string has no token.
///
/// ```js
/// getBearerToken('Bearer abc'); // => 'abc'
/// getBearerToken('Bearer\tabc'); // => undefined
/// ```
#[napi(ts_args_type = "header: unknown")]
pub fn get_bearer_token(env: Env, header: Option<JsUnknown>) -> napi::Result<Option<String>> {
    guard(&env, || match header {
        Some(v) if v.get_type()? == ValueType::String => {
            let header = string_arg(&env, v, "header")?;
            Ok(bi::bearer_token(&header).map(str::to_owned))
        }
        _ => Ok(None),
    })
}

/// The JWKS URL of `source` given the base URL discovery returned for its plugin id (ignored for
/// external sources).
///
/// ```js
/// sourceUrl('auth', 'http://127.0.0.1:7007/api/auth'); // => 'http://127.0.0.1:7007/api/auth/.well-known/jwks.json'
/// ```
#[napi(ts_args_type = "source: string, baseUrl: string")]
pub fn source_url(env: Env, source: JsUnknown, base_url: JsUnknown) -> napi::Result<String> {
    guard(&env, || {
        let source = source_arg(&env, source)?;
        let base = string_arg(&env, base_url, "baseUrl")?;
        Ok(source.url(&base))
    })
}

/// Throws the core's error for a fetch of `source` that cannot be answered
/// (`ERR_KEYS_UNAVAILABLE`), for callers that drive the refresh protocol themselves and give up.
///
/// ```js
/// try { throwKeysUnavailable('auth'); } catch (e) { e.code; } // => 'ERR_KEYS_UNAVAILABLE'
/// ```
#[napi(ts_args_type = "source: string", ts_return_type = "never")]
pub fn throw_keys_unavailable(env: Env, source: JsUnknown) -> napi::Result<()> {
    guard(&env, || {
        let request = bi::KeyRequest {
            source: source_arg(&env, source)?,
            reason: bi::FetchReason::NotLoaded,
            in_flight: false,
        };
        Err(js_error(&env, &request.unavailable()))
    })
}

/// One error code of the core.
#[napi(object)]
pub struct ErrorCodeInfo {
    /// The stable string code, e.g. `ERR_TOKEN_EXPIRED`.
    pub code: String,
    /// Its stable number.
    pub number: u32,
    /// Its family: `malformed`, `key`, `signature`, `claims`, `authentication`, `not_allowed`, `config`.
    pub family: String,
    /// The JS `name` errors of this code carry.
    pub name: String,
}

/// Every error code of the core, in numeric order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    bi::ErrorCode::ALL
        .iter()
        .map(|c| ErrorCodeInfo {
            code: c.as_str().to_owned(),
            number: c.number(),
            family: c.family().as_str().to_owned(),
            name: family_name(c.family()).to_owned(),
        })
        .collect()
}

/// The largest JWKS document the core accepts, in bytes.
#[napi]
pub const MAX_JWKS_BYTES: u32 = bi::MAX_JWKS_BYTES as u32;
