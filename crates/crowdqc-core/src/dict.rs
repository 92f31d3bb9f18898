//! Dictionaries that map external ids (strings or integers) to dense `u32` codes.
//!
//! Codes are assigned in order of first appearance, so they do not depend on the
//! hash function. String ids are stored in one contiguous arena (no allocation per
//! id) and looked up through a hash table of codes.

use std::fmt;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, StringArray};

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};
use std::hash::BuildHasher;

/// A borrowed external id or label: an integer or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdRef<'a> {
    /// An integer id (from an integer Arrow column).
    Int(i64),
    /// A string id.
    Str(&'a str),
}

impl fmt::Display for IdRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdRef::Int(v) => write!(f, "{v}"),
            IdRef::Str(s) => f.write_str(s),
        }
    }
}

impl IdRef<'_> {
    /// The id as an owned string (integers in decimal).
    pub fn to_string_lossless(&self) -> String {
        self.to_string()
    }

    /// The id as a number, when it is an integer or a string that parses as `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            IdRef::Int(v) => Some(*v as f64),
            IdRef::Str(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        }
    }
}

/// An owned external id or label: an integer or a string. Serializes as a JSON number
/// or string, so ids keep their input type in reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum Id {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(String),
}

impl Id {
    /// The borrowed form.
    pub fn as_ref(&self) -> IdRef<'_> {
        match self {
            Id::Int(v) => IdRef::Int(*v),
            Id::Str(s) => IdRef::Str(s),
        }
    }
}

impl From<IdRef<'_>> for Id {
    fn from(id: IdRef<'_>) -> Self {
        match id {
            IdRef::Int(v) => Id::Int(v),
            IdRef::Str(s) => Id::Str(s.to_string()),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl Id {
    /// An Arrow column of ids that keeps their input type: `Int64` when every id is an
    /// integer, `Utf8` otherwise (integers then in decimal).
    pub fn column<'a>(ids: impl Iterator<Item = &'a Id> + Clone) -> ArrayRef {
        let all_int: Option<Vec<i64>> = ids
            .clone()
            .map(|i| match i {
                Id::Int(v) => Some(*v),
                Id::Str(_) => None,
            })
            .collect();
        match all_int {
            Some(v) => Arc::new(Int64Array::from(v)),
            None => Arc::new(StringArray::from_iter_values(ids.map(Id::to_string))),
        }
    }
}

/// Which kind of values a dictionary holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// All ids are integers.
    Int,
    /// Ids are strings (integers seen before the first string were converted).
    Str,
}

#[derive(Clone, Default)]
struct StrStore {
    arena: String,
    /// `offsets[i]..offsets[i + 1]` is id `i` in `arena`; `offsets.len() == len + 1`.
    offsets: Vec<usize>,
    /// Hash table of codes; `None` while the ids arrived in strictly increasing order
    /// (then lookups binary-search the arena, and no table is held).
    table: Option<HashTable<u32>>,
    /// With `store`: `hashes[c]` is the 32-bit hash ([`StrStore::short_hash`]) of id
    /// `c`, kept while ids are added to the table so that growing it does not hash the
    /// strings again (a random access into the arena per id). Otherwise empty, and
    /// growth hashes the strings.
    hashes: Vec<u32>,
    store: bool,
    /// Ids the table is sized for when it is built (see
    /// [`IdDictionary::set_capacity_hint`]).
    hint: usize,
    hasher: DefaultHashBuilder,
}

/// A dictionary keeps per-id hashes for at most this many ids (16 MiB), then frees
/// them: memory stays that of a dictionary without them, up to this bound.
const MAX_STORED_HASHES: usize = 1 << 22;

