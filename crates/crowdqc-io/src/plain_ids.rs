//! String id columns stored as plain pages (no dictionary page: item and worker ids of
//! many distinct values, as Arrow writers store them) decoded straight from their pages
//! into a dictionary of the row group's distinct ids and a key per row.
//!
//! The parquet crate's Arrow reader would build a string array per batch (an offset per
//! row, every row's bytes copied and checked as UTF-8), and ingest would then hash every
//! row's string into its dictionaries. Here each row's bytes are hashed where they lie
//! in the decompressed page, against a small table of the row group's distinct ids
//! (local to the decoding thread, so it stays in cache while ids recur: an item's
//! judgments lie close together, busy workers come back within a row group); only the
//! distinct ids are copied and checked as UTF-8, and ingest interns each of them once
//! per row group (the batches of a row group share the dictionary's values, which
//! ingest caches by address) instead of once per row.
//!
//! The keys number the distinct ids in order of first appearance, so the codes ingest
//! gives the rows are those of the plain strings. Anything this decoder does not handle
//! (nulls, repeated or nested columns, pages of another encoding, a malformed page,
//! ids that are not UTF-8) makes it decline the row group: it is then read by the
//! parquet crate as before, with its errors.

use std::fs::File;
use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::serialized_reader::SerializedPageReader;

/// A row group's string id column: its distinct ids (in order of first appearance) and
/// the key of every row into them.
pub(crate) struct ChunkIds {
    /// The distinct ids, as a `Utf8` array.
    pub values: ArrayRef,
    /// Per row, the index of its id in `values`.
    pub keys: ScalarBuffer<i32>,
}

/// True when column chunk `col` can be decoded here: a flat (not repeated) byte-array
/// column without a dictionary page whose values are never null (required, or
/// statistics counting no null).
pub(crate) fn eligible(col: &ColumnChunkMetaData) -> bool {
    let descr = col.column_descr();
    col.column_type() == PhysicalType::BYTE_ARRAY
        && descr.max_rep_level() == 0
        && descr.max_def_level() <= 1
        && col.dictionary_page_offset().is_none()
        && (descr.max_def_level() == 0
            || col
                .statistics()
                .and_then(|s| s.null_count_opt())
                .is_some_and(|n| n == 0))
        && col.data_page_offset() >= 0
        && col.compressed_size() >= 0
}

/// Decodes column chunk `col` (of a row group of `rows` rows, in `file`), or `None` when
/// the chunk is not one this decoder handles (see the module docs). `expect` is the
/// number of distinct ids expected (the table's first size).
pub(crate) fn decode(
    file: &Arc<File>,
    col: &ColumnChunkMetaData,
    rows: usize,
    expect: usize,
) -> Option<ChunkIds> {
    if !eligible(col) {
        return None;
    }
    let def = col.column_descr().max_def_level();
    let mut pages = SerializedPageReader::new(Arc::clone(file), col, rows, None).ok()?;
    let mut ids = Distinct::with_expected(expect);
    let mut keys: Vec<i32> = Vec::with_capacity(rows);
    while let Some(page) = pages.get_next_page().ok()? {
        let (buf, values, skip) = match &page {
            Page::DataPage {
                buf,
                num_values,
                encoding: Encoding::PLAIN,
                ..
            } => {
                // v1: the definition levels (all at the maximum: no null) come first,
                // behind their byte length
                let skip = if def > 0 {
                    let len = buf.get(..4)?;
                    4 + u32::from_le_bytes(len.try_into().ok()?) as usize
                } else {
                    0
                };
                (buf, *num_values, skip)
            }
            Page::DataPageV2 {
                buf,
                num_values,
                encoding: Encoding::PLAIN,
                num_nulls: 0,
                def_levels_byte_len,
                rep_levels_byte_len: 0,
                ..
            } => (buf, *num_values, *def_levels_byte_len as usize),
            _ => return None,
        };
        let mut at = skip;
        let bytes = buf.as_ref();
        for _ in 0..values {
            let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            let s = bytes.get(at + 4..(at + 4).checked_add(len)?)?;
            at += 4 + len;
            keys.push(ids.key(s)?);
        }
        if at != bytes.len() || keys.len() > rows {
            return None;
        }
    }
    if keys.len() != rows {
        return None;
    }
    Some(ChunkIds {
        values: ids.into_values()?,
        keys: ScalarBuffer::from(keys),
    })
}

