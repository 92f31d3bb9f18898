//! The second pass of a two-pass read ([`JudgmentMatrixBuilder::set_two_pass`]): every
//! row goes straight to its place in the CSR columns, sized exactly from the first
//! pass's counts, so no per-row buffer is ever held.

use crate::builder::{JudgmentMatrixBuilder, Pass, RowCodes};
use crate::builder_finish::{Columns, Prepared};
use crate::codes::ClassVec;
use crate::error::{Error, Result};
use crate::matrix::JudgmentMatrix;

/// The columns being filled by the second pass.
#[derive(Debug)]
pub(crate) struct SecondPass {
    /// Classes and gold, decided after the first pass.
    prepared: PreparedBox,
    /// `cursor[i]`: the next free position of item `i` (starts at the item's offset;
    /// after the pass it is the item's end, shifted back into offsets by `finish`).
    cursor: Vec<usize>,
    worker: Vec<u32>,
    class: ClassVec,
    ts: Option<Vec<i64>>,
    du: Option<Vec<f64>>,
    /// Rows of the first pass (the second must see as many).
    first_rows: u64,
    /// [`fingerprint`] of the first pass's codes, and of the second's so far.
    first_fingerprint: u64,
    fingerprint: u64,
    /// Dictionary sizes after the first pass: a larger code in the second pass means the
    /// input changed between the passes.
    n_items: u32,
    n_workers: u32,
    n_labels: u32,
}

/// [`Prepared`] behind a `Debug` impl that shows nothing (it holds dictionaries).
pub(crate) struct PreparedBox(Prepared);

impl std::fmt::Debug for PreparedBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared")
    }
}