/// The table's 64-bit hash of a 32-bit string hash: an odd multiplier spreads its bits
/// over the whole word (hashbrown takes the bucket from the low bits and its filter
/// byte from the top 7).
#[inline]
fn widen(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl StrStore {
    fn get(&self, code: u32) -> &str {
        let i = code as usize;
        &self.arena[self.offsets[i]..self.offsets[i + 1]]
    }

    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The 32-bit hash of `s` (upper half of the hasher's 64 bits), stored per id.
    #[inline]
    fn short_hash(&self, s: &str) -> u32 {
        (self.hasher.hash_one(s) >> 32) as u32
    }

    /// The table's hash of `s`.
    #[inline]
    fn table_hash(&self, s: &str) -> u64 {
        widen(self.short_hash(s))
    }

    /// Frees the stored hashes and stores no more (the table stays; growing it later
    /// hashes the strings).
    fn drop_hashes(&mut self) {
        self.hashes = Vec::new();
        self.store = false;
    }

    fn lookup(&self, s: &str) -> Option<u32> {
        let Some(table) = &self.table else {
            // sorted: binary search
            let (mut lo, mut hi) = (0usize, self.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                match self.get(mid as u32).cmp(s) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => return Some(mid as u32),
                }
            }
            return None;
        };
        let hash = self.table_hash(s);
        let (arena, offsets) = (&self.arena, &self.offsets);
        table
            .find(hash, |&c| {
                &arena[offsets[c as usize]..offsets[c as usize + 1]] == s
            })
            .copied()
    }

    /// Builds the hash table of every id held (when the ids stop being sorted).
    fn build_table(&mut self) {
        let n = self.len();
        let mut table = HashTable::with_capacity(n.max(self.hint));
        let mut hashes = Vec::with_capacity(n);
        for c in 0..n as u32 {
            hashes.push(self.short_hash(self.get(c)));
        }
        for (c, &h) in hashes.iter().enumerate() {
            table.insert_unique(widen(h), c as u32, |&c| widen(hashes[c as usize]));
        }
        self.table = Some(table);
        if self.store && n < MAX_STORED_HASHES {
            self.hashes = hashes;
        } else {
            self.store = false;
        }
    }

    fn push(&mut self, s: &str) -> u32 {
        let code = (self.offsets.len() - 1) as u32;
        self.arena.push_str(s);
        self.offsets.push(self.arena.len());
        code
    }

    fn intern(&mut self, s: &str) -> u32 {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        if self.table.is_none() {
            let n = self.len();
            match n.checked_sub(1).map(|last| self.get(last as u32).cmp(s)) {
                None | Some(std::cmp::Ordering::Less) => return self.push(s),
                Some(std::cmp::Ordering::Equal) => return (n - 1) as u32,
                Some(std::cmp::Ordering::Greater) => self.build_table(),
            }
        }
        let hash = self.short_hash(s);
        self.intern_hashed(s, hash)
    }

    /// Interns `s` whose [`short_hash`](Self::short_hash) is `hash`; the table exists.
    fn intern_hashed(&mut self, s: &str, hash: u32) -> u32 {
        let StrStore {
            arena,
            offsets,
            table,
            hashes,
            store,
            hasher,
            ..
        } = self;
        let Some(table) = table.as_mut() else {
            unreachable!("only called once the table is built");
        };
        let get = |c: u32| &arena[offsets[c as usize]..offsets[c as usize + 1]];
        let found = table.find(widen(hash), |&c| get(c) == s);
        if let Some(&c) = found {
            return c;
        }
        let code = (offsets.len() - 1) as u32;
        // stored hashes cover every id, or none: keep it so
        let mut stored = *store && hashes.len() == code as usize;
        if stored && hashes.len() >= MAX_STORED_HASHES {
            // large dictionaries (20M items at 1e8) would add 4 bytes per id to the
            // peak of the read: from here on, growth hashes the strings
            *hashes = Vec::new();
            *store = false;
            stored = false;
        }
        if stored {
            hashes.push(hash);
        }
        arena.push_str(s);
        offsets.push(arena.len());
        let (arena, offsets) = (&*arena, &*offsets);
        if stored {
            table.insert_unique(widen(hash), code, |&c| widen(hashes[c as usize]));
        } else {
            table.insert_unique(widen(hash), code, |&c| {
                let s = &arena[offsets[c as usize]..offsets[c as usize + 1]];
                widen((hasher.hash_one(s) >> 32) as u32)
            });
        }
        code
    }

    fn heap_bytes(&self) -> usize {
        self.arena.capacity()
            + self.offsets.capacity() * 8
            + self.hashes.capacity() * 4
            + self.table.as_ref().map_or(0, |t| t.capacity() * 5)
    }
}

/// Batches of at least this many ids are interned in bucket order
/// ([`IdDictionary::intern_strs`]).
const BATCH_MIN: usize = 4096;

/// Integer ids below this are also cached in a direct table (labels 0..K, small ids).
const SMALL_INTS: usize = 256;

#[derive(Clone)]
enum Repr {
    Int {
        values: Vec<i64>,
        /// `None` while the ids arrived in strictly increasing order (then lookups
        /// binary-search `values`).
        index: Option<HashMap<i64, u32>>,
        /// `small[v]` = code of `v` for `0 <= v < SMALL_INTS`, `u32::MAX` when absent
        /// (empty until the first small id).
        small: Vec<u32>,
    },
    Str(StrStore),
}

/// A dictionary of external ids: dense `u32` codes in order of first appearance.
///
/// Holds integers while every id seen is an integer; the first string id converts the
/// dictionary to strings (integers become their decimal form, codes unchanged).
///
/// Strings live in one arena with an offset per id. While the ids arrive in strictly
/// increasing order (input sorted by id, as many dumps are) no hash table is kept:
/// a new id is compared with the last one only, and lookups binary-search. The first id
/// out of order builds the table once; from then on ids are hashed.
#[derive(Clone)]
pub struct IdDictionary {
    repr: Repr,
    /// Keep each string id's hash (see [`IdDictionary::with_stored_hashes`]).
    store_hashes: bool,
    /// Size the hash table for this many ids when it is built.
    hint: usize,
}

impl fmt::Debug for IdDictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdDictionary")
            .field("kind", &self.kind())
            .field("len", &self.len())
            .finish()
    }
}