/// The distinct byte strings of a column chunk, numbered in order of first appearance,
/// found by an open-addressing table with linear probing.
struct Distinct {
    /// `0` for an empty slot, else `tag << 32 | (index + 1)`: the id's hash tag (its
    /// slot is the tag under the mask) and its index.
    slots: Vec<u64>,
    mask: usize,
    bytes: Vec<u8>,
    /// `offsets[k]..offsets[k + 1]` is id `k` in `bytes`.
    offsets: Vec<i32>,
}

impl Distinct {
    fn with_expected(n: usize) -> Self {
        let slots = (n.max(1 << 12) * 2).next_power_of_two();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        Distinct {
            slots: vec![0; slots],
            mask: slots - 1,
            bytes: Vec::with_capacity(n * 8),
            offsets,
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn get(&self, k: usize) -> &[u8] {
        &self.bytes[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }

    /// The index of `s`, added if new; `None` once the ids exceed what an `i32` offset
    /// or key can hold.
    #[inline]
    fn key(&mut self, s: &[u8]) -> Option<i32> {
        let tag = hash(s);
        let mut pos = tag as usize & self.mask;
        loop {
            let e = self.slots[pos];
            if e == 0 {
                break;
            }
            if (e >> 32) as u32 == tag {
                let k = (e & 0xFFFF_FFFF) as usize - 1;
                if same(self.get(k), s) {
                    return Some(k as i32);
                }
            }
            pos = (pos + 1) & self.mask;
        }
        let k = self.len();
        let end = i32::try_from(self.bytes.len() + s.len()).ok()?;
        let key = i32::try_from(k).ok()?;
        self.bytes.extend_from_slice(s);
        self.offsets.push(end);
        self.slots[pos] = (u64::from(tag) << 32) | (k as u64 + 1);
        if (k + 1) * 2 > self.slots.len() {
            self.grow();
        }
        Some(key)
    }

    /// Doubles the table (at half load), placing the entries by their tags.
    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        let mask = n - 1;
        let mut slots = vec![0u64; n];
        for &e in &self.slots {
            if e == 0 {
                continue;
            }
            let mut pos = (e >> 32) as usize & mask;
            while slots[pos] != 0 {
                pos = (pos + 1) & mask;
            }
            slots[pos] = e;
        }
        self.slots = slots;
        self.mask = mask;
    }

    /// The ids as a string array (`None` when one is not UTF-8).
    fn into_values(self) -> Option<ArrayRef> {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        let values = StringArray::try_new(offsets, Buffer::from_vec(self.bytes), None).ok()?;
        Some(Arc::new(values))
    }
}

/// `a == b`, with strings of up to 16 bytes compared by two overlapping word loads each.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

#[inline(always)]
fn word8(x: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&x[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn word4(x: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&x[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// The product of `a` and `b` folded to 64 bits (high half xor low half).
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

const K0: u64 = 0x9E37_79B9_7F4A_7C15;
const K1: u64 = 0xC2B2_AE3D_27D4_EB4F;
const K2: u64 = 0x1656_67B1_9E37_79F9;

/// A 32-bit hash of `s` (short ids: a word or two loads and one multiplication).
#[inline(always)]
fn hash(s: &[u8]) -> u32 {
    let n = s.len();
    let (a, b) = match n {
        0 => (0, 0),
        1..=3 => {
            let v = u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16;
            (v, 0)
        }
        4..=7 => (word4(s, 0), word4(s, n - 4)),
        8..=16 => (word8(s, 0), word8(s, n - 8)),
        _ => {
            let mut acc = K2;
            let mut at = 0;
            while at + 16 <= n {
                acc = fold(acc ^ word8(s, at), K0 ^ word8(s, at + 8));
                at += 16;
            }
            (acc ^ word8(s, n - 16), word8(s, n - 8))
        }
    };
    let h = fold(a ^ K0, b ^ K1 ^ (n as u64).rotate_left(32));
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
#[path = "plain_ids_tests.rs"]
mod tests;
