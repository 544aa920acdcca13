//! Our storage engine for Cozo over a sled database (crate `sled` 0.34.7), written to the
//! contract of Cozo's public traits `Storage` and `StoreTx`.
//!
//! - A write transaction keeps its changes in memory (a key's `None` is its deletion) and reads
//!   them over sled's stored rows; `commit` applies them as one `sled::Batch` (atomic, also
//!   across a crash) and flushes sled to its file, so a committed write survives a killed process.
//! - Write transactions run one at a time: Cozo locks a relation it writes only for sharing, so
//!   two writing scripts could otherwise each commit over rows the other changed.
//! - A read transaction reads sled as it is: sled has no snapshots, so a long scan that runs
//!   while a write commits may see part of that write.

use std::collections::btree_map;
use std::collections::BTreeMap;
use std::iter::Peekable;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use cozo::{decode_tuple_from_kv, DataValue, Storage, StoreTx, ValidityTs};
use miette::{IntoDiagnostic, Result};

use crate::validity::{key_validity, past_all_validities, seek_key_for};

/// How many rows `batch_put` applies in one sled batch (a restore can hold millions).
const BATCH_PUT_ROWS: usize = 50_000;

/// A Cozo storage in one sled database folder. Clones share the database.
#[derive(Clone)]
pub struct SledStore {
    db: sled::Db,
    writer: Arc<Mutex<()>>,
}

impl SledStore {
    /// Open (or create) the sled database in folder `path`. sled locks the folder: a second
    /// process opening it gets sled's "could not acquire lock" error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = sled::Config::new().path(path).open().into_diagnostic()?;
        Ok(SledStore { db, writer: Arc::new(Mutex::new(())) })
    }

    fn write_turn(&self) -> MutexGuard<'_, ()> {
        // The mutex guards no data (a panicked writer's changes died with its transaction),
        // so a poisoned lock is as good as a clean one.
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<'s> Storage<'s> for SledStore {
    type Tx = SledTx<'s>;

    fn storage_kind(&self) -> &'static str {
        "sled"
    }

    fn transact(&'s self, write: bool) -> Result<SledTx<'s>> {
        Ok(SledTx {
            db: &self.db,
            changes: BTreeMap::new(),
            write_turn: if write { Some(self.write_turn()) } else { None },
        })
    }

    /// sled compacts its file on its own; there is nothing to ask of it here.
    fn range_compact(&'s self, _lower: &[u8], _upper: &[u8]) -> Result<()> {
        Ok(())
    }

    fn batch_put<'a>(
        &'a self,
        data: Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a>,
    ) -> Result<()> {
        let _turn = self.write_turn();
        let mut batch = sled::Batch::default();
        let mut rows = 0;
        for row in data {
            let (key, value) = row?;
            batch.insert(key, value);
            rows += 1;
            if rows == BATCH_PUT_ROWS {
                self.db.apply_batch(std::mem::take(&mut batch)).into_diagnostic()?;
                rows = 0;
            }
        }
        self.db.apply_batch(batch).into_diagnostic()?;
        self.db.flush().into_diagnostic()?;
        Ok(())
    }
}

/// A transaction on a `SledStore`: a reader, or the one writer holding its turn.
pub struct SledTx<'s> {
    db: &'s sled::Db,
    /// The writer's puts (`Some`) and deletions (`None`), not yet in sled.
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    write_turn: Option<MutexGuard<'s, ()>>,
}

impl<'s> SledTx<'s> {
    /// The rows from `lower` (inclusive) to `upper` (exclusive; `None`: to the end) as this
    /// transaction sees them: its own changes over what sled holds.
    fn rows_between<'a>(&'a self, lower: &[u8], upper: Option<&[u8]>) -> MergedRows<'a> {
        let upper_bound = upper.map_or(Bound::Unbounded, Bound::Excluded);
        if upper.is_some_and(|upper| lower >= upper) {
            // BTreeMap::range panics on a range that ends before it starts.
            return MergedRows::empty(self);
        }
        let stored = self.db.range::<&[u8], _>((Bound::Included(lower), upper_bound));
        let changes = self.changes.range::<[u8], _>((Bound::Included(lower), upper_bound));
        MergedRows { stored: stored.peekable(), changes: changes.peekable() }
    }
}

