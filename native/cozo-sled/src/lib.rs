//! parseltongue_cozo_sled: the Cozo engine (crate `cozo` 0.7.6) over a sled database, for
//! Python. The storage under Cozo is ours (`sled_store`, over the `sled` crate). Parseltongue
//! opens `sled:PATH` databases through it (parseltongue/storage/sled.py); RocksDB, SQLite and
//! mem stay on the cozo-embedded wheel.
//!
//! Every call into the engine runs with the GIL released, and every failure, a panic inside the
//! engine included, is raised as `CozoError` whose one argument is Cozo's JSON error report as
//! a dict (`message`, `display`, `code`, `causes`, ...), the shape cozo-embedded raises.

mod database;
mod sled_store;
mod validity;
mod values;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use fs2::FileExt;

use cozo::{format_error_as_json, DataValue, NamedRows, ScriptMutability};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::{json, Value as JsonValue};

use database::Database;
use values::{json_to_python, to_data_value, to_python};

create_exception!(
    parseltongue_cozo_sled,
    CozoError,
    PyException,
    "Cozo refused or failed a call; args[0] is Cozo's error report as a dict."
);

/// The engines this package opens.
const ENGINES: [&str; 2] = ["mem", "sled"];

/// An error of ours (not Cozo's) in the shape of Cozo's error report.
fn report(message: &str, code: &str) -> JsonValue {
    json!({"ok": false, "message": message, "display": message, "code": code, "causes": []})
}

fn raise(py: Python<'_>, error_report: &JsonValue) -> PyErr {
    match json_to_python(py, error_report) {
        Ok(value) => CozoError::new_err((value.unbind(),)),
        Err(error) => error,
    }
}

/// Run `work` on the engine outside the GIL; a panic becomes an error report, never a crash.
fn engine_call<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, JsonValue> + Send,
) -> PyResult<T> {
    let outcome = py.detach(|| {
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            Err(report(&format!("the Cozo engine panicked: {detail}"), "engine::panic"))
        })
    });
    outcome.map_err(|error_report| raise(py, &error_report))
}

fn named_rows_to_python<'py>(py: Python<'py>, rows: &NamedRows) -> PyResult<Bound<'py, PyDict>> {
    let answer = PyDict::new(py);
    answer.set_item("headers", PyList::new(py, rows.headers.iter().map(String::as_str))?)?;
    let out_rows = PyList::empty(py);
    for row in &rows.rows {
        let out_row = PyList::empty(py);
        for value in row {
            out_row.append(to_python(py, value)?)?;
        }
        out_rows.append(out_row)?;
    }
    answer.set_item("rows", out_rows)?;
    match &rows.next {
        Some(next) => answer.set_item("next", named_rows_to_python(py, next)?)?,
        None => answer.set_item("next", py.None())?,
    }
    Ok(answer)
}

/// A `{"headers": [...], "rows": [[...], ...]}` dict as Cozo's NamedRows.
fn named_rows_from_python(relation: &str, value: &Bound<'_, PyAny>) -> PyResult<NamedRows> {
    let shape_error = || {
        report(
            &format!("relation {relation:?} must be given as a dict with 'headers' and 'rows'"),
            "import::bad_shape",
        )
    };
    let py = value.py();
    let dict = value.cast::<PyDict>().map_err(|_| raise(py, &shape_error()))?;
    let (Some(headers), Some(rows)) = (dict.get_item("headers")?, dict.get_item("rows")?) else {
        return Err(raise(py, &shape_error()));
    };
    let headers: Vec<String> = headers.extract().map_err(|_| raise(py, &shape_error()))?;
    let mut tuples = Vec::new();
    for row in rows.try_iter()? {
        let row = row?;
        let mut tuple = Vec::new();
        for item in row.try_iter()? {
            tuple.push(convert_parameter(&item?)?);
        }
        tuples.push(tuple);
    }
    Ok(NamedRows::new(headers, tuples))
}

fn convert_parameter(value: &Bound<'_, PyAny>) -> PyResult<DataValue> {
    to_data_value(value).map_err(|error| raise(value.py(), &report(&error.to_string(), "parameter")))
}

/// One Cozo database: `mem` (in memory) or `sled` (a folder on disk).
#[pyclass(frozen, module = "parseltongue_cozo_sled")]
struct CozoEngine {
    engine: String,
    // None once closed. Each call clones the handle, so closing while a script runs on
    // another thread lets that script finish: the sled folder is released when the last
    // handle goes.
    instance: Mutex<Option<Arc<Database>>>,
    // The file sled holds its folder's lock on (sled only).
    lock_file: Option<PathBuf>,
}

// How long `close` waits for sled to let go of its folder: its background writes hold the
// lock for a moment after the last handle is dropped.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(10);

/// Wait until no one holds the lock on `lock_file` (sled takes it with `flock`, which a
/// second open file in this process also contends for), so the folder can be opened again
/// at once.
fn wait_for_release(lock_file: &Path) {
    let Ok(file) = File::open(lock_file) else { return };
    let deadline = Instant::now() + RELEASE_TIMEOUT;
    while Instant::now() < deadline {
        if file.try_lock_exclusive().is_ok() {
            let _ = FileExt::unlock(&file);
            return;
        }
        sleep(Duration::from_millis(2));
    }
}

impl CozoEngine {
    fn instance(&self, py: Python<'_>) -> PyResult<Arc<Database>> {
        let guard = self.instance.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .clone()
            .ok_or_else(|| raise(py, &report("the database is closed", "engine::closed")))
    }
}

