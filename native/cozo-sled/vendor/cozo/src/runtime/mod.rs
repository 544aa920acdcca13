/*
 * Copyright 2022, The Cozo Project Authors.
 *
 * This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.
 * If a copy of the MPL was not distributed with this file,
 * You can obtain one at https://mozilla.org/MPL/2.0/.
 */

pub(crate) mod callback;
pub(crate) mod db;
pub(crate) mod imperative;
pub(crate) mod relation;
pub(crate) mod temp_store;
pub(crate) mod transact;
pub(crate) mod hnsw;
pub(crate) mod minhash_lsh;
#[cfg(test)]
mod tests;