impl<'s> StoreTx<'s> for SledTx<'s> {
    /// `for_update` needs nothing more: no other writer runs while this one holds its turn.
    fn get(&self, key: &[u8], _for_update: bool) -> Result<Option<Vec<u8>>> {
        if let Some(change) = self.changes.get(key) {
            return Ok(change.clone());
        }
        Ok(self.db.get(key).into_diagnostic()?.map(|value| value.to_vec()))
    }

    fn put(&mut self, key: &[u8], val: &[u8]) -> Result<()> {
        self.changes.insert(key.to_vec(), Some(val.to_vec()));
        Ok(())
    }

    fn supports_par_put(&self) -> bool {
        false
    }

    fn del(&mut self, key: &[u8]) -> Result<()> {
        self.changes.insert(key.to_vec(), None);
        Ok(())
    }

    /// Every stored key in the range is deleted at commit; what this transaction itself put
    /// there stays (the range is deleted from the persisted data only).
    fn del_range_from_persisted(&mut self, lower: &[u8], upper: &[u8]) -> Result<()> {
        if lower >= upper {
            return Ok(());
        }
        for row in self.db.range(lower..upper) {
            let (key, _) = row.into_diagnostic()?;
            self.changes.entry(key.to_vec()).or_insert(None);
        }
        Ok(())
    }

    fn exists(&self, key: &[u8], for_update: bool) -> Result<bool> {
        Ok(self.get(key, for_update)?.is_some())
    }

    fn commit(&mut self) -> Result<()> {
        if !self.changes.is_empty() {
            let mut batch = sled::Batch::default();
            for (key, change) in std::mem::take(&mut self.changes) {
                match change {
                    Some(value) => batch.insert(key, value),
                    None => batch.remove(key),
                }
            }
            self.db.apply_batch(batch).into_diagnostic()?;
            self.db.flush().into_diagnostic()?;
        }
        self.write_turn = None;
        Ok(())
    }

    fn range_skip_scan_tuple<'a>(
        &'a self,
        lower: &[u8],
        upper: &[u8],
        valid_at: ValidityTs,
    ) -> Box<dyn Iterator<Item = Result<Vec<DataValue>>> + 'a> {
        Box::new(ValidRows {
            tx: self,
            rows: self.rows_between(lower, Some(upper)),
            upper: upper.to_vec(),
            valid_at,
        })
    }

    fn range_scan<'a>(
        &'a self,
        lower: &[u8],
        upper: &[u8],
    ) -> Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a>
    where
        's: 'a,
    {
        Box::new(self.rows_between(lower, Some(upper)))
    }

    fn range_count<'a>(&'a self, lower: &[u8], upper: &[u8]) -> Result<usize>
    where
        's: 'a,
    {
        let mut count = 0;
        for row in self.rows_between(lower, Some(upper)) {
            row?;
            count += 1;
        }
        Ok(count)
    }

    fn total_scan<'a>(&'a self) -> Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a>
    where
        's: 'a,
    {
        Box::new(self.rows_between(&[], None))
    }
}

/// Two ascending streams of rows merged into one: sled's stored rows and a transaction's
/// changes. On the same key the change wins, and a deletion hides the key.
struct MergedRows<'a> {
    stored: Peekable<sled::Iter>,
    changes: Peekable<btree_map::Range<'a, Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> MergedRows<'a> {
    fn empty(tx: &'a SledTx<'_>) -> Self {
        // An empty range of each (lower == upper is allowed by both).
        let none: &[u8] = &[];
        let stored = tx.db.range::<&[u8], _>((Bound::Included(none), Bound::Excluded(none)));
        let changes = tx.changes.range::<[u8], _>((Bound::Included(none), Bound::Excluded(none)));
        MergedRows { stored: stored.peekable(), changes: changes.peekable() }
    }
}

/// Which stream gives the next row.
enum Next {
    Stored,
    Change { shadows_stored: bool },
}

impl Iterator for MergedRows<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = match (self.stored.peek(), self.changes.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => {
                    let error = self.stored.next()?.err()?;
                    return Some(Err(error).into_diagnostic());
                }
                (Some(Ok(_)), None) => Next::Stored,
                (None, Some(_)) => Next::Change { shadows_stored: false },
                (Some(Ok((stored_key, _))), Some((change_key, _))) => {
                    match change_key.as_slice().cmp(stored_key.as_ref()) {
                        std::cmp::Ordering::Less => Next::Change { shadows_stored: false },
                        std::cmp::Ordering::Equal => Next::Change { shadows_stored: true },
                        std::cmp::Ordering::Greater => Next::Stored,
                    }
                }
            };
            match next {
                Next::Stored => {
                    let (key, value) = self.stored.next()?.ok()?;
                    return Some(Ok((key.to_vec(), value.to_vec())));
                }
                Next::Change { shadows_stored } => {
                    if shadows_stored {
                        self.stored.next();
                    }
                    let (key, change) = self.changes.next()?;
                    if let Some(value) = change {
                        return Some(Ok((key.clone(), value.clone())));
                    }
                    // A deletion: nothing to give for this key.
                }
            }
        }
    }
}

/// The rows of a time-travel scan: of the rows that differ only in their validity (the key's
/// last column, newest first), the first one valid at `valid_at`, if it is an assertion.
struct ValidRows<'a, 's> {
    tx: &'a SledTx<'s>,
    rows: MergedRows<'a>,
    upper: Vec<u8>,
    valid_at: ValidityTs,
}

impl ValidRows<'_, '_> {
    fn seek(&mut self, key: &[u8]) {
        self.rows = self.tx.rows_between(key, Some(&self.upper));
    }
}

impl Iterator for ValidRows<'_, '_> {
    type Item = Result<Vec<DataValue>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (key, value) = match self.rows.next()? {
                Ok(row) => row,
                Err(error) => return Some(Err(error)),
            };
            let (prefix, validity) = match key_validity(&key) {
                Ok(found) => found,
                Err(error) => return Some(Err(error)),
            };
            if validity.timestamp < self.valid_at {
                // Newer than asked for: on to the first of these rows valid at `valid_at`.
                self.seek(&seek_key_for(prefix, self.valid_at));
                continue;
            }
            // The row valid at `valid_at`; its older versions are skipped.
            self.seek(&past_all_validities(prefix));
            if validity.is_assert.0 {
                return Some(Ok(decode_tuple_from_kv(&key, &value, None)));
            }
        }
    }
}