/// Folds one row's codes into a running fingerprint of the row sequence (both passes
/// compute it; a difference means the input changed in between).
#[inline]
pub(crate) fn fingerprint(fp: u64, item: u32, worker: u32, label: u32) -> u64 {
    let x = u64::from(item) ^ (u64::from(worker) << 32) ^ (u64::from(label) << 20);
    (fp.rotate_left(5) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn changed(what: &str) -> Error {
    Error::insufficient(format!(
        "the input changed between the two passes of a two-pass read ({what}); read \
         a file that is not being written to"
    ))
}

impl SecondPass {
    /// Places one batch of codes (`[item, worker, label]`, first-appearance codes) whose
    /// first row is `row0` of the second pass.
    pub(crate) fn place(
        &mut self,
        row0: u64,
        codes: [&Vec<u32>; 3],
        ts: Option<&[i64]>,
        du: Option<&[f64]>,
    ) -> Result<()> {
        let [items, workers, labels] = codes;
        self.place_codes(
            row0,
            RowCodes {
                items,
                workers,
                labels,
                timestamps: ts,
                durations: du,
            },
        )
    }

    /// [`place`](Self::place) for codes given as slices.
    pub(crate) fn place_codes(&mut self, row0: u64, codes: RowCodes<'_>) -> Result<()> {
        let RowCodes {
            items,
            workers,
            labels,
            timestamps: ts,
            durations: du,
        } = codes;
        if row0 + items.len() as u64 > self.first_rows {
            return Err(changed("more rows than the first pass read"));
        }
        let remap = &self.prepared.0.remap;
        for (r, ((&i, &w), &l)) in items.iter().zip(workers).zip(labels).enumerate() {
            if i >= self.n_items || w >= self.n_workers || l >= self.n_labels {
                return Err(changed("an id or label the first pass did not see"));
            }
            self.fingerprint = fingerprint(self.fingerprint, i, w, l);
            let i = i as usize;
            let p = self.cursor[i];
            if p >= self.worker.len() {
                return Err(changed(
                    "an item with more rows than the first pass counted",
                ));
            }
            self.cursor[i] = p + 1;
            self.worker[p] = w;
            self.class.set(p, remap[l as usize]);
            if let (Some(out), Some(src)) = (self.ts.as_mut(), ts) {
                out[p] = src[r];
            }
            if let (Some(out), Some(src)) = (self.du.as_mut(), du) {
                out[p] = src[r];
            }
        }
        Ok(())
    }

    fn heap_bytes(&self) -> usize {
        self.cursor.capacity() * 8
            + self.worker.capacity() * 4
            + self.class.heap_bytes()
            + self.ts.as_ref().map_or(0, |t| t.capacity() * 8)
            + self.du.as_ref().map_or(0, |t| t.capacity() * 8)
    }
}

impl JudgmentMatrixBuilder {
    /// Ends the first pass of a two-pass read ([`set_two_pass`](Self::set_two_pass)):
    /// orders the classes, joins gold, and allocates the matrix's columns at their
    /// final size. Then push the same rows again, in the same order, and call
    /// [`finish`](Self::finish).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] `two_pass` when the builder is not in the first pass
    /// of a two-pass read; no judgments; a gold label outside the class set (as
    /// [`finish`](Self::finish)).
    pub fn start_second_pass(&mut self) -> Result<()> {
        if !matches!(self.pass, Pass::Count) {
            return Err(Error::param(
                "two_pass",
                "start_second_pass is for the end of the first pass of a two-pass read \
                 (set_two_pass before the first row)",
            ));
        }
        if self.rows == 0 {
            return Err(Error::insufficient("the input has no judgments"));
        }
        if let Some(sink) = self.sink.as_mut() {
            sink.finish()?;
        }
        // the dictionaries are complete: free the hashes kept to grow them
        self.items.drop_hashes();
        self.workers.drop_hashes();
        let prepared = self.prepare_classes()?;
        let n_classes = prepared.class_dict.len();
        let n = usize::try_from(self.rows).unwrap_or(usize::MAX);
        let mut cursor = self.offsets_from_counts();
        // the last entry is the end of the last item: `place` compares against it
        if let Some(last) = cursor.last_mut() {
            *last = n;
        }
        let sp = SecondPass {
            prepared: PreparedBox(prepared),
            cursor,
            worker: vec![0; n],
            class: ClassVec::zeros(n_classes, n),
            ts: self.timestamps.as_ref().map(|_| vec![0; n]),
            du: self.durations.as_ref().map(|_| vec![0.0; n]),
            first_rows: self.rows,
            first_fingerprint: self.fingerprint,
            fingerprint: 0,
            n_items: self.items.len() as u32,
            n_workers: self.workers.len() as u32,
            n_labels: self.labels.len() as u32,
        };
        self.pass = Pass::Scatter(Box::new(sp));
        self.rows = 0;
        self.sink = None;
        Ok(())
    }

    /// Rows read by the first pass of a two-pass read (during the second pass; else the
    /// rows pushed so far).
    pub fn first_pass_rows(&self) -> u64 {
        match &self.pass {
            Pass::Scatter(sp) => sp.first_rows,
            _ => self.rows,
        }
    }

    /// Heap bytes of the second pass's columns (0 outside it).
    pub(crate) fn second_pass_bytes(&self) -> usize {
        match &self.pass {
            Pass::Scatter(sp) => sp.heap_bytes(),
            _ => 0,
        }
    }

    /// [`finish`](Self::finish) after the second pass.
    pub(crate) fn finish_second_pass(&mut self, sp: SecondPass) -> Result<JudgmentMatrix> {
        let SecondPass {
            prepared,
            mut cursor,
            worker,
            class,
            ts,
            du,
            first_rows,
            first_fingerprint,
            fingerprint,
            ..
        } = sp;
        if self.rows != first_rows {
            return Err(changed(&format!(
                "{first_rows} rows in the first pass, {} in the second",
                self.rows
            )));
        }
        if fingerprint != first_fingerprint {
            return Err(changed("the rows differ"));
        }
        // after the pass, cursor[i] is the end of item i = the offset of item i + 1
        let n_items = cursor.len() - 1;
        for i in (1..=n_items).rev() {
            cursor[i] = cursor[i - 1];
        }
        cursor[0] = 0;
        self.assemble(
            prepared.0,
            Columns {
                offsets: cursor,
                worker,
                class,
                ts,
                du,
            },
        )
    }
}
