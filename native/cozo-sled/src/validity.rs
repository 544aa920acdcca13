//! The bytes of a time-travel key, for the storage's skip scan.
//!
//! In a relation with a `Validity` column, that column is the key's last one, and Cozo encodes
//! it in a stored key (a format Cozo's databases keep on disk) as 10 bytes: the tag 0x0C, the
//! timestamp as an order-preserving big-endian u64 with every bit flipped (newest first), and
//! 0 for an assertion or 1 for a retraction (assertions first). The rows that differ only in
//! validity thus share the bytes before those 10 and sit together, newest first.

use cozo::{decode_tuple_from_kv, DataValue, Validity, ValidityTs};
use miette::{miette, Result};

const VALIDITY_TAG: u8 = 0x0C;
const VALIDITY_BYTES: usize = 10;
/// A stored key starts with its relation's id, 8 bytes.
const RELATION_ID_BYTES: usize = 8;

/// A key's bytes before its validity, and the validity.
pub fn key_validity(key: &[u8]) -> Result<(&[u8], Validity)> {
    let not_time_travel =
        || miette!("a time-travel read met a row whose last key column is not a validity");
    if key.len() < RELATION_ID_BYTES + VALIDITY_BYTES
        || key[key.len() - VALIDITY_BYTES] != VALIDITY_TAG
    {
        return Err(not_time_travel());
    }
    match decode_tuple_from_kv(key, &[], None).pop() {
        Some(DataValue::Validity(validity)) => Ok((&key[..key.len() - VALIDITY_BYTES], validity)),
        _ => Err(not_time_travel()),
    }
}

/// The first key with `prefix` whose validity is `valid_at` or older.
pub fn seek_key_for(prefix: &[u8], valid_at: ValidityTs) -> Vec<u8> {
    // i64 to u64 keeping the order: flip the sign bit.
    let ordered = (valid_at.0 .0 as u64) ^ (1 << 63);
    let mut key = Vec::with_capacity(prefix.len() + VALIDITY_BYTES);
    key.extend_from_slice(prefix);
    key.push(VALIDITY_TAG);
    key.extend_from_slice(&(!ordered).to_be_bytes());
    key.push(0); // an assertion sorts before a retraction at the same time
    key
}

/// The first key after every key with `prefix` and a validity.
pub fn past_all_validities(prefix: &[u8]) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.push(VALIDITY_TAG + 1);
    key
}
