//! Python-like values that scenario programs compute with, and their Python `repr`/`str`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value a scenario program holds: what a Python program would hold in a variable,
/// put on a queue or send through a pipe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` (64-bit here).
    Int(i64),
    /// A `float`. JSON has no infinity or NaN: those are written `{"float": "inf"}` (and
    /// `"-inf"`, `"nan"`), so `best = float('inf')` survives a trace and the packed events.
    Float(#[serde(with = "float_json")] f64),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(Vec<Value>),
    /// A `tuple`, serialized as `{"tuple": [...]}` so it survives a round trip.
    Tuple(TupleValue),
}

/// A float as JSON: a number, or `{"float": "inf" | "-inf" | "nan"}` where JSON has none
/// (`#[serde(with = "crate::value::float_json")]`; [`float_json_opt`] for an `Option<f64>`).
pub(crate) mod float_json {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct NonFinite {
        float: String,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(f64),
        NonFinite(NonFinite),
    }

    pub fn serialize<S: Serializer>(f: &f64, s: S) -> Result<S::Ok, S::Error> {
        if f.is_finite() {
            return s.serialize_f64(*f);
        }
        let word = if f.is_nan() {
            "nan"
        } else if *f > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        NonFinite { float: word.into() }.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Either::deserialize(d)? {
            Either::Number(f) => Ok(f),
            Either::NonFinite(NonFinite { float }) => match float.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" => Ok(f64::NAN),
                other => Err(serde::de::Error::custom(format!("not a float: {other:?}"))),
            },
        }
    }
}

/// [`float_json`] for an `Option<f64>` (`None` is `null`).
pub(crate) mod float_json_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    struct Wrap(#[serde(with = "super::float_json")] f64);

    pub fn serialize<S: Serializer>(f: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match f {
            Some(f) => super::float_json::serialize(f, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// A tuple, kept apart from lists so that `('A', 'B')` prints as Python prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TupleValue {
    /// The elements.
    pub tuple: Vec<Value>,
}

impl Value {
    /// A tuple of these values.
    pub fn tuple(items: Vec<Value>) -> Self {
        Value::Tuple(TupleValue { tuple: items })
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Tuple(t) => !t.tuple.is_empty(),
        }
    }

    /// Python's name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
        }
    }

    /// The value as a number, if it is one (`bool` counts, as in Python).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python's `repr()`.
    pub fn repr(&self) -> String {
        match self {
            Value::Str(s) => {
                if s.contains('\'') && !s.contains('"') {
                    format!("\"{s}\"")
                } else {
                    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
                }
            }
            other => other.to_string(),
        }
    }
}

fn write_seq(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&v.repr())?;
    }
    Ok(())
}

/// Python's `str()`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            Value::Str(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                write_seq(f, items)?;
                f.write_str("]")
            }
            Value::Tuple(t) => {
                f.write_str("(")?;
                write_seq(f, &t.tuple)?;
                if t.tuple.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_python() {
        let v = Value::List(vec![Value::Int(0), Value::Int(1), Value::Str("A".into())]);
        assert_eq!(v.to_string(), "[0, 1, 'A']");
        let t = Value::tuple(vec![Value::Str("A".into()), Value::Str("B".into())]);
        assert_eq!(t.to_string(), "('A', 'B')");
        assert_eq!(Value::tuple(vec![Value::Int(1)]).to_string(), "(1,)");
        assert_eq!(Value::Float(2.0).to_string(), "2.0");
        assert_eq!(Value::Bool(true).to_string(), "True");
        assert_eq!(Value::None.to_string(), "None");
    }

    #[test]
    fn tuples_survive_json() {
        let t = Value::List(vec![Value::tuple(vec![Value::Int(1), Value::Str("x".into())])]);
        let s = serde_json::to_string(&t).unwrap();
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn floats_survive_json_infinite_and_nan_included() {
        for f in [1.5, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY, 1e308, -2.5e-300] {
            let v = Value::List(vec![Value::Float(f), Value::Int(3), Value::None]);
            let back: Value = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
            assert_eq!(back, v, "{f}");
            if let Value::List(items) = back {
                assert_eq!(items[0].as_f64().map(f64::to_bits), Some(f.to_bits()), "{f}: the same bits");
            }
        }
        let nan: Value = serde_json::from_str(&serde_json::to_string(&Value::Float(f64::NAN)).unwrap()).unwrap();
        assert!(matches!(nan, Value::Float(f) if f.is_nan()));
        // An int stays an int; an old trace's `null` for a lost infinity stays None.
        assert_eq!(serde_json::from_str::<Value>("3").unwrap(), Value::Int(3));
        assert_eq!(serde_json::from_str::<Value>("null").unwrap(), Value::None);
        assert!(serde_json::from_str::<Value>(r#"{"float": "big"}"#).is_err());
    }
}
