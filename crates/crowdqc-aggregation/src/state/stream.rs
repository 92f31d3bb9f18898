//! The items table of a Dawid–Skene model fitted without its `items × K` posterior table
//! (`keep_posteriors(false)`), computed chunk by chunk as it is written: memory is one
//! chunk of posteriors, whatever the number of items.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use crowdqc_core::columns::id_array;
use crowdqc_core::{JudgmentMatrix, Result};

use crate::ds::DawidSkeneModel;
use crate::report::ITEM_BATCH_ROWS;

/// Iterator over the items table of `model` (the columns and types of
/// [`items_table`](crate::report::items_table): `item`, `label`, `confidence`,
/// `p_<label>` per class), one batch of at most [`ITEM_BATCH_ROWS`] items at a time,
/// each computed on demand with [`DawidSkeneModel::predict_into`]. It counts the hard
/// labels as it goes ([`label_counts`](Self::label_counts)) and, when asked with
/// [`keep_labels`](Self::keep_labels), keeps them (4 bytes per item).
pub struct ItemStream<'a> {
    m: &'a JudgmentMatrix,
    model: &'a DawidSkeneModel,
    next: u32,
    rows: u32,
    counts: Vec<u64>,
    labels: Option<Vec<u32>>,
    post: Vec<f64>,
    lab: Vec<u32>,
    conf: Vec<f64>,
}

impl<'a> ItemStream<'a> {
    /// The stream over every item of `m` (the matrix `model` was fitted on).
    pub fn new(m: &'a JudgmentMatrix, model: &'a DawidSkeneModel) -> Self {
        ItemStream {
            m,
            model,
            next: 0,
            rows: ITEM_BATCH_ROWS,
            counts: vec![0; m.n_classes()],
            labels: None,
            post: Vec::new(),
            lab: Vec::new(),
            conf: Vec::new(),
        }
    }

    /// Batches of at most `rows` items (at least 1).
    #[must_use]
    pub fn batch_rows(mut self, rows: u32) -> Self {
        self.rows = rows.max(1);
        self
    }

    /// Keeps every item's hard label (for evaluation against gold).
    #[must_use]
    pub fn keep_labels(mut self) -> Self {
        self.labels = Some(Vec::with_capacity(self.m.n_items()));
        self
    }

    /// Items per class among the items streamed so far (all, once the stream ended).
    pub fn label_counts(&self) -> &[u64] {
        &self.counts
    }

    /// The hard labels streamed so far, when [`keep_labels`](Self::keep_labels) was set.
    pub fn take_labels(&mut self) -> Option<Vec<u32>> {
        self.labels.take()
    }

    /// Runs the stream to its end without building batches (label counts and, if kept,
    /// labels only).
    ///
    /// # Errors
    /// Those of [`DawidSkeneModel::predict_into`].
    pub fn count_all(&mut self) -> Result<()> {
        while self.next < self.m.n_items() as u32 {
            self.advance()?;
        }
        Ok(())
    }

    /// Computes the next chunk into the buffers; returns its item range.
    fn advance(&mut self) -> Result<std::ops::Range<u32>> {
        let n = self.m.n_items() as u32;
        let (lo, hi) = (self.next, n.min(self.next.saturating_add(self.rows)));
        let (len, k) = ((hi - lo) as usize, self.m.n_classes());
        self.post.resize(len * k, 0.0);
        self.lab.resize(len, 0);
        self.conf.resize(len, 0.0);
        self.model.predict_into(
            self.m,
            lo..hi,
            &mut self.post,
            &mut self.lab,
            &mut self.conf,
        )?;
        for &l in &self.lab {
            self.counts[l as usize] += 1;
        }
        if let Some(all) = self.labels.as_mut() {
            all.extend_from_slice(&self.lab);
        }
        self.next = hi;
        Ok(lo..hi)
    }

    fn batch(&mut self) -> Result<RecordBatch> {
        let rows = self.advance()?;
        let (m, k) = (self.m, self.m.n_classes());
        let mut cols: Vec<(String, ArrayRef)> = vec![
            ("item".into(), id_array(m.items(), rows)),
            (
                "label".into(),
                id_array(m.classes().dictionary(), self.lab.iter().copied()),
            ),
            (
                "confidence".into(),
                Arc::new(Float64Array::from(self.conf.clone())),
            ),
        ];
        for (c, l) in m.classes().iter().enumerate() {
            cols.push((
                format!("p_{l}"),
                Arc::new(Float64Array::from_iter_values(
                    self.post.iter().skip(c).step_by(k).copied(),
                )),
            ));
        }
        Ok(RecordBatch::try_from_iter(cols)?)
    }
}

impl Iterator for ItemStream<'_> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.m.n_items() as u32 {
            return None;
        }
        Some(self.batch())
    }
}

/// Streams the items table of a fit without posteriors through `write` (which writes
/// the batches, or calls [`ItemStream::count_all`] to only predict): the label counts,
/// and every label when `keep_labels`.
///
/// # Errors
/// Those of `write` and of [`DawidSkeneModel::predict_into`].
pub fn stream_items(
    m: &JudgmentMatrix,
    model: &DawidSkeneModel,
    keep_labels: bool,
    write: impl FnOnce(&mut ItemStream<'_>) -> Result<()>,
) -> Result<(Vec<u64>, Option<Vec<u32>>)> {
    let mut s = ItemStream::new(m, model);
    if keep_labels {
        s = s.keep_labels();
    }
    write(&mut s)?;
    s.count_all()?;
    Ok((s.label_counts().to_vec(), s.take_labels()))
}

/// Refuses, with [`Error::ResourceLimit`](crowdqc_core::Error) naming the estimate, a
/// streamed fit (no posterior table) whose per-worker tables — about five
/// `workers × classes²` tables of `f64` during the fit — exceed the memory budget.
pub(crate) fn check_memory(method: &str, m: &JudgmentMatrix) -> Result<()> {
    let (w, k) = (m.n_workers(), m.n_classes());
    crowdqc_core::memory::check(
        crowdqc_core::memory::bytes_of::<f64>(&[w, k, k, 5]),
        &format!("{method}: confusion matrices ({w} workers x {k} x {k} classes, five tables)"),
        &format!(
            "with {k} classes use majority vote (--method mv, or wawa, zbs, gold-mv), which \
             keeps vote shares sparsely in memory linear in the judgments; or merge rare \
             labels into fewer classes"
        ),
    )
}
