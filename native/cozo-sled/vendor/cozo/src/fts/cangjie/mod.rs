/*
 * Code under this module is adapted from the Cang-jie project
 * https://github.com/DCjanus/cang-jie
 * All code here are licensed under the MIT license, as in the original project.
 */

pub(crate) mod options;
pub(crate) mod stream;
pub(crate) mod tokenizer;
