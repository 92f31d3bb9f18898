//! Globally sorted id dictionaries: codes that do not depend on the partitioning.
//!
//! Every shard lists its sorted unique ids ([`ShardIds`]); the driver merges the lists
//! ([`GlobalIds::merge`]) and sends the worker and label lists back; each shard then
//! codes its judgments by rank in those lists ([`Shard`](super::Shard)). A worker's code
//! is its rank among all workers, whichever shard saw it first.
//!
//! **Order.** Integer ids sort numerically; string ids lexicographically (byte order);
//! when some shard has string ids, integer ids are compared as their decimal strings
//! (as [`IdDictionary`] converts them). Labels ([`IdSort::Labels`]) follow the class
//! order of a [`JudgmentMatrix`](crowdqc_core::JudgmentMatrix) without declared
//! classes: numeric for integers and for strings that all parse as numbers (ties by
//! string), otherwise lexicographic — so class codes equal a single-machine matrix's.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crowdqc_core::columns::{IdColumn, Role, resolve};
use crowdqc_core::{ColumnMap, Error, IdDictionary, IdKind, IdRef, Result};

/// How a [`SortedIds`] orders its ids (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSort {
    /// Items and workers: numeric for integers, lexicographic for strings.
    Ids,
    /// Labels: as a matrix's sorted class order (numeric strings by value).
    Labels,
}

#[derive(Debug, Clone, PartialEq)]
enum Values {
    Int(Vec<i64>),
    Str(Vec<String>),
}

/// Sorted unique ids (integers or strings) in the order of an [`IdSort`]; an id's code
/// is its rank.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedIds {
    values: Values,
    sort: IdSort,
    /// Labels only: every string parses as a finite number (sorted by value).
    numeric: Option<Vec<f64>>,
}

