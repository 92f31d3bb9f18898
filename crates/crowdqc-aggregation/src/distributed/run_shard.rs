//! A shard built from a run's batches as they are read, with the bytes it holds
//! tracked: for the out-of-core path, whose shard build is planned from them.
//!
//! One batch is held at a time; each judgment is kept as `(item, worker, label)`
//! (12 bytes), the items interned meanwhile. The item ids are then sorted, the item
//! codes replaced by their ranks and the triples sorted in place, which puts every
//! item's judgments together in `(worker, label)` order — the order
//! [`Shard::from_batches`] gives them — before the CSR columns are taken from them.
//! The most held is the larger of the triples with the item dictionary and the sorted
//! ids, and the triples with the sorted ids and the CSR arrays (`12 + 8` bytes per
//! judgment, `8` per item and the ids).

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use crowdqc_core::columns::IdColumn;
use crowdqc_core::{Error, IdDictionary, Result};

use super::ids::{IdSort, SortedIds};
use super::shard::Shard;

/// Bytes per judgment a run's shard build holds besides the item ids: the
/// `(item, worker, label)` triple (12) and, while the CSR columns are taken from the
/// triples, the worker and label codes (8).
pub const RUN_BUILD_BYTES_PER_JUDGMENT: u64 = 20;

/// The bytes a shard build held at its most (see [`Shard::from_coded_run`]): the
/// capacities of the buffers it allocated and the Arrow arrays of the batch it held,
/// summed at each step, the largest sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildBytes {
    /// The most held at once.
    pub peak: u64,
    /// Judgments.
    pub judgments: u64,
    /// Items.
    pub items: u64,
}

fn bad(what: &str) -> Error {
    Error::param(
        "runs",
        format!("a run's {what} code is outside the dictionaries it was coded with"),
    )
}

fn codes<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a [u32]> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| Error::param("runs", format!("a run has no `{name}` column")))?;
    c.as_primitive_opt::<UInt32Type>()
        .map(|a| a.values().as_ref())
        .ok_or_else(|| Error::param("runs", format!("a run's `{name}` is not u32")))
}

