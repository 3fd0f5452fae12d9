//! Type conversions between Python values and the core's arguments and results. No rule lives
//! here: a value that cannot be converted becomes the core's `ERR_INVALID_ARGUMENT`.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use backstage_identity::Source;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use crate::error::{invalid_argument, BiResult};

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// A `str` argument as UTF-8 text (borrowed where the interpreter allows it).
pub fn text<'a>(value: &'a Bound<'_, PyAny>, what: &str) -> BiResult<Cow<'a, str>> {
    let s = value
        .cast::<PyString>()
        .map_err(|_| invalid_argument(format!("{what} must be a str, not {}", type_name(value))))?;
    s.to_cow().map_err(|_| {
        invalid_argument(format!(
            "{what} is not valid Unicode text (it contains a lone surrogate)"
        ))
    })
}

/// An optional `str` argument (`None` allowed).
pub fn optional_text<'a>(
    value: Option<&'a Bound<'_, PyAny>>,
    what: &str,
) -> BiResult<Option<Cow<'a, str>>> {
    match value {
        Some(v) if !v.is_none() => text(v, what).map(Some),
        _ => Ok(None),
    }
}

/// A JSON document argument: `str`, `bytes` or `bytearray` (its bytes are handed to the core as
/// they are), or, when `mapping` is allowed, a `dict` serialised with `json.dumps`.
pub fn document(value: &Bound<'_, PyAny>, what: &str, mapping: bool) -> BiResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if value.is_instance_of::<PyString>() {
        return Ok(text(value, what)?.into_owned().into_bytes());
    }
    if mapping && value.is_instance_of::<PyDict>() {
        let dumped = json_dumps(value.py())?
            .call1((value,))
            .map_err(|_| invalid_argument(format!("{what} cannot be serialised as JSON")))?;
        return Ok(text(&dumped, what)?.into_owned().into_bytes());
    }
    let accepted = if mapping {
        "a dict, str or bytes"
    } else {
        "str or bytes"
    };
    Err(invalid_argument(format!(
        "{what} must be {accepted}, not {}",
        type_name(value)
    )))
}

/// `now` in whole seconds since the Unix epoch: the argument if given, else the current time,
/// floored.
pub fn now(value: Option<&Bound<'_, PyAny>>) -> BiResult<u64> {
    match value {
        Some(v) if !v.is_none() => {
            if v.is_instance_of::<pyo3::types::PyBool>() {
                return Err(invalid_argument(
                    "now must be an int (seconds since the Unix epoch), not bool",
                ));
            }
            v.extract::<u64>().map_err(|_| {
                invalid_argument(format!(
                    "now must be a non-negative int (seconds since the Unix epoch), got {}",
                    type_name(v)
                ))
            })
        }
        _ => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

/// A source name (`auth`, `plugin:<id>`, `external:<url>`).
pub fn source(value: &Bound<'_, PyAny>) -> BiResult<Source> {
    let name = text(value, "source")?;
    Source::parse(&name).ok_or_else(|| {
        invalid_argument("source must be \"auth\", \"plugin:<id>\" or \"external:<url>\"")
    })
}

static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC_EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATETIME_BOUNDS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

fn json_dumps(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    JSON_DUMPS.import(py, "json", "dumps")
}

/// `json.loads(text)`: Python's own JSON types, with exact big integers.
pub fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    JSON_LOADS.import(py, "json", "loads")?.call1((text,))
}

/// A serde JSON value (the core's Backstage shapes) as Python objects.
pub fn json_value<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_value(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(members) => {
            let dict = PyDict::new(py);
            for (k, v) in members {
                dict.set_item(k, json_value(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Seconds since the epoch as an aware UTC `datetime`. Values beyond `datetime`'s range (years
/// 1 to 9999) become `datetime.min` / `datetime.max` in UTC instead of raising.
pub fn utc_datetime<'py>(py: Python<'py>, seconds: f64) -> PyResult<Bound<'py, PyAny>> {
    let epoch = UTC_EPOCH.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        Ok(datetime
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, utc))?
            .unbind())
    })?;
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    // timedelta(seconds=...) is exact for whole seconds and rounds fractions to microseconds.
    let delta = if seconds.is_finite() {
        timedelta.call1((0, seconds)).ok()
    } else {
        None
    };
    if let Some(delta) = delta {
        if let Ok(dt) = epoch.bind(py).add(delta) {
            return Ok(dt);
        }
    }
    let (min, max) =
        DATETIME_BOUNDS.get_or_try_init(py, || -> PyResult<(Py<PyAny>, Py<PyAny>)> {
            let datetime = py.import("datetime")?;
            let utc = datetime.getattr("timezone")?.getattr("utc")?;
            let class = datetime.getattr("datetime")?;
            let kw = PyDict::new(py);
            kw.set_item("tzinfo", &utc)?;
            let min = class
                .getattr("min")?
                .call_method("replace", (), Some(&kw))?;
            let max = class
                .getattr("max")?
                .call_method("replace", (), Some(&kw))?;
            Ok((min.unbind(), max.unbind()))
        })?;
    Ok(if seconds < 0.0 {
        min.bind(py).clone()
    } else {
        max.bind(py).clone()
    })
}
