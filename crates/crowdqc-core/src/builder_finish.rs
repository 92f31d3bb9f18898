//! [`JudgmentMatrixBuilder::finish`]: from the ingested columns to the CSR matrix.

use crate::builder::{JudgmentMatrixBuilder, Pass};
use crate::classes::{ClassOrder, ClassSet, sorted_order};
use crate::codes::{CHUNK, Chunked, ClassVec, LabelChunks};
use crate::dict::{IdDictionary, IdRef};
use crate::error::{Error, Result};
use crate::gold::{Gold, GoldReport};
use crate::matrix::{IngestReport, JudgmentMatrix, Views};
use crate::matrix_index::{find_duplicates, worker_offsets};
use crate::options::DuplicatePolicy;

impl JudgmentMatrixBuilder {
    /// Finishes the matrix: orders the classes, joins gold, sorts judgments by item
    /// (unless the input was grouped by item), applies the duplicate policy and counts
    /// judgments per worker.
    ///
    /// # Errors
    /// Empty input; a duplicate pair under [`DuplicatePolicy::Error`]; a gold label
    /// outside the class set (unless
    /// [`IngestOptions::extend_classes_with_gold`](crate::IngestOptions)).
    pub fn finish(mut self) -> Result<JudgmentMatrix> {
        // no id is added from here on: free the hashes kept to grow the tables before
        // the columns are sorted (the peak of the read)
        self.items.drop_hashes();
        self.workers.drop_hashes();
        self.streams = Vec::new();
        match std::mem::replace(&mut self.pass, Pass::Collect) {
            Pass::Collect => {}
            Pass::Count => {
                return Err(Error::param(
                    "finish",
                    "the first of two passes over the input ended without the second: \
                     call start_second_pass and push the same rows again",
                ));
            }
            Pass::Scatter(sp) => return self.finish_second_pass(*sp),
        }
        if self.coo_worker.is_empty() {
            return Err(Error::insufficient("the input has no judgments"));
        }
        let prepared = self.prepare_classes()?;
        if !prepared.identity {
            self.coo_label.remap(&prepared.remap);
        }
        let n_classes = prepared.class_dict.len();
        let n = self.coo_worker.len();
        let mut offsets = self.offsets_from_counts();
        let policy = self.opts.duplicates;
        // `error` needs the input rows afterwards to name the two rows of a repeated
        // pair: keep them; otherwise every input chunk is freed once read.
        let keep_rows = policy == DuplicatePolicy::Error;
        let grouped = self.coo_item.is_none();
        let (worker, class, ts, du) = if grouped {
            // Rows already in CSR order: move the columns, chunk by chunk.
            let worker = std::mem::take(&mut self.coo_worker).into_vec();
            let class = labels_into_classes(std::mem::take(&mut self.coo_label), n_classes, n);
            (worker, class, self.timestamps.take(), self.durations.take())
        } else {
            self.scatter(&mut offsets, n_classes, keep_rows)
        };
        self.assemble(
            prepared,
            Columns {
                offsets,
                worker,
                class,
                ts,
                du,
            },
        )
    }

    /// The item offsets (length `n_items + 1`) from the per-item counts, in place.
    pub(crate) fn offsets_from_counts(&mut self) -> Vec<usize> {
        let n_items = self.items.len();
        let mut offsets = std::mem::take(&mut self.item_counts);
        offsets.resize(n_items, 0);
        offsets.push(0);
        offsets.shrink_to_fit();
        let mut acc = 0usize;
        for o in &mut offsets {
            let c = *o;
            *o = acc;
            acc += c;
        }
        offsets
    }

    /// Joins gold and orders the classes: declared first (extras from gold after),
    /// else sorted.
    pub(crate) fn prepare_classes(&mut self) -> Result<Prepared> {
        let (gold_pairs, gold_report) = self.join_gold()?;
        let n_labels = self.labels.len();
        let (perm, order) = if self.declared > 0 {
            let (mut tail, _) = sorted_order(&self.labels);
            tail.retain(|&c| c as usize >= self.declared);
            (
                (0..self.declared as u32).chain(tail).collect::<Vec<_>>(),
                ClassOrder::Declared,
            )
        } else {
            sorted_order(&self.labels)
        };
        let mut remap = vec![0u32; n_labels];
        let mut class_dict = IdDictionary::new();
        for (k, &c) in perm.iter().enumerate() {
            remap[c as usize] = k as u32;
            class_dict.intern(self.labels.get(c));
        }
        let identity = remap.iter().enumerate().all(|(k, &c)| k as u32 == c);
        let gold_pairs = gold_pairs
            .into_iter()
            .map(|(i, l)| (i, remap[l as usize]))
            .collect();
        Ok(Prepared {
            gold_pairs,
            gold_report,
            remap,
            identity,
            class_dict,
            order,
        })
    }