fn cmp_str(a: &str, b: &str, num: Option<(f64, f64)>) -> Ordering {
    match num {
        Some((x, y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        None => a.cmp(b),
    }
}

impl SortedIds {
    /// Sorts and deduplicates `ids`.
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = IdRef<'a>>, sort: IdSort) -> Self {
        let ids = ids.into_iter();
        // sized from the iterator, so a dictionary's ids are not copied into a vector
        // grown by doubling (up to twice their size while it grows)
        let (mut ints, mut strs) = (Vec::new(), Vec::new());
        let mut ids = ids.peekable();
        let n = match ids.size_hint() {
            (n, Some(m)) if n == m => n,
            _ => 0,
        };
        match ids.peek() {
            Some(IdRef::Str(_)) => strs.reserve_exact(n),
            Some(IdRef::Int(_)) => ints.reserve_exact(n),
            None => {}
        }
        for id in ids {
            match id {
                IdRef::Int(v) => ints.push(v),
                IdRef::Str(s) => strs.push(s.to_string()),
            }
        }
        Self::build(ints, strs, sort)
    }

    fn build(mut ints: Vec<i64>, mut strs: Vec<String>, sort: IdSort) -> Self {
        if strs.is_empty() {
            ints.sort_unstable();
            ints.dedup();
            return SortedIds {
                values: Values::Int(ints),
                sort,
                numeric: None,
            };
        }
        strs.extend(ints.iter().map(|v| v.to_string()));
        strs.sort_unstable();
        strs.dedup();
        let numeric = (sort == IdSort::Labels)
            .then(|| {
                strs.iter()
                    .map(|s| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
                    .collect::<Option<Vec<f64>>>()
            })
            .flatten();
        match numeric {
            Some(vals) => {
                let mut pairs: Vec<(f64, String)> = vals.into_iter().zip(strs).collect();
                pairs.sort_by(|a, b| cmp_str(&a.1, &b.1, Some((a.0, b.0))));
                let (vals, strs) = pairs.into_iter().unzip();
                SortedIds {
                    values: Values::Str(strs),
                    sort,
                    numeric: Some(vals),
                }
            }
            None => SortedIds {
                values: Values::Str(strs),
                sort,
                numeric: None,
            },
        }
    }

    /// The union of several sets (same [`IdSort`]), sorted and deduplicated.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the sets were built with different orders.
    pub fn merge(sets: &[&SortedIds]) -> Result<SortedIds> {
        let sort = sets.first().map_or(IdSort::Ids, |s| s.sort);
        if sets.iter().any(|s| s.sort != sort) {
            return Err(Error::param(
                "ids",
                "cannot merge id sets sorted for items/workers with label sets",
            ));
        }
        let (mut ints, mut strs) = (Vec::new(), Vec::new());
        for s in sets {
            match &s.values {
                Values::Int(v) => ints.extend_from_slice(v),
                Values::Str(v) => strs.extend(v.iter().cloned()),
            }
        }
        Ok(Self::build(ints, strs, sort))
    }

    /// Heap bytes held (the ids, and the numeric values of numeric labels).
    pub fn heap_bytes(&self) -> usize {
        let ids = match &self.values {
            Values::Int(v) => v.capacity() * 8,
            Values::Str(v) => {
                v.capacity() * std::mem::size_of::<String>()
                    + v.iter().map(String::capacity).sum::<usize>()
            }
        };
        ids + self.numeric.as_ref().map_or(0, |v| v.capacity() * 8)
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::Int(v) => v.len(),
            Values::Str(v) => v.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The order of the set.
    pub fn sort(&self) -> IdSort {
        self.sort
    }

    /// Whether the ids are integers or strings.
    pub fn kind(&self) -> IdKind {
        match &self.values {
            Values::Int(_) => IdKind::Int,
            Values::Str(_) => IdKind::Str,
        }
    }

    /// The id of rank `code`.
    ///
    /// # Panics
    /// When `code >= len()`.
    pub fn get(&self, code: usize) -> IdRef<'_> {
        match &self.values {
            Values::Int(v) => IdRef::Int(v[code]),
            Values::Str(v) => IdRef::Str(&v[code]),
        }
    }

    /// Iterates the ids in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = IdRef<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Compares ids `a` of `self` and `b` of `other` (same kind and order).
    fn cmp_across(&self, a: usize, other: &SortedIds, b: usize) -> Ordering {
        match (&self.values, &other.values) {
            (Values::Int(x), Values::Int(y)) => x[a].cmp(&y[b]),
            (Values::Str(x), Values::Str(y)) => {
                let num = self
                    .numeric
                    .as_ref()
                    .zip(other.numeric.as_ref())
                    .map(|(p, q)| (p[a], q[b]));
                cmp_str(&x[a], &y[b], num)
            }
            (Values::Int(x), Values::Str(y)) => x[a].to_string().as_str().cmp(y[b].as_str()),
            (Values::Str(x), Values::Int(y)) => x[a].as_str().cmp(y[b].to_string().as_str()),
        }
    }

    /// The rank of `id`, if present (`Int(7)` finds `"7"` in a string set).
    pub fn code_of(&self, id: IdRef<'_>) -> Option<u32> {
        let r = match (&self.values, id) {
            (Values::Int(v), IdRef::Int(x)) => v.binary_search(&x).ok(),
            (Values::Int(v), IdRef::Str(s)) => {
                let x: i64 = s.parse().ok()?;
                (x.to_string() == s).then(|| v.binary_search(&x).ok())?
            }
            (Values::Str(v), id) => {
                let s = match id {
                    IdRef::Int(x) => x.to_string(),
                    IdRef::Str(s) => s.to_string(),
                };
                match &self.numeric {
                    Some(nums) => {
                        let x = s.trim().parse::<f64>().ok()?;
                        let (mut lo, mut hi) = (0, v.len());
                        let mut found = None;
                        while lo < hi {
                            let mid = (lo + hi) / 2;
                            match cmp_str(&v[mid], &s, Some((nums[mid], x))) {
                                Ordering::Less => lo = mid + 1,
                                Ordering::Greater => hi = mid,
                                Ordering::Equal => {
                                    found = Some(mid);
                                    break;
                                }
                            }
                        }
                        found
                    }
                    None => v.binary_search_by(|p| p.as_str().cmp(&s)).ok(),
                }
            }
        };
        r.map(|i| i as u32)
    }

    /// The ids as an Arrow column: `Int64` for integers, `Utf8` for strings.
    pub fn to_array(&self) -> ArrayRef {
        match &self.values {
            Values::Int(v) => Arc::new(Int64Array::from(v.clone())),
            Values::Str(v) => Arc::new(StringArray::from_iter_values(v.iter())),
        }
    }

    /// Reads ids from an Arrow column (any id type the column layer accepts) and sorts
    /// them (a list made by [`to_array`](Self::to_array) comes back unchanged).
    ///
    /// # Errors
    /// The column layer's errors (unsupported type, null id) naming `name`.
    pub fn from_array(arr: &ArrayRef, name: &str, sort: IdSort) -> Result<SortedIds> {
        let col = IdColumn::new(arr, name, 0)?;
        let mut ids = Vec::with_capacity(col.len());
        for i in 0..col.len() {
            ids.push(col.get(i)?);
        }
        Ok(Self::from_ids(ids, sort))
    }
}

impl SortedIds {
    /// Writes the ids of codes `range` (a tag, the count, then `i64`s or `u32` lengths
    /// and bytes).
    pub(crate) fn write_range_to(
        &self,
        range: std::ops::Range<usize>,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match &self.values {
            Values::Int(v) => {
                let v = &v[range];
                w.write_all(&[1])?;
                w.write_all(&(v.len() as u64).to_le_bytes())?;
                let mut buf = Vec::with_capacity(v.len() * 8);
                for x in v {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
                w.write_all(&buf)
            }
            Values::Str(v) => {
                let v = &v[range];
                w.write_all(&[2])?;
                w.write_all(&(v.len() as u64).to_le_bytes())?;
                let mut buf = Vec::with_capacity(v.len() * 4);
                for s in v {
                    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
                }
                w.write_all(&buf)?;
                for s in v {
                    w.write_all(s.as_bytes())?;
                }
                Ok(())
            }
        }
    }

    /// Reads ids written by [`write_to`](Self::write_to) (already sorted, by `sort`).
    pub(crate) fn read_from(r: &mut dyn std::io::Read, sort: IdSort) -> std::io::Result<Self> {
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag)?;
        let mut n = [0u8; 8];
        r.read_exact(&mut n)?;
        let n = usize::try_from(u64::from_le_bytes(n)).map_err(|_| bad("id count"))?;
        let values = match tag[0] {
            1 => {
                let mut buf = vec![0u8; n.checked_mul(8).ok_or_else(|| bad("id count"))?];
                r.read_exact(&mut buf)?;
                Values::Int(
                    buf.chunks_exact(8)
                        .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                        .collect(),
                )
            }
            2 => {
                let mut buf = vec![0u8; n.checked_mul(4).ok_or_else(|| bad("id count"))?];
                r.read_exact(&mut buf)?;
                let lens: Vec<usize> = buf
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
                    .collect();
                let total: usize = lens.iter().sum();
                let mut bytes = vec![0u8; total];
                r.read_exact(&mut bytes)?;
                let mut out = Vec::with_capacity(n);
                let mut at = 0;
                for l in lens {
                    let s = std::str::from_utf8(&bytes[at..at + l]).map_err(|_| bad("utf-8"))?;
                    out.push(s.to_string());
                    at += l;
                }
                Values::Str(out)
            }
            _ => return Err(bad("unknown id tag")),
        };
        Ok(SortedIds {
            values,
            sort,
            numeric: None,
        })
    }
}

/// One shard's sorted unique items, workers and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardIds {
    /// The shard's items.
    pub items: SortedIds,
    /// The shard's workers.
    pub workers: SortedIds,
    /// The shard's labels ([`IdSort::Labels`]).
    pub labels: SortedIds,
}

/// The three id columns of a batch, resolved with the column layer.
pub(crate) fn id_columns<'a>(
    b: &'a RecordBatch,
    map: &ColumnMap,
    first_row: u64,
) -> Result<[IdColumn<'a>; 3]> {
    let s = b.schema();
    let col = |role: Role| -> Result<IdColumn<'a>> {
        let i = resolve(&s, role, role.mapped(map))?;
        IdColumn::new(b.column(i), s.field(i).name(), first_row)
    };
    Ok([col(Role::Item)?, col(Role::Worker)?, col(Role::Label)?])
}