#[pymethods]
impl CozoEngine {
    /// Open `engine` ("sled" or "mem") at `path` (a folder, created if missing; ignored by mem).
    #[new]
    #[pyo3(signature = (engine, path, options = "{}"))]
    fn new(py: Python<'_>, engine: &str, path: &str, options: &str) -> PyResult<Self> {
        // Cozo here also has SQLite (for backups), but databases of the other engines are
        // cozo-embedded's to open.
        if !ENGINES.contains(&engine) {
            let message = format!(
                "database engine '{engine}' is not in this package (it has {}); the others \
                 come with cozo-embedded",
                ENGINES.join(", ")
            );
            return Err(raise(py, &report(&message, "engine::not_here")));
        }
        let _ = options; // neither engine takes any (Cozo's own dispatcher ignores them too)
        let instance = engine_call(py, || {
            Database::open(engine, path).map_err(|error| format_error_as_json(error, None))
        })?;
        let lock_file = (engine == "sled").then(|| Path::new(path).join("db"));
        Ok(CozoEngine {
            engine: engine.to_string(),
            instance: Mutex::new(Some(Arc::new(instance))),
            lock_file,
        })
    }

    /// The engine's name.
    #[getter]
    fn engine(&self) -> &str {
        &self.engine
    }

    /// Whether `close` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.instance.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).is_none()
    }

    /// Run a CozoScript with named parameters; `immutable` makes any write an error.
    /// Returns `{"headers": [...], "rows": [[...]], "next": None}`.
    #[pyo3(signature = (script, params = None, immutable = false))]
    fn run_script<'py>(
        &self,
        py: Python<'py>,
        script: &str,
        params: Option<&Bound<'py, PyDict>>,
        immutable: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut bound = BTreeMap::new();
        if let Some(params) = params {
            for (name, value) in params.iter() {
                let name = name.cast::<PyString>().map_err(|_| {
                    raise(py, &report("parameter names must be strings", "parameter"))
                })?;
                bound.insert(name.to_str()?.to_string(), convert_parameter(&value)?);
            }
        }
        let mutability =
            if immutable { ScriptMutability::Immutable } else { ScriptMutability::Mutable };
        let db = self.instance(py)?;
        let rows = engine_call(py, || {
            db.run_script(script, bound, mutability)
                .map_err(|error| format_error_as_json(error, Some(script)))
        })?;
        named_rows_to_python(py, &rows)
    }

    /// The stored relations named, as `{name: {"headers": [...], "rows": [[...]]}}`.
    fn export_relations<'py>(
        &self,
        py: Python<'py>,
        relations: Vec<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.instance(py)?;
        let exported = engine_call(py, || {
            db.export_relations(&relations)
                .map_err(|error| format_error_as_json(error, None))
        })?;
        let answer = PyDict::new(py);
        for (name, rows) in &exported {
            answer.set_item(name, named_rows_to_python(py, rows)?)?;
        }
        Ok(answer)
    }

    /// Put rows into existing stored relations, `{name: {"headers": [...], "rows": [[...]]}}`
    /// (the shape `export_relations` returns), in one transaction; triggers do not run.
    fn import_relations(&self, py: Python<'_>, data: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut relations = BTreeMap::new();
        for (name, value) in data.iter() {
            let name: String = name.extract()?;
            let rows = named_rows_from_python(&name, &value)?;
            relations.insert(name, rows);
        }
        let db = self.instance(py)?;
        engine_call(py, || {
            db.import_relations(relations).map_err(|error| format_error_as_json(error, None))
        })
    }

    /// Write the whole database to a new SQLite backup file at `path`.
    fn backup(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let db = self.instance(py)?;
        engine_call(py, || db.backup_db(path).map_err(|error| format_error_as_json(error, None)))
    }

    /// Load a backup file into this database, which must be empty.
    fn restore(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let db = self.instance(py)?;
        engine_call(py, || {
            db.restore_backup(path).map_err(|error| format_error_as_json(error, None))
        })
    }

    /// Copy the named relations from a backup file into existing relations of this database.
    fn import_from_backup(
        &self,
        py: Python<'_>,
        path: &str,
        relations: Vec<String>,
    ) -> PyResult<()> {
        let db = self.instance(py)?;
        engine_call(py, || {
            db.import_from_backup(path, &relations)
                .map_err(|error| format_error_as_json(error, None))
        })
    }

    /// Let go of the database; later calls fail. Safe to call twice.
    fn close(&self, py: Python<'_>) {
        let taken = self.instance.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let Some(handle) = taken else { return };
        // Taken out of the mutex, no call can clone it any more: a count of one is the last.
        let last = Arc::strong_count(&handle) == 1;
        let lock_file = self.lock_file.clone();
        // Dropping the last handle flushes sled to disk: done without the GIL.
        py.detach(move || {
            drop(handle);
            if let (true, Some(lock_file)) = (last, lock_file) {
                wait_for_release(&lock_file);
            }
        });
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { ", closed" } else { "" };
        format!("CozoEngine({:?}{state})", self.engine)
    }
}

#[pymodule]
fn parseltongue_cozo_sled(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // A panic inside Cozo (some functions panic on bad arguments, e.g. `slice` with its ends
    // swapped, sometimes on a rayon thread) reaches Python as a CozoError carrying the panic's
    // message; the default hook would also print it, with a backtrace, to the user's stderr.
    // This hook is this library's own (a cdylib has its own copy of std).
    std::panic::set_hook(Box::new(|_| {}));
    module.add_class::<CozoEngine>()?;
    module.add("CozoError", module.py().get_type::<CozoError>())?;
    module.add("COZO_VERSION", "0.7.6")?;
    module.add("ENGINES", PyTuple::new(module.py(), ENGINES)?)?;
    Ok(())
}
