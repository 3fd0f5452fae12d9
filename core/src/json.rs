//! Strict JSON object parsing for JOSE headers, JWT payloads, JWKS documents and configuration.
//!
//! `serde_json` on its own lets the last of two duplicate members win and nests up to 128 levels.
//! Here every object, at every depth, must have unique member names, nesting is bounded, and the
//! top level must be an object. Members are handed to a [`Members`] implementation one by one, as
//! a small [`Value`] summary, so no general-purpose JSON tree is built on the hot path.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What went wrong while reading a JSON document, before it is tied to a token segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not JSON, not UTF-8, or the top level is not an object.
    Syntax,
    /// An object names a member twice.
    Duplicate,
    /// Nesting deeper than the limit.
    TooDeep,
    /// A [`Members`] implementation refused a member; the error is its own.
    Member(crate::Error),
}

/// A JSON value as the member handlers see it: scalars kept, arrays kept, objects summarized.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// An object; its members were checked (unique names, depth) and dropped.
    Object,
}

impl Value {
    /// The strings of an array whose elements are all strings.
    pub(crate) fn into_string_array(self) -> Option<Vec<String>> {
        match self {
            Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}

/// Receives the members of the top-level object.
pub(crate) trait Members {
    /// Sees every member name, wanted or not.
    fn name(&mut self, _name: &str) {}
    /// Whether the member's value is wanted as a [`Value`]. Unwanted members are only checked.
    fn wants(&self, name: &str) -> bool;
    /// Takes a wanted member's value; an error rejects the whole document.
    fn member(&mut self, name: &str, value: Value) -> Result<(), crate::Error>;
}

struct Ctx {
    max_depth: usize,
    failure: RefCell<Option<JsonError>>,
}

impl Ctx {
    fn fail<E: serde::de::Error>(&self, e: JsonError) -> E {
        let mut slot = self.failure.borrow_mut();
        if slot.is_none() {
            *slot = Some(e);
        }
        E::custom("rejected")
    }
}

/// Parses `bytes` as one JSON object and feeds its members to `members`.
pub(crate) fn parse_object<M: Members>(
    bytes: &[u8],
    max_depth: usize,
    members: &mut M,
) -> Result<(), JsonError> {
    let ctx = Ctx {
        max_depth,
        failure: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = TopLevel { ctx: &ctx, members }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    result.map_err(|_| ctx.failure.into_inner().unwrap_or(JsonError::Syntax))
}

/// Checks that `bytes` is strict JSON (any type at the top) and returns its summary.
pub(crate) fn parse_value(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let ctx = Ctx {
        max_depth,
        failure: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = Any {
        ctx: &ctx,
        depth: 0,
        keep: true,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|_| ctx.failure.into_inner().unwrap_or(JsonError::Syntax))
}

struct TopLevel<'c, M> {
    ctx: &'c Ctx,
    members: &'c mut M,
}

impl<'de, M: Members> DeserializeSeed<'de> for TopLevel<'_, M> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, M: Members> Visitor<'de> for TopLevel<'_, M> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.ctx.max_depth == 0 {
            return Err(self.ctx.fail(JsonError::TooDeep));
        }
        let mut names = Names::default();
        while let Some(name) = map.next_key_seed(KeySeed)? {
            self.members.name(&name);
            let wanted = self.members.wants(&name);
            let value = map.next_value_seed(Any {
                ctx: self.ctx,
                depth: 1,
                keep: wanted,
            })?;
            if wanted {
                if let Err(e) = self.members.member(&name, value) {
                    return Err(self.ctx.fail(JsonError::Member(e)));
                }
            }
            if !names.insert(name) {
                return Err(self.ctx.fail(JsonError::Duplicate));
            }
        }
        Ok(())
    }
}

/// Member names seen so far in one object, borrowed from the input when they have no escapes.
/// Objects in tokens are small, so a linear scan is cheaper than hashing; large objects switch
/// to a sorted check.
#[derive(Default)]
struct Names<'de> {
    seen: Vec<Key<'de>>,
}

impl<'de> Names<'de> {
    /// Adds `name`; `false` if it was already there.
    fn insert(&mut self, name: Key<'de>) -> bool {
        if self.seen.len() < 32 {
            if self.seen.iter().any(|s| **s == *name) {
                return false;
            }
            self.seen.push(name);
            if self.seen.len() == 32 {
                // From here on the vector stays sorted for `binary_search`.
                self.seen.sort_unstable();
            }
            return true;
        }
        match self.seen.binary_search(&name) {
            Ok(_) => false,
            Err(at) => {
                self.seen.insert(at, name);
                true
            }
        }
    }
}

