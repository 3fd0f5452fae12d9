//! The exception hierarchy and the one place where a core [`Error`] becomes a Python exception.

use backstage_identity::{Error, ErrorFamily};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    backstage_identity._native,
    BackstageIdentityError,
    PyValueError,
    "Base class of every error this package raises. `.code` is the core's stable string code (e.g. \
     \"ERR_TOKEN_EXPIRED\"), `.number` its fixed number, `.family` the core's family name and `.status` \
     the HTTP status a Backstage backend answers with (401, 403 or 500)."
);
create_exception!(
    backstage_identity._native,
    MalformedTokenError,
    BackstageIdentityError,
    "The token or Authorization header is not a well-formed JWS compact token (family \"malformed\")."
);
create_exception!(
    backstage_identity._native,
    KeySelectionError,
    BackstageIdentityError,
    "No key could be used: algorithm policy, key selection, JWKS contents, keys unavailable (family \"key\")."
);
create_exception!(
    backstage_identity._native,
    SignatureError,
    BackstageIdentityError,
    "The signature did not verify (family \"signature\")."
);
create_exception!(
    backstage_identity._native,
    ClaimsError,
    BackstageIdentityError,
    "The claims are not acceptable: time, issuer, audience, type, required claims (family \"claims\")."
);
create_exception!(
    backstage_identity._native,
    AuthenticationError,
    BackstageIdentityError,
    "The token is valid but Backstage semantics refuse it (family \"authentication\")."
);
create_exception!(
    backstage_identity._native,
    NotAllowedError,
    BackstageIdentityError,
    "The token is valid but may not be used for this plugin; Backstage answers 403 (family \"not_allowed\")."
);
create_exception!(
    backstage_identity._native,
    ConfigError,
    BackstageIdentityError,
    "Invalid configuration, options or arguments, or an internal failure (family \"config\")."
);

/// An error on its way out of a binding function: a core error, or a Python exception raised by
/// Python code the binding called (a fetcher, `json.dumps`).
pub enum BiError {
    /// A core error: converted by [`raise`].
    Core(Error),
    /// Already a Python exception.
    Py(PyErr),
}

/// The result type of binding functions.
pub type BiResult<T> = Result<T, BiError>;

impl From<Error> for BiError {
    fn from(e: Error) -> Self {
        BiError::Core(e)
    }
}

impl From<PyErr> for BiError {
    fn from(e: PyErr) -> Self {
        BiError::Py(e)
    }
}

impl From<BiError> for PyErr {
    fn from(e: BiError) -> Self {
        match e {
            BiError::Core(e) => Python::attach(|py| raise(py, &e)),
            BiError::Py(e) => e,
        }
    }
}

/// An `ERR_INVALID_ARGUMENT` core error with `reason`.
pub fn invalid_argument(reason: impl Into<String>) -> BiError {
    BiError::Core(Error::InvalidArgument {
        reason: reason.into(),
    })
}

/// The exception class of a core error family.
pub fn class_of(py: Python<'_>, family: ErrorFamily) -> Bound<'_, pyo3::types::PyType> {
    match family {
        ErrorFamily::Malformed => py.get_type::<MalformedTokenError>(),
        ErrorFamily::Key => py.get_type::<KeySelectionError>(),
        ErrorFamily::Signature => py.get_type::<SignatureError>(),
        ErrorFamily::Claims => py.get_type::<ClaimsError>(),
        ErrorFamily::Authentication => py.get_type::<AuthenticationError>(),
        ErrorFamily::NotAllowed => py.get_type::<NotAllowedError>(),
        ErrorFamily::Config => py.get_type::<ConfigError>(),
    }
}

/// THE conversion point: the core's message becomes the exception's text; code, number, family
/// and status become attributes. Nothing is added or reworded here.
pub fn raise(py: Python<'_>, error: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let code = error.code();
        let exception = class_of(py, error.family()).call1((error.to_string(),))?;
        exception.setattr("code", code.as_str())?;
        exception.setattr("number", code.number())?;
        exception.setattr("family", error.family().as_str())?;
        exception.setattr("status", error.http_status())?;
        Ok(PyErr::from_value(exception))
    };
    // Building the exception only fails when the interpreter itself is failing (out of memory):
    // that Python error is then the most truthful thing to raise.
    build().unwrap_or_else(|e| e)
}