impl Default for IdDictionary {
    fn default() -> Self {
        Self::new()
    }
}

impl IdDictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        IdDictionary {
            repr: Repr::Int {
                values: Vec::new(),
                index: None,
                small: Vec::new(),
            },
            store_hashes: false,
            hint: 0,
        }
    }

    /// An empty dictionary that keeps a 32-bit hash per string id (4 bytes per id, for
    /// the first 2^22 ids; past that it frees them) so that growing its hash table does
    /// not hash the strings again (a random access into the id storage per id), until
    /// [`drop_hashes`](Self::drop_hashes) or [`shrink_to_fit`](Self::shrink_to_fit);
    /// for dictionaries while they are built
    /// (the builder's, freed by its `finish`, and the part dictionaries of a parallel
    /// read). Codes and lookups are those of [`new`](Self::new).
    pub fn with_stored_hashes() -> Self {
        IdDictionary {
            store_hashes: true,
            ..Self::new()
        }
    }

    /// Sizes the string hash table, when it is first built, for `n` ids (a dictionary
    /// expected to grow to about `n` ids, such as a part's items after a part of the
    /// same size, then does not rebuild its table as it grows). Codes and lookups are
    /// unchanged.
    pub(crate) fn set_capacity_hint(&mut self, n: usize) {
        self.hint = n;
        if let Repr::Str(st) = &mut self.repr {
            st.hint = n;
        }
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Int { values, .. } => values.len(),
            Repr::Str(s) => s.len(),
        }
    }

    /// True when no id has been added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ids are integers or strings.
    pub fn kind(&self) -> IdKind {
        match &self.repr {
            Repr::Int { .. } => IdKind::Int,
            Repr::Str(_) => IdKind::Str,
        }
    }

    /// The id with code `code`.
    ///
    /// # Panics
    /// If `code >= self.len()`.
    pub fn get(&self, code: u32) -> IdRef<'_> {
        match &self.repr {
            Repr::Int { values, .. } => IdRef::Int(values[code as usize]),
            Repr::Str(s) => IdRef::Str(s.get(code)),
        }
    }

    /// Iterates ids in code order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = IdRef<'_>> + '_ {
        (0..self.len() as u32).map(move |c| self.get(c))
    }

    /// The code of an id, if present. Integer and string forms match each other
    /// (`Int(7)` finds `"7"` and vice versa).
    pub fn lookup(&self, id: IdRef<'_>) -> Option<u32> {
        let find = |values: &[i64], index: &Option<HashMap<i64, u32>>, v: i64| match index {
            Some(index) => index.get(&v).copied(),
            None => values.binary_search(&v).ok().map(|c| c as u32),
        };
        match (&self.repr, id) {
            (Repr::Int { values, index, .. }, IdRef::Int(v)) => find(values, index, v),
            (Repr::Int { values, index, .. }, IdRef::Str(s)) => {
                let v: i64 = s.parse().ok()?;
                // only the canonical decimal form matches
                (v.to_string() == s)
                    .then(|| find(values, index, v))
                    .flatten()
            }
            (Repr::Str(st), IdRef::Str(s)) => st.lookup(s),
            (Repr::Str(st), IdRef::Int(v)) => st.lookup(&v.to_string()),
        }
    }

    /// Adds an integer id (if new) and returns its code.
    pub fn intern_int(&mut self, v: i64) -> u32 {
        match &mut self.repr {
            Repr::Int {
                values,
                index,
                small,
            } => {
                let slot = usize::try_from(v).ok().filter(|&s| s < SMALL_INTS);
                if let Some(s) = slot
                    && let Some(&c) = small.get(s)
                    && c != u32::MAX
                {
                    return c;
                }
                if index.is_none() {
                    match values.last() {
                        Some(&last) if last == v => {
                            return (values.len() - 1) as u32;
                        }
                        Some(&last) if last > v => {
                            let mut map = HashMap::with_capacity(values.len());
                            for (c, &x) in values.iter().enumerate() {
                                map.insert(x, c as u32);
                            }
                            *index = Some(map);
                        }
                        _ => {}
                    }
                }
                let code = match index {
                    Some(index) => *index.entry(v).or_insert_with(|| {
                        values.push(v);
                        (values.len() - 1) as u32
                    }),
                    None => {
                        values.push(v);
                        (values.len() - 1) as u32
                    }
                };
                if let Some(s) = slot {
                    if small.is_empty() {
                        small.resize(SMALL_INTS, u32::MAX);
                    }
                    small[s] = code;
                }
                code
            }
            Repr::Str(st) => {
                let mut buf = itoa_buf(v);
                st.intern(buf.as_str_mut())
            }
        }
    }

    /// Adds a string id (if new) and returns its code. Converts an integer dictionary
    /// to strings first.
    pub fn intern_str(&mut self, s: &str) -> u32 {
        if let Repr::Int { .. } = self.repr {
            self.convert_to_str();
        }
        match &mut self.repr {
            Repr::Str(st) => st.intern(s),
            Repr::Int { .. } => unreachable!("converted above"),
        }
    }

    /// Adds an id of either kind.
    pub fn intern(&mut self, id: IdRef<'_>) -> u32 {
        match id {
            IdRef::Int(v) => self.intern_int(v),
            IdRef::Str(s) => self.intern_str(s),
        }
    }

    /// Converts to a string dictionary, keeping codes.
    pub fn convert_to_str(&mut self) {
        if let Repr::Int { values, .. } = &self.repr {
            let mut st = StrStore {
                store: self.store_hashes,
                hint: self.hint,
                ..StrStore::default()
            };
            for v in values {
                st.intern(&v.to_string());
            }
            self.repr = Repr::Str(st);
        }
    }

    /// For a string dictionary that hashes (its table is built): the hash of `s`, for
    /// [`intern_str_hashed`](Self::intern_str_hashed) and caches in front of the table.
    pub(crate) fn str_hash(&self, s: &str) -> Option<u32> {
        match &self.repr {
            Repr::Str(st) if st.table.is_some() => Some(st.short_hash(s)),
            _ => None,
        }
    }

    /// The string id with code `code` of a string dictionary.
    pub(crate) fn str_at(&self, code: u32) -> Option<&str> {
        match &self.repr {
            Repr::Str(st) => Some(st.get(code)),
            Repr::Int { .. } => None,
        }
    }

    /// [`intern_str`](Self::intern_str) with the hash from [`str_hash`](Self::str_hash).
    pub(crate) fn intern_str_hashed(&mut self, s: &str, hash: u32) -> u32 {
        if let Repr::Str(st) = &mut self.repr
            && st.table.is_some()
        {
            return st.intern_hashed(s, hash);
        }
        self.intern_str(s)
    }

    /// Interns the ids of `src` from code `from` on, in code order, appending their
    /// codes to `out`: the codes of [`intern`](Self::intern) one by one.
    pub(crate) fn intern_from(&mut self, src: &IdDictionary, from: usize, out: &mut Vec<u32>) {
        let n = src.len().saturating_sub(from);
        out.reserve(n);
        if let Repr::Str(s) = &src.repr
            && n >= BATCH_MIN
        {
            let ids: Vec<&str> = (from..src.len()).map(|c| s.get(c as u32)).collect();
            self.intern_strs(&ids, out);
            return;
        }
        for c in from..src.len() {
            out.push(self.intern(src.get(c as u32)));
        }
    }

    /// Interns the strings `ids` in order, appending their codes to `out`: the codes of
    /// [`intern_str`](Self::intern_str) one by one; large batches into a hashed
    /// dictionary probe its table in bucket order (one sweep through it).
    pub(crate) fn intern_strs(&mut self, ids: &[&str], out: &mut Vec<u32>) {
        if let Repr::Str(st) = &mut self.repr
            && st.table.is_some()
            && ids.len() >= BATCH_MIN
        {
            st.intern_many(ids, out);
            return;
        }
        out.extend(ids.iter().map(|s| self.intern_str(s)));
    }

    /// Approximate heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Int {
                values,
                index,
                small,
            } => {
                values.capacity() * 8
                    + index.as_ref().map_or(0, |i| i.capacity() * 17)
                    + small.capacity() * 4
            }
            Repr::Str(s) => s.heap_bytes(),
        }
    }

    /// True when no hash table is held: the ids were added in strictly increasing
    /// order, and lookups binary-search.
    pub fn is_sorted(&self) -> bool {
        match &self.repr {
            Repr::Int { index, .. } => index.is_none(),
            Repr::Str(s) => s.table.is_none(),
        }
    }

    /// Releases spare capacity of the id storage (after the last id was added), and
    /// the per-id hashes kept to grow the table.
    pub fn shrink_to_fit(&mut self) {
        match &mut self.repr {
            Repr::Int { values, .. } => values.shrink_to_fit(),
            Repr::Str(s) => {
                s.arena.shrink_to_fit();
                s.offsets.shrink_to_fit();
                s.drop_hashes();
            }
        }
    }

    /// Frees the per-id hashes a string dictionary keeps while ids are added (4 bytes
    /// per id; without them, growing the table hashes the strings again). Codes and
    /// lookups are unchanged.
    pub fn drop_hashes(&mut self) {
        self.store_hashes = false;
        if let Repr::Str(s) = &mut self.repr {
            s.drop_hashes();
        }
    }
}

/// Small stack buffer formatting of an integer (no allocation per id).
struct ItoaBuf {
    buf: [u8; 24],
    start: usize,
}

impl ItoaBuf {
    fn as_str_mut(&mut self) -> &str {
        // Only ASCII digits and '-' were written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("")
    }
}

fn itoa_buf(v: i64) -> ItoaBuf {
    let mut buf = [0u8; 24];
    let mut i = buf.len();
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    ItoaBuf { buf, start: i }
}

#[path = "dict_batch.rs"]
mod batch;

#[cfg(test)]
#[path = "dict_tests.rs"]
mod tests;
