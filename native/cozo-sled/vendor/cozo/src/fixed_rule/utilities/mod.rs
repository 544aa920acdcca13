/*
 * Copyright 2022, The Cozo Project Authors.
 *
 * This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.
 * If a copy of the MPL was not distributed with this file,
 * You can obtain one at https://mozilla.org/MPL/2.0/.
 */

pub(crate) mod constant;
pub(crate) mod csv;
pub(crate) mod jlines;
pub(crate) mod reorder_sort;

pub(crate) use self::csv::CsvReader;
pub(crate) use constant::Constant;
pub(crate) use jlines::JsonReader;
pub(crate) use reorder_sort::ReorderSort;