impl Shard {
    /// Builds a shard from a run's batches as they arrive (columns `item` of any id
    /// type, `worker` and `label` as `u32` codes of the run's own dictionaries; one
    /// batch is held at a time), mapping the codes to global ones through
    /// `worker_code` and `label_code` (indexed by run code), with room for
    /// `rows_hint` judgments reserved at once (the run's row count, when known).
    /// With `counts`, the per-`(worker, label)` counts are made too; without, the
    /// shard is as [`read_codes`](Shard::read_codes) loads it (enough to write it,
    /// not to fit it). Items are in sorted id order, as
    /// [`from_coded_batches`](Shard::from_coded_batches), with the same contents.
    /// Returns the shard and the bytes the build held ([`BuildBytes`]).
    ///
    /// # Errors
    /// A batch's error; a missing or mistyped column, a null item id, a code outside
    /// the maps or a global code outside `n_workers` / `k`.
    pub fn from_coded_run(
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
        rows_hint: usize,
        maps: (&[u32], &[u32]),
        n_workers: usize,
        k: usize,
        counts: bool,
    ) -> Result<(Shard, BuildBytes)> {
        let (worker_code, label_code) = maps;
        let mut items = IdDictionary::new();
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(rows_hint);
        let mut peak = 0u64;
        let held = |rows: &Vec<(u32, u32, u32)>, more: usize| (rows.capacity() * 12 + more) as u64;
        for b in batches {
            let b = b?;
            let col = b
                .column_by_name("item")
                .ok_or_else(|| Error::param("runs", "a run has no `item` column"))?;
            let ic = IdColumn::new(col, "item", 0)?;
            let (ws, ls) = (codes(&b, "worker")?, codes(&b, "label")?);
            rows.reserve(ws.len());
            for (r, (&w, &l)) in ws.iter().zip(ls).enumerate() {
                let w = *worker_code.get(w as usize).ok_or_else(|| bad("worker"))?;
                let l = *label_code.get(l as usize).ok_or_else(|| bad("label"))?;
                if w as usize >= n_workers || l as usize >= k {
                    return Err(bad("global"));
                }
                rows.push((items.intern(ic.get(r)?), w, l));
            }
            peak = peak.max(held(&rows, b.get_array_memory_size() + items.heap_bytes()));
        }
        let sorted = SortedIds::from_ids(items.iter(), IdSort::Ids);
        peak = peak.max(held(&rows, items.heap_bytes() + sorted.heap_bytes()));
        let rank: Vec<u32> = items
            .iter()
            .map(|id| sorted.code_of(id).expect("an item of the run"))
            .collect();
        drop(items);
        for r in &mut rows {
            r.0 = rank[r.0 as usize];
        }
        drop(rank);
        // by item rank, then worker, then label: each item's judgments together, in
        // the order `Shard::assemble` sorts them
        rows.sort_unstable();
        let n_items = sorted.len();
        let mut offsets = vec![0usize; n_items + 1];
        for &(i, _, _) in &rows {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        let workers: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let labels: Vec<u32> = rows.iter().map(|r| r.2).collect();
        peak = peak.max(held(
            &rows,
            sorted.heap_bytes() + offsets.capacity() * 8 + (workers.len() + labels.len()) * 4,
        ));
        drop(rows);
        let mut c = vec![0u64; if counts { n_workers * k } else { 0 }];
        if counts {
            for (&w, &l) in workers.iter().zip(&labels) {
                c[w as usize * k + l as usize] += 1;
            }
        }
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count() as u64;
        let bytes = BuildBytes {
            peak,
            judgments: workers.len() as u64,
            items: n_items as u64,
        };
        Ok((
            Shard {
                n_workers,
                k,
                items: Some(sorted),
                offsets,
                workers,
                labels,
                counts: c,
                gold: None,
                n_nonempty,
            },
            bytes,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};

    use super::*;

    fn batch(items: &[&str], workers: &[u32], labels: &[u32]) -> RecordBatch {
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("item", Arc::new(StringArray::from(items.to_vec()))),
            ("worker", Arc::new(UInt32Array::from(workers.to_vec()))),
            ("label", Arc::new(UInt32Array::from(labels.to_vec()))),
        ];
        RecordBatch::try_from_iter(cols).expect("batch")
    }

    /// Worked by hand: run codes mapped (workers 0 -> 1, 1 -> 0; labels as they are),
    /// items sorted (a, b, c), each item's judgments in (worker, label) order.
    #[test]
    fn a_run_in_two_batches_is_sorted_by_item_then_worker_and_label() {
        let b1 = batch(&["b", "a", "b"], &[1, 0, 0], &[0, 1, 1]);
        let b2 = batch(&["c", "a"], &[1, 1], &[0, 0]);
        let maps: (&[u32], &[u32]) = (&[1, 0], &[0, 1]);
        let (s, bytes) =
            Shard::from_coded_run([Ok(b1.clone()), Ok(b2.clone())], 5, maps, 2, 2, true)
                .expect("shard");
        // a: (1, 1) and (0, 0); b: (0, 0) and (1, 1); c: (0, 0)
        assert_eq!(s.offsets, vec![0, 2, 4, 5]);
        assert_eq!(s.workers, vec![0, 1, 0, 1, 0]);
        assert_eq!(s.labels, vec![0, 1, 0, 1, 0]);
        assert_eq!(s.counts, vec![3, 0, 0, 2]);
        assert_eq!(s.n_nonempty, 3);
        let ids = s.items.as_ref().expect("ids");
        assert_eq!(
            (0..3).map(|i| ids.get(i).to_string()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!((bytes.judgments, bytes.items), (5, 3));
        // at least the triples and the codes of every judgment
        assert!(bytes.peak >= 5 * RUN_BUILD_BYTES_PER_JUDGMENT, "{bytes:?}");
        // the same shard from the batches held together; without counts none
        let whole = Shard::from_coded_batches(&[b1.clone(), b2.clone()], maps.0, maps.1, 2, 2)
            .expect("whole");
        assert_eq!((&whole.offsets, &whole.workers), (&s.offsets, &s.workers));
        let (nc, _) = Shard::from_coded_run([Ok(b1), Ok(b2)], 0, maps, 2, 2, false).expect("nc");
        assert!(nc.counts.is_empty());
        assert_eq!(nc.labels, s.labels);
    }

    #[test]
    fn codes_outside_the_maps_are_refused() {
        let maps: (&[u32], &[u32]) = (&[1, 0], &[0, 1]);
        let b = batch(&["a"], &[2], &[0]);
        let e = Shard::from_coded_run([Ok(b)], 1, maps, 2, 2, false).expect_err("worker 2");
        assert!(e.to_string().contains("worker code"), "{e}");
        let b = batch(&["a"], &[0], &[0]);
        let e = Shard::from_coded_run([Ok(b)], 1, maps, 1, 2, false).expect_err("global");
        assert!(e.to_string().contains("global code"), "{e}");
    }
}
