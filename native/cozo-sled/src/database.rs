//! The two Cozo databases this package opens, behind one type: in memory (Cozo's own storage)
//! or in a sled folder (our storage, `sled_store`).

use std::collections::BTreeMap;

use cozo::{new_cozo_mem, DataValue, Db, MemStorage, NamedRows, ScriptMutability};
use miette::{bail, Result};

use crate::sled_store::SledStore;

/// A shared handle on one database: clones reach the same data.
#[derive(Clone)]
pub enum Database {
    Mem(Db<MemStorage>),
    Sled(Db<SledStore>),
}

/// The same call on whichever database it is.
macro_rules! on_database {
    ($database:expr, $db:ident => $call:expr) => {
        match $database {
            Database::Mem($db) => $call,
            Database::Sled($db) => $call,
        }
    };
}

impl Database {
    /// Open `engine` ("mem" or "sled") at `path` (a folder; ignored by mem).
    pub fn open(engine: &str, path: &str) -> Result<Self> {
        Ok(match engine {
            "mem" => Database::Mem(new_cozo_mem()?),
            "sled" => {
                let db = Db::new(SledStore::open(path)?)?;
                db.initialize()?;
                Database::Sled(db)
            }
            other => bail!("database engine '{other}' is not in this package"),
        })
    }

    pub fn run_script(
        &self,
        script: &str,
        params: BTreeMap<String, DataValue>,
        mutability: ScriptMutability,
    ) -> Result<NamedRows> {
        on_database!(self, db => db.run_script(script, params, mutability))
    }

    pub fn export_relations(&self, relations: &[String]) -> Result<BTreeMap<String, NamedRows>> {
        on_database!(self, db => db.export_relations(relations.iter()))
    }

    pub fn import_relations(&self, data: BTreeMap<String, NamedRows>) -> Result<()> {
        on_database!(self, db => db.import_relations(data))
    }

    pub fn backup_db(&self, path: &str) -> Result<()> {
        on_database!(self, db => db.backup_db(path))
    }

    pub fn restore_backup(&self, path: &str) -> Result<()> {
        on_database!(self, db => db.restore_backup(path))
    }

    pub fn import_from_backup(&self, path: &str, relations: &[String]) -> Result<()> {
        on_database!(self, db => db.import_from_backup(path, relations))
    }
}