impl ShardIds {
    /// Collects the ids of a shard's judgment batches (columns `item`, `worker`,
    /// `label` or their aliases, or the names of `map`).
    ///
    /// # Errors
    /// A missing column, an unsupported column type or a null id, naming the column
    /// and the row (counted across the batches).
    pub fn from_batches(batches: &[RecordBatch], map: &ColumnMap) -> Result<ShardIds> {
        let mut dicts = [
            IdDictionary::new(),
            IdDictionary::new(),
            IdDictionary::new(),
        ];
        let mut row = 0u64;
        for b in batches {
            let cols = id_columns(b, map, row)?;
            for (d, c) in dicts.iter_mut().zip(&cols) {
                for i in 0..c.len() {
                    d.intern(c.get(i)?);
                }
            }
            row += b.num_rows() as u64;
        }
        let [items, workers, labels] = dicts;
        Ok(ShardIds {
            items: SortedIds::from_ids(items.iter(), IdSort::Ids),
            workers: SortedIds::from_ids(workers.iter(), IdSort::Ids),
            labels: SortedIds::from_ids(labels.iter(), IdSort::Labels),
        })
    }
}

/// The global worker and label dictionaries every shard codes its judgments with.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalIds {
    /// All workers, sorted.
    pub workers: SortedIds,
    /// All labels, in class order.
    pub labels: SortedIds,
    /// Number of items over all shards.
    pub n_items: usize,
}

