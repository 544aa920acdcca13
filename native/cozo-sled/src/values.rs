//! Python values to Cozo's `DataValue` and back, the way the cozo-embedded wheel maps them,
//! so a database answers the same Python values whichever binding opened it.

use cozo::{DataValue, JsonData, Num, Vector};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value as JsonValue};

/// A Python parameter as a Cozo value: a dict becomes JSON, a list or tuple a list, an int too
/// large for 64 bits a float (as cozo-embedded does).
pub fn to_data_value(value: &Bound<'_, PyAny>) -> PyResult<DataValue> {
    if value.is_none() {
        return Ok(DataValue::Null);
    }
    // bool before int: Python's bool is a subclass of int.
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(DataValue::Bool(flag.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(match value.extract::<i64>() {
            Ok(int) => DataValue::Num(Num::Int(int)),
            Err(_) => DataValue::Num(Num::Float(value.extract::<f64>()?)),
        });
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        return Ok(DataValue::Num(Num::Float(float.value())));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(DataValue::from(text.to_str()?));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(DataValue::Bytes(bytes.as_bytes().to_vec()));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list.iter().map(|item| to_data_value(&item)).collect::<PyResult<_>>().map(DataValue::List);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple.iter().map(|item| to_data_value(&item)).collect::<PyResult<_>>().map(DataValue::List);
    }
    if value.is_instance_of::<PyDict>() {
        return Ok(DataValue::Json(JsonData(to_json(value)?)));
    }
    Err(not_convertible(value))
}

fn not_convertible(value: &Bound<'_, PyAny>) -> PyErr {
    let shown = value.repr().map(|text| text.to_string()).unwrap_or_else(|_| "?".to_string());
    PyTypeError::new_err(format!("cannot convert {shown} into a Cozo value"))
}

/// A Python value inside a dict parameter, as JSON (dict keys become strings).
fn to_json(value: &Bound<'_, PyAny>) -> PyResult<JsonValue> {
    if value.is_none() {
        return Ok(JsonValue::Null);
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(JsonValue::Bool(flag.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(match value.extract::<i64>() {
            Ok(int) => JsonValue::from(int),
            Err(_) => float_json(value.extract::<f64>()?),
        });
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        return Ok(float_json(float.value()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(JsonValue::String(text.to_str()?.to_string()));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list.iter().map(|item| to_json(&item)).collect::<PyResult<_>>().map(JsonValue::Array);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple.iter().map(|item| to_json(&item)).collect::<PyResult<_>>().map(JsonValue::Array);
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut object = Map::new();
        for (key, item) in dict.iter() {
            let key = match key.cast::<PyString>() {
                Ok(text) => text.to_str()?.to_string(),
                Err(_) => key.str()?.to_string(),
            };
            object.insert(key, to_json(&item)?);
        }
        return Ok(JsonValue::Object(object));
    }
    Err(not_convertible(value))
}

fn float_json(float: f64) -> JsonValue {
    // JSON has no NaN or infinity: they become null, as serde_json writes them.
    Number::from_f64(float).map_or(JsonValue::Null, JsonValue::Number)
}

/// A Cozo value as a Python object: sets and vectors become lists, UUIDs and regexes strings,
/// JSON the matching dicts and lists, a validity `[timestamp, is_assert]`.
pub fn to_python<'py>(py: Python<'py>, value: &DataValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        DataValue::Null | DataValue::Bot => py.None().into_bound(py),
        DataValue::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        DataValue::Num(Num::Int(int)) => int.into_pyobject(py)?.into_any(),
        DataValue::Num(Num::Float(float)) => PyFloat::new(py, *float).into_any(),
        DataValue::Str(text) => PyString::new(py, text.as_str()).into_any(),
        DataValue::Bytes(bytes) => PyBytes::new(py, bytes).into_any(),
        DataValue::Uuid(uuid) => PyString::new(py, &uuid.0.to_string()).into_any(),
        DataValue::Regex(regex) => PyString::new(py, regex.0.as_str()).into_any(),
        DataValue::List(items) => list_of(py, items.iter())?,
        DataValue::Set(items) => list_of(py, items.iter())?,
        DataValue::Vec(Vector::F32(array)) => {
            PyList::new(py, array.iter().map(|float| f64::from(*float)))?.into_any()
        }
        DataValue::Vec(Vector::F64(array)) => PyList::new(py, array.iter().copied())?.into_any(),
        DataValue::Json(JsonData(json)) => json_to_python(py, json)?,
        DataValue::Validity(validity) => {
            let timestamp = validity.timestamp.0 .0;
            let is_assert = validity.is_assert.0;
            PyList::new(
                py,
                [timestamp.into_pyobject(py)?.into_any(), PyBool::new(py, is_assert).to_owned().into_any()],
            )?
            .into_any()
        }
    })
}

fn list_of<'a, 'py>(
    py: Python<'py>,
    items: impl Iterator<Item = &'a DataValue>,
) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for item in items {
        list.append(to_python(py, item)?)?;
    }
    Ok(list.into_any())
}

/// JSON (a JSON value in the database, or one of Cozo's error reports) as Python objects.
pub fn json_to_python<'py>(py: Python<'py>, json: &JsonValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match json {
        JsonValue::Null => py.None().into_bound(py),
        JsonValue::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        JsonValue::Number(number) => {
            if let Some(int) = number.as_i64() {
                int.into_pyobject(py)?.into_any()
            } else if let Some(unsigned) = number.as_u64() {
                unsigned.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, number.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        JsonValue::String(text) => PyString::new(py, text).into_any(),
        JsonValue::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_python(py, item)?)?;
            }
            list.into_any()
        }
        JsonValue::Object(object) => {
            let dict = PyDict::new(py);
            for (key, item) in object {
                dict.set_item(key, json_to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
