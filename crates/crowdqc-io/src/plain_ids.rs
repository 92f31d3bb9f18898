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

use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::ArrowError;
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::serialized_reader::SerializedPageReader;

/// A row group's string id column.
pub(crate) enum ChunkIds {
    /// Its distinct ids (in order of first appearance, a `Utf8` array) and the key of
    /// every row into them.
    Dict {
        /// The distinct ids.
        values: ArrayRef,
        /// Per row, the index of its id in `values`.
        keys: ScalarBuffer<i32>,
    },
    /// Every row's id (a column of mostly distinct ids in the row group: finding the
    /// distinct ones would cost more than it saves ingest).
    Plain(StringArray),
}

impl ChunkIds {
    /// Rows of the row group.
    pub fn rows(&self) -> usize {
        match self {
            ChunkIds::Dict { keys, .. } => keys.len(),
            ChunkIds::Plain(a) => a.len(),
        }
    }

    /// Distinct ids found (`None` for [`ChunkIds::Plain`]).
    pub fn distinct(&self) -> Option<usize> {
        match self {
            ChunkIds::Dict { values, .. } => Some(values.len()),
            ChunkIds::Plain(_) => None,
        }
    }

    /// Rows `row..row + n` as an array (`Dictionary(Int32, Utf8)` sharing the row
    /// group's values, or `Utf8`).
    pub fn slice(&self, row: usize, n: usize) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            ChunkIds::Dict { values, keys } => {
                let keys = Int32Array::new(keys.slice(row, n), None);
                Arc::new(DictionaryArray::<Int32Type>::try_new(
                    keys,
                    Arc::clone(values),
                )?)
            }
            ChunkIds::Plain(a) => Arc::new(a.slice(row, n)),
        })
    }
}

/// What [`decode`] makes of a column chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// [`ChunkIds::Dict`], with a table sized for this many distinct ids at first.
    Distinct(usize),
    /// [`ChunkIds::Plain`].
    Plain,
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
    mode: Mode,
) -> Option<ChunkIds> {
    if !eligible(col) {
        return None;
    }
    let def = col.column_descr().max_def_level();
    let mut pages = SerializedPageReader::new(Arc::clone(file), col, rows, None).ok()?;
    let mut sink = match mode {
        Mode::Distinct(expect) => {
            Sink::Distinct(Distinct::with_expected(expect), Vec::with_capacity(rows))
        }
        Mode::Plain => {
            let mut offsets = Vec::with_capacity(rows + 1);
            offsets.push(0i32);
            Sink::Plain(Vec::new(), offsets)
        }
    };
    let mut count = 0usize;
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
        let bytes = buf.get(skip..)?;
        count += values as usize;
        if count > rows {
            return None;
        }
        let end = match &mut sink {
            Sink::Distinct(ids, keys) => ids.keys_of(bytes, values, keys)?,
            Sink::Plain(data, offsets) => {
                data.reserve(bytes.len().saturating_sub(4 * values as usize));
                values_of(bytes, values, |s| {
                    data.extend_from_slice(s);
                    offsets.push(i32::try_from(data.len()).ok()?);
                    Some(())
                })?
            }
        };
        if end != bytes.len() {
            return None;
        }
    }
    if count != rows {
        return None;
    }
    Some(match sink {
        Sink::Distinct(ids, keys) => ChunkIds::Dict {
            values: ids.into_values()?,
            keys: ScalarBuffer::from(keys),
        },
        Sink::Plain(data, offsets) => {
            let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
            ChunkIds::Plain(StringArray::try_new(offsets, Buffer::from_vec(data), None).ok()?)
        }
    })
}

/// Where [`decode`] puts the values.
enum Sink {
    Distinct(Distinct, Vec<i32>),
    Plain(Vec<u8>, Vec<i32>),
}

/// Calls `f` on each of the `n` plain byte-array values at the start of `bytes` (a
/// little-endian `u32` length, then the bytes); the end of the last value, or `None`
/// when a value runs past the page or `f` returns `None`.
#[inline(always)]
fn values_of(bytes: &[u8], n: u32, mut f: impl FnMut(&[u8]) -> Option<()>) -> Option<usize> {
    let mut at = 0usize;
    for _ in 0..n {
        let len = bytes.get(at..at + 4)?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let s = bytes.get(at + 4..(at + 4).checked_add(len)?)?;
        at += 4 + len;
        f(s)?;
    }
    Some(at)
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
    /// A page's values (start, length) and hashes, reused from page to page.
    spans: Vec<(usize, usize)>,
    tags: Vec<u32>,
}

/// Values ahead whose table slot is prefetched.
const AHEAD: usize = 12;

/// Hints the cache to load `v[i]` (nothing when `i` is out of range).
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing the program can observe and cannot fault
        // (the address is in bounds anyway); SSE is part of the x86-64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
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
            spans: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn get(&self, k: usize) -> &[u8] {
        &self.bytes[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }

    /// Appends to `keys` the indices of the `n` plain values at the start of `bytes`
    /// (see [`values_of`]), whose end it returns: the values are hashed first, then
    /// looked up with the slot of the value [`AHEAD`] places on prefetched.
    fn keys_of(&mut self, bytes: &[u8], n: u32, keys: &mut Vec<i32>) -> Option<usize> {
        let (mut spans, mut tags) = (
            std::mem::take(&mut self.spans),
            std::mem::take(&mut self.tags),
        );
        spans.clear();
        tags.clear();
        let base = bytes.as_ptr() as usize;
        let end = values_of(bytes, n, |s| {
            spans.push((s.as_ptr() as usize - base, s.len()));
            tags.push(hash(s));
            Some(())
        })?;
        keys.reserve(spans.len());
        for (i, &(at, len)) in spans.iter().enumerate() {
            if let Some(&t) = tags.get(i + AHEAD) {
                prefetch(&self.slots, t as usize & self.mask);
            }
            keys.push(self.key(&bytes[at..at + len], tags[i])?);
        }
        self.spans = spans;
        self.tags = tags;
        Some(end)
    }

    /// The index of `s`, whose [`hash`] is `tag`, added if new; `None` once the ids
    /// exceed what an `i32` offset or key can hold.
    #[inline(always)]
    fn key(&mut self, s: &[u8], tag: u32) -> Option<i32> {
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