    /// From the CSR columns to the matrix: duplicates, the worker index, gold, class
    /// counts and the report.
    pub(crate) fn assemble(&mut self, prepared: Prepared, cols: Columns) -> Result<JudgmentMatrix> {
        let Prepared {
            gold_pairs,
            gold_report,
            class_dict,
            order,
            ..
        } = prepared;
        let Columns {
            offsets,
            worker,
            class,
            ts,
            du,
        } = cols;
        let n_classes = class_dict.len();
        let n_items = self.items.len();
        let n = worker.len();
        let policy = self.opts.duplicates;
        let n_workers = self.workers.len();
        let (dups, w_offsets) = rayon::join(
            || find_duplicates(&offsets, &worker, class.view(), n_workers, policy),
            || worker_offsets(&worker, n_workers),
        );
        if policy == DuplicatePolicy::Error
            && let Some(&(i, w)) = dups.first_pair.as_ref()
        {
            let rows: Vec<u64> = match (&self.coo_item, self.two_pass) {
                // rows of a two-pass read are not kept
                (_, true) => Vec::new(),
                // grouped input: positions are the rows
                (None, false) => (offsets[i as usize]..offsets[i as usize + 1])
                    .filter(|&p| worker[p] == w)
                    .take(2)
                    .map(|p| p as u64)
                    .collect(),
                (Some(items), false) => items
                    .iter()
                    .zip(self.coo_worker.iter())
                    .enumerate()
                    .filter(|&(_, (it, wk))| it == i && wk == w)
                    .take(2)
                    .map(|(r, _)| r as u64)
                    .collect(),
            };
            let where_ = match rows.as_slice() {
                [a, b, ..] => format!(" (data rows {} and {}, 1-based)", a + 1, b + 1),
                _ => String::new(),
            };
            return Err(Error::Conflict(format!(
                "worker `{}` judged item `{}` more than once{where_}; choose a duplicate \
                 policy: keep-all, first or last",
                self.workers.get(w),
                self.items.get(i),
            )));
        }
        drop(self.coo_item.take());
        drop(std::mem::take(&mut self.coo_worker));

        let mut report = IngestReport {
            rows_read: self.rows,
            judgments: n as u64,
            duplicate_pairs: dups.pairs,
            duplicate_extra_rows: dups.extra_rows,
            conflicting_duplicate_pairs: dups.conflicting,
            dropped_duplicate_rows: 0,
            duplicate_policy: self.opts.duplicates,
            gold: self.gold_given.then_some(gold_report),
        };
        let gold = Gold::from_pairs(n_items, n_classes, gold_pairs)?;
        let mut items = std::mem::take(&mut self.items);
        items.shrink_to_fit();
        let mut workers = std::mem::take(&mut self.workers);
        workers.shrink_to_fit();
        let mut m = JudgmentMatrix {
            items,
            workers,
            classes: ClassSet::new(class_dict, vec![0; n_classes], order),
            item_offsets: offsets,
            worker,
            class,
            worker_offsets: w_offsets,
            views: Views::default(),
            timestamps: ts,
            durations: du,
            gold,
            report: IngestReport::default(),
        };
        if let Some(keep) = dups.keep {
            m = m.filter_positions(&keep);
            report.dropped_duplicate_rows = report.rows_read - m.n_judgments() as u64;
            report.judgments = m.n_judgments() as u64;
        }
        let mut counts = vec![0u64; n_classes];
        match m.class_codes() {
            crate::ClassCodes::U8(v) => {
                let mut c256 = [0u64; 256];
                for &c in v {
                    c256[c as usize] += 1;
                }
                counts.copy_from_slice(&c256[..n_classes]);
            }
            crate::ClassCodes::U32(v) => {
                for &c in v {
                    counts[c as usize] += 1;
                }
            }
        }
        m.classes = ClassSet::new(m.classes.dictionary().clone(), counts, order);
        m.report = report;
        Ok(m)
    }

    /// Joins gold labels to items and checks (or extends) their labels, before the
    /// classes are ordered: `(item, provisional label)` pairs and the report.
    fn join_gold(&mut self) -> Result<(Vec<(u32, u32)>, GoldReport)> {
        let mut gold_pairs: Vec<(u32, u32)> = Vec::new();
        let mut gold_report = GoldReport {
            given: self.gold_labels.len(),
            repeated_rows: self.gold_repeated,
            ..Default::default()
        };
        for (g, &gl) in self.gold_labels.iter().enumerate() {
            let gid = self.gold_items.get(g as u32);
            let Some(item) = self.items.lookup(gid) else {
                gold_report.unknown_items += 1;
                if gold_report.unknown_examples.len() < 5 {
                    gold_report.unknown_examples.push(gid.to_string());
                }
                continue;
            };
            let glabel = self.gold_label_dict.get(gl);
            let label = match self.labels.lookup(glabel) {
                Some(l) => l,
                None if self.opts.extend_classes_with_gold => self.labels.intern(glabel),
                None => {
                    let mut known: Vec<IdRef<'_>> = self.labels.iter().collect();
                    known.sort();
                    let shown: Vec<String> = known.iter().take(20).map(|l| l.to_string()).collect();
                    let more = if known.len() > 20 {
                        format!(", … {} more", known.len() - 20)
                    } else {
                        String::new()
                    };
                    return Err(Error::value(
                        self.gold_label_column.as_deref().unwrap_or("label"),
                        Some(self.gold_rows[g]),
                        format!(
                            "gold label `{glabel}` for item `{gid}` is not a class of the judgments [{}{more}]; \
                             fix the gold or allow gold to extend the class set",
                            shown.join(", ")
                        ),
                    ));
                }
            };
            gold_pairs.push((item, label));
        }
        gold_report.joined = gold_pairs.len();
        Ok((gold_pairs, gold_report))
    }

