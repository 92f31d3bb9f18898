//! Agreement and gold counts of a shard, as bytes, and their merge on the driver.
//!
//! **Agreement.** Nominal Krippendorff's alpha and Fleiss' kappa depend on each item
//! only through its category counts. A shard sends the histogram of its items' count
//! vectors (`count vector → number of items`; few distinct vectors, so small); the
//! driver adds every shard's entries into one
//! [`AgreementCounts`](crowdqc_agreement::AgreementCounts) (integer sums: any
//! partitioning gives the same bits) and finishes the coefficients.
//!
//! **Gold.** A shard adds the judgments of its gold items into
//! [`GoldCounts`](crowdqc_gold::GoldCounts) and sends the non-zero confusion cells
//! `(worker, gold, observed, count)`; the driver rebuilds and merges them (integers),
//! then computes accuracy and intervals with the scoring code.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use crowdqc_aggregation::distributed::Shard;
use crowdqc_agreement::AgreementCounts;
use crowdqc_core::columns::{IdColumn, Role, resolve};
use crowdqc_core::{Error, Result};
use crowdqc_gold::{GoldCounts, GoldParams};

fn bad(what: &str, msg: impl Into<String>) -> Error {
    Error::param(what, msg)
}

/// Little-endian reader over the formats of this module.
struct Cursor<'a>(&'a [u8], &'static str);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        if self.0.len() < N {
            return Err(bad(self.1, "is truncated: pass the bytes a shard returned"));
        }
        let (a, b) = self.0.split_at(N);
        self.0 = b;
        Ok(a.try_into().expect("N bytes"))
    }
    fn u64(&mut self) -> Result<u64> {
        self.take::<8>().map(u64::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
}

/// The shard's histogram of item category-count vectors: `k`, entries, then per entry
/// the number of items and the `k` counts (u64, u32 LE).
pub(crate) fn agreement_histogram(s: &Shard) -> Vec<u8> {
    let k = s.n_classes();
    let mut hist: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    let mut counts = vec![0u32; k];
    for t in 0..s.n_items() {
        let (_, labels) = s.item_judgments(t);
        counts.fill(0);
        for &l in labels {
            counts[l as usize] += 1;
        }
        *hist.entry(counts.clone()).or_default() += 1;
    }
    let mut out = Vec::with_capacity(16 + hist.len() * (8 + 4 * k));
    out.extend_from_slice(&(k as u64).to_le_bytes());
    out.extend_from_slice(&(hist.len() as u64).to_le_bytes());
    for (c, m) in &hist {
        out.extend_from_slice(&m.to_le_bytes());
        for v in c {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Every shard's histogram added into one [`AgreementCounts`] over `k` categories.
pub(crate) fn agreement_merge(parts: &[&[u8]], k: usize) -> Result<AgreementCounts> {
    let mut acc = AgreementCounts::new(k);
    for p in parts {
        let mut r = Cursor(p, "agreement counts");
        let kk = r.u64()? as usize;
        if kk != k {
            return Err(bad(
                "agreement counts",
                format!(
                    "are over {kk} categories, expected {k}: build every shard with the same dictionaries"
                ),
            ));
        }
        let n = r.u64()?;
        let mut c = vec![0u32; k];
        for _ in 0..n {
            let m = r.u64()?;
            for v in c.iter_mut() {
                *v = r.u32()?;
            }
            acc.add_counts(c.iter().enumerate().map(|(i, &n)| (i as u32, n)), m)?;
        }
    }
    Ok(acc)
}

/// The gold counts of a shard from its gold batches (`item`/`task` and
/// `label`/`true_label` columns): `(confusion cells bytes, gold items with judgments
/// here, gold rows whose item has no judgment in this shard)`. Cells: count, then
/// `(worker, gold, observed, n)` as u32, u32, u32, u64 LE.
pub(crate) fn gold_cells(
    s: &Shard,
    gold: &[RecordBatch],
    labels: &crowdqc_aggregation::distributed::SortedIds,
) -> Result<(Vec<u8>, u64, u64)> {
    let items = s.items().ok_or_else(|| {
        bad(
            "shard",
            "has no item ids (built inside a single-machine fit)",
        )
    })?;
    let mut counts = GoldCounts::new(s.n_workers(), s.n_classes());
    let (mut with, mut without) = (0u64, 0u64);
    let mut row = 0u64;
    let mut pairs = Vec::new();
    for b in gold {
        let schema = b.schema();
        let ic = resolve(&schema, Role::Item, None)?;
        let lc = resolve(&schema, Role::GoldLabel, None)?;
        let (icol, lcol) = (
            IdColumn::new(b.column(ic), schema.field(ic).name(), row)?,
            IdColumn::new(b.column(lc), schema.field(lc).name(), row)?,
        );
        for i in 0..icol.len() {
            let (item, lab) = (icol.get(i)?, lcol.get(i)?);
            let Some(t) = items.code_of(item) else {
                without += 1;
                continue;
            };
            let g = labels.code_of(lab).ok_or_else(|| {
                Error::value(
                    "label",
                    Some(row + i as u64),
                    format!(
                        "gold label {lab} of item {item} is not a label of the judgments; \
                         fix the gold file or add judgments with that label"
                    ),
                )
            })?;
            let (ws, ls) = s.item_judgments(t as usize);
            pairs.clear();
            pairs.extend(ws.iter().copied().zip(ls.iter().copied()));
            counts.add_item(g, &pairs)?;
            with += 1;
        }
        row += b.num_rows() as u64;
    }
    let cells = counts.confusion_cells();
    let mut out = Vec::with_capacity(8 + cells.len() * 20);
    out.extend_from_slice(&(cells.len() as u64).to_le_bytes());
    for (w, g, o, n) in cells {
        for v in [w, g, o] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&n.to_le_bytes());
    }
    Ok((out, with, without))
}

/// Every shard's gold cells merged into one [`GoldCounts`].
pub(crate) fn gold_merge(parts: &[&[u8]], n_workers: usize, k: usize) -> Result<GoldCounts> {
    let mut acc = GoldCounts::new(n_workers, k);
    for p in parts {
        let mut r = Cursor(p, "gold counts");
        let n = r.u64()?;
        let mut shard = GoldCounts::new(n_workers, k);
        let mut pairs = Vec::new();
        for _ in 0..n {
            let (w, g, o) = (r.u32()?, r.u32()?, r.u32()?);
            let m = r.u64()?;
            let m = usize::try_from(m).map_err(|_| bad("gold counts", "a count overflows"))?;
            pairs.clear();
            pairs.resize(m, (w, o));
            shard.add_item(g, &pairs)?;
        }
        acc.merge(&shard)?;
    }
    Ok(acc)
}

/// Gold parameters from the Python arguments.
pub(crate) fn gold_params(interval: &str, confidence: f64) -> Result<GoldParams> {
    let params = GoldParams::new()
        .interval(interval.parse()?)
        .confidence(confidence);
    params.validate()?;
    Ok(params)
}