impl GlobalIds {
    /// Merges the shards' ids and checks that the data are partitioned by item.
    ///
    /// # Errors
    /// [`Error::Conflict`] naming the first item (in sorted order) that two shards
    /// hold, and the two shards (their positions in `shards`): every judgment of an
    /// item must be in one shard (partition by a hash of the item id).
    pub fn merge(shards: &[&ShardIds]) -> Result<GlobalIds> {
        let items: Vec<&SortedIds> = shards.iter().map(|s| &s.items).collect();
        let n_items = check_partitioned(&items)?;
        let workers: Vec<&SortedIds> = shards.iter().map(|s| &s.workers).collect();
        let labels: Vec<&SortedIds> = shards.iter().map(|s| &s.labels).collect();
        Ok(GlobalIds {
            workers: SortedIds::merge(&workers)?,
            labels: SortedIds::merge(&labels)?,
            n_items,
        })
    }
}

struct Head<'a> {
    set: &'a SortedIds,
    shard: usize,
    pos: usize,
}

impl PartialEq for Head<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Head<'_> {}
impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head<'_> {
    /// Reversed: the heap pops the smallest id (then the lowest shard).
    fn cmp(&self, o: &Self) -> Ordering {
        o.set
            .cmp_across(o.pos, self.set, self.pos)
            .then(o.shard.cmp(&self.shard))
    }
}

/// Checks that no item id is in two shards' item sets; returns the number of items.
///
/// # Errors
/// [`Error::Conflict`] naming the first shared item (in sorted order) and the two
/// shards (positions in `items`).
pub fn check_partitioned(items: &[&SortedIds]) -> Result<usize> {
    item_order(items).map(|v| v.len())
}

/// The global sorted order of the items of all shards: `(shard, row)` pairs, row `row`
/// of shard `shard`'s item list (a k-way merge of the sorted sets). Concatenating the
/// shards' output rows in this order sorts them by item id.
///
/// # Errors
/// [`Error::Conflict`] naming the first item two shards hold, and the two shards.
pub fn item_order(items: &[&SortedIds]) -> Result<Vec<(u32, u32)>> {
    let any_str = items.iter().any(|s| s.kind() == IdKind::Str);
    // mixed kinds compare as strings: integer sets are re-sorted as strings, with
    // their original rows
    let converted: Vec<(SortedIds, Option<Vec<u32>>)> = items
        .iter()
        .map(|s| {
            if any_str && s.kind() == IdKind::Int {
                let mut rows: Vec<(String, u32)> = s
                    .iter()
                    .enumerate()
                    .map(|(r, i)| (i.to_string(), r as u32))
                    .collect();
                rows.sort_unstable();
                let (strs, rows): (Vec<String>, Vec<u32>) = rows.into_iter().unzip();
                (
                    SortedIds {
                        values: Values::Str(strs),
                        sort: s.sort,
                        numeric: None,
                    },
                    Some(rows),
                )
            } else {
                ((*s).clone(), None)
            }
        })
        .collect();
    let mut heap: BinaryHeap<Head<'_>> = converted
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.0.is_empty())
        .map(|(shard, set)| Head {
            set: &set.0,
            shard,
            pos: 0,
        })
        .collect();
    let total: usize = items.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut last: Option<(usize, usize)> = None;
    while let Some(h) = heap.pop() {
        if let Some((ls, lp)) = last
            && converted[ls].0.cmp_across(lp, h.set, h.pos) == Ordering::Equal
        {
            return Err(Error::Conflict(format!(
                "item {} is in shard {ls} and shard {}: the judgments are not partitioned \
                 by item; partition them by a hash of the item id so that every judgment \
                 of an item is in one shard",
                h.set.get(h.pos),
                h.shard
            )));
        }
        let row = match &converted[h.shard].1 {
            Some(rows) => rows[h.pos],
            None => h.pos as u32,
        };
        out.push((h.shard as u32, row));
        last = Some((h.shard, h.pos));
        if h.pos + 1 < h.set.len() {
            heap.push(Head {
                pos: h.pos + 1,
                ..h
            });
        }
    }
    Ok(out)
}