struct KeySeed;

/// A member name, borrowed from the input when it has no escapes.
type Key<'de> = Cow<'de, str>;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Cow::Owned(v))
    }
}

/// Any JSON value at `depth`, checked strictly; summarized into a [`Value`] when `keep`.
struct Any<'c> {
    ctx: &'c Ctx,
    depth: usize,
    keep: bool,
}

impl<'de> DeserializeSeed<'de> for Any<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Any<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(if self.keep {
            Value::String(v.to_owned())
        } else {
            Value::Null
        })
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= self.ctx.max_depth {
            return Err(self.ctx.fail(JsonError::TooDeep));
        }
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Any {
            ctx: self.ctx,
            depth: self.depth + 1,
            keep: self.keep,
        })? {
            if self.keep {
                items.push(v);
            }
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= self.ctx.max_depth {
            return Err(self.ctx.fail(JsonError::TooDeep));
        }
        let mut names = Names::default();
        while let Some(name) = map.next_key_seed(KeySeed)? {
            if !names.insert(name) {
                return Err(self.ctx.fail(JsonError::Duplicate));
            }
            map.next_value_seed(Any {
                ctx: self.ctx,
                depth: self.depth + 1,
                keep: false,
            })?;
        }
        Ok(Value::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, Value)>);
    impl Members for Collect {
        fn wants(&self, _: &str) -> bool {
            true
        }
        fn member(&mut self, name: &str, value: Value) -> Result<(), crate::Error> {
            self.0.push((name.to_owned(), value));
            Ok(())
        }
    }

    fn parse(s: &str) -> Result<Vec<(String, Value)>, JsonError> {
        let mut c = Collect::default();
        parse_object(s.as_bytes(), 4, &mut c).map(|()| c.0)
    }

    #[test]
    fn reads_members() {
        let m = parse(r#"{"a":1,"b":"x","c":[1,"y"],"d":{"e":null},"f":true,"g":null}"#).unwrap();
        assert_eq!(m[0], ("a".into(), Value::Number(1.0)));
        assert_eq!(m[1], ("b".into(), Value::String("x".into())));
        assert_eq!(
            m[2],
            (
                "c".into(),
                Value::Array(vec![Value::Number(1.0), Value::String("y".into())])
            )
        );
        assert_eq!(m[3], ("d".into(), Value::Object));
        assert_eq!(m[4], ("f".into(), Value::Bool(true)));
        assert_eq!(m[5], ("g".into(), Value::Null));
    }

    #[test]
    fn rejects_duplicates_at_every_depth() {
        assert_eq!(parse(r#"{"a":1,"a":2}"#), Err(JsonError::Duplicate));
        assert_eq!(parse(r#"{"a":{"b":1,"b":1}}"#), Err(JsonError::Duplicate));
        assert_eq!(parse(r#"{"a":[{"b":1,"b":1}]}"#), Err(JsonError::Duplicate));
        // An escaped spelling of the same name is the same name.
        assert_eq!(parse(r#"{"a":1,"\u0061":2}"#), Err(JsonError::Duplicate));
        // Many members: the sorted path.
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":1")).collect();
        assert!(parse(&format!("{{{}}}", many.join(","))).is_ok());
        let inner = format!("{{\"x\":{{{},\"k39\":2}}}}", many.join(","));
        assert_eq!(parse(&inner), Err(JsonError::Duplicate));
    }

    #[test]
    fn bounds_nesting() {
        assert!(parse(r#"{"a":[[[1]]]}"#).is_ok());
        assert_eq!(parse(r#"{"a":[[[[1]]]]}"#), Err(JsonError::TooDeep));
        assert!(parse(r#"{"a":{"b":{"c":{"d":1}}}}"#).is_ok());
        assert_eq!(
            parse(r#"{"a":{"b":{"c":{"d":{}}}}}"#),
            Err(JsonError::TooDeep)
        );
    }

    #[test]
    fn rejects_non_objects_and_garbage() {
        for s in [
            "[]",
            "1",
            "\"x\"",
            "null",
            "{",
            "{}x",
            "{\"a\":1,}",
            "",
            "\u{feff}{}",
        ] {
            assert_eq!(parse(s), Err(JsonError::Syntax), "{s:?}");
        }
        assert_eq!(
            parse_object(b"{\"a\":\"\xff\"}", 4, &mut Collect::default()),
            Err(JsonError::Syntax)
        );
        // A number too large for f64 is not silently turned into infinity.
        assert_eq!(parse(r#"{"exp":1e400}"#), Err(JsonError::Syntax));
    }
}