    /// Counting sort of the rows into item order (stable: input order within an
    /// item), one column at a time: first the classes (and timestamps, durations),
    /// then the workers, each input chunk freed once read unless `keep_rows`. Uses
    /// `offsets` as the cursors and restores it.
    #[expect(clippy::type_complexity, reason = "the four columns of a matrix")]
    fn scatter(
        &mut self,
        offsets: &mut [usize],
        n_classes: usize,
        keep_rows: bool,
    ) -> (Vec<u32>, ClassVec, Option<Vec<i64>>, Option<Vec<f64>>) {
        let n = self.coo_worker.len();
        let Some(items) = self.coo_item.as_ref() else {
            unreachable!("scatter is only called for ungrouped input");
        };
        let restore = |offsets: &mut [usize]| {
            // after a pass, offsets[i] is the end of item i, i.e. the start of i + 1
            for i in (1..offsets.len()).rev() {
                offsets[i] = offsets[i - 1];
            }
            offsets[0] = 0;
        };
        // pass 1: classes, timestamps, durations
        let mut class = ClassVec::zeros(n_classes, n);
        let mut ts = self.timestamps.as_ref().map(|_| vec![0i64; n]);
        let mut du = self.durations.as_ref().map(|_| vec![0f64; n]);
        let mut buf = Vec::with_capacity(CHUNK);
        for (k, ichunk) in items.chunks.iter().enumerate() {
            self.coo_label.chunk_into(k, &mut buf);
            if !keep_rows {
                self.coo_label.free_chunk(k);
            }
            let r0 = k * CHUNK;
            for (j, (&i, &c)) in ichunk.iter().zip(&buf).enumerate() {
                let slot = &mut offsets[i as usize];
                let p = *slot;
                *slot += 1;
                class.set(p, c);
                if let (Some(out), Some(src)) = (ts.as_mut(), self.timestamps.as_ref()) {
                    out[p] = src[r0 + j];
                }
                if let (Some(out), Some(src)) = (du.as_mut(), self.durations.as_ref()) {
                    out[p] = src[r0 + j];
                }
            }
        }
        drop(buf);
        restore(offsets);
        self.timestamps = None;
        self.durations = None;
        // pass 2: workers
        let mut worker = vec![0u32; n];
        let mut items = self.coo_item.take().unwrap_or_default();
        for k in 0..items.chunks.len() {
            for (&i, &w) in items.chunks[k].iter().zip(&self.coo_worker.chunks[k]) {
                let slot = &mut offsets[i as usize];
                worker[*slot] = w;
                *slot += 1;
            }
            if !keep_rows {
                items.chunks[k] = Vec::new();
                self.coo_worker.chunks[k] = Vec::new();
            }
        }
        self.coo_item = Some(items);
        restore(offsets);
        (worker, class, ts, du)
    }
}

/// The class order and the gold joined to items, decided before the columns are built.
pub(crate) struct Prepared {
    /// `(item, class)` of every gold label that joined.
    pub(crate) gold_pairs: Vec<(u32, u32)>,
    pub(crate) gold_report: GoldReport,
    /// Label code (first appearance) → class index.
    pub(crate) remap: Vec<u32>,
    /// True when `remap` is the identity.
    pub(crate) identity: bool,
    pub(crate) class_dict: IdDictionary,
    pub(crate) order: ClassOrder,
}

/// The CSR columns of a matrix being assembled.
pub(crate) struct Columns {
    pub(crate) offsets: Vec<usize>,
    pub(crate) worker: Vec<u32>,
    pub(crate) class: ClassVec,
    pub(crate) ts: Option<Vec<i64>>,
    pub(crate) du: Option<Vec<f64>>,
}

/// Label chunks (in final class codes) into the matrix's class column, narrow when
/// `n_classes <= 256`, freeing each chunk once copied.
fn labels_into_classes(labels: LabelChunks, n_classes: usize, n: usize) -> ClassVec {
    match (labels, n_classes <= 256) {
        (LabelChunks::U8(c), true) => ClassVec::U8(c.into_vec()),
        (LabelChunks::U32(c), false) => ClassVec::U32(c.into_vec()),
        (LabelChunks::U8(c), false) => {
            ClassVec::U32(c.into_vec().into_iter().map(u32::from).collect())
        }
        (LabelChunks::U32(c), true) => {
            let mut out = ClassVec::with_capacity(n_classes, n);
            narrow_into(c, &mut out);
            out
        }
    }
}

fn narrow_into(c: Chunked<u32>, out: &mut ClassVec) {
    for ch in c.chunks {
        for v in ch {
            out.push(v);
        }
    }
}
