//! Statistics of shards streamed one after another (the out-of-core fit): the E-step
//! sums go straight into a fixed set of reusable integer tables instead of a new table
//! per shard and per thread, so the memory of a pass is known before it starts.

use rayon::prelude::*;

use super::estep::{Acc, Prepared, range_estep_any, range_init, ranges_upto};
use super::params::{DsParams, DsStats};
use super::shard::Shard;
use crowdqc_core::{Error, Result};

/// Bytes of one statistics table over `n_workers` workers and `k` classes
/// (`16 · n_workers · k²`: an `i128` per `(worker, label, class)`); `None` on overflow.
pub fn stats_table_bytes(n_workers: usize, k: usize) -> Option<u64> {
    crowdqc_core::memory::bytes_of::<i128>(&[n_workers, k, k])
}

/// Bytes of one parameter table (`8 · n_workers · k²`, the confusion matrices);
/// `None` on overflow.
pub fn params_table_bytes(n_workers: usize, k: usize) -> Option<u64> {
    crowdqc_core::memory::bytes_of::<f64>(&[n_workers, k, k])
}

/// Parameters prepared for the E-step (their `log2`, `8 · n_workers · k²` bytes): made
/// once per iteration and used for every shard of it.
pub struct PreparedParams {
    p: Prepared,
    n_workers: usize,
    k: usize,
}

impl PreparedParams {
    /// Prepares `params`.
    pub fn new(params: &DsParams) -> PreparedParams {
        PreparedParams {
            p: Prepared::new(params),
            n_workers: params.n_workers,
            k: params.k,
        }
    }
}

impl PreparedParams {
    /// The posteriors of `shard`'s items under these parameters (as
    /// [`posteriors`](super::posteriors), without statistics tables): `n_items · k`
    /// values, row-major.
    ///
    /// # Errors
    /// A shard or parameters of other dimensions.
    pub fn posteriors(&self, shard: &Shard) -> Result<Vec<f64>> {
        if (shard.n_workers, shard.k) != (self.n_workers, self.k) {
            return Err(Error::param(
                "params",
                "parameters of other dimensions than the shard's; use the same global \
                 dictionaries",
            ));
        }
        let (k, params) = (self.k, self);
        let mut q = vec![0.0; shard.n_items() * k];
        let rs = ranges_upto(shard.n_items(), rayon::current_num_threads());
        let mut parts: Vec<(std::ops::Range<usize>, &mut [f64])> = Vec::with_capacity(rs.len());
        let mut rest = &mut q[..];
        for r in rs {
            let (h, t) = rest.split_at_mut(r.len() * k);
            parts.push((r, h));
            rest = t;
        }
        let bad = parts
            .into_par_iter()
            .map(|(r, q)| {
                let mut acc = Acc::new(0, k);
                range_estep_any(shard, &params.p, r, Some(q), &mut acc, false);
                acc.bad
            })
            .reduce(|| false, |a, b| a | b);
        if bad {
            return Err(not_finite());
        }
        Ok(q)
    }
}

impl std::fmt::Debug for PreparedParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedParams")
            .field("n_workers", &self.n_workers)
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

/// Sums the statistics of shards streamed one at a time into `tables` reusable integer
/// tables (`16 · n_workers · k²` bytes each; one per thread of a pass, at most
/// `tables` threads work on a shard). Integer sums are exact, so the statistics are
/// bit-identical to [`merge`](super::merge) of [`init_stats`](super::init_stats) or
/// [`e_step`](super::e_step) of every shard, for any number of tables and threads.
///
/// Per pass: [`add_init`](Self::add_init) (once, first: it also counts the
/// judgments per `(worker, label)`) or [`add_e_step`](Self::add_e_step) for every
/// shard, then [`take`](Self::take) the merged statistics and
/// [`give_back`](Self::give_back) them once used, so the next pass reuses their table.
/// Memory: the tables, the counts (`8 · n_workers · k` bytes, twice while the taken
/// statistics live); shards need no counts ([`Shard::read_codes`]).
#[derive(Debug)]
pub struct StatsStream {
    n_workers: usize,
    k: usize,
    tables: Vec<Acc>,
    /// Judgments per `(worker, label)`, from the first pass.
    counts: Vec<u64>,
    n_items: u64,
    n_judgments: u64,
    /// The first pass is over: counts, items and judgments are complete.
    counted: bool,
    /// Items and judgments of the pass under way (checked against the first pass).
    pass_items: u64,
    pass_judgments: u64,
}

impl std::fmt::Debug for Acc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acc")
            .field("cells", &self.s.len())
            .finish_non_exhaustive()
    }
}

impl StatsStream {
    /// A stream over `n_workers` workers and `k` classes with `tables` tables (at least
    /// one). The tables are allocated here.
    pub fn new(n_workers: usize, k: usize, tables: usize) -> StatsStream {
        let cells = n_workers * k * k;
        StatsStream {
            n_workers,
            k,
            tables: (0..tables.max(1)).map(|_| Acc::new(cells, k)).collect(),
            counts: vec![0; n_workers * k],
            n_items: 0,
            n_judgments: 0,
            counted: false,
            pass_items: 0,
            pass_judgments: 0,
        }
    }

    /// Threads of the current rayon pool: the most tables a pass can use.
    pub fn threads() -> usize {
        rayon::current_num_threads()
    }

    /// Number of tables.
    pub fn n_tables(&self) -> usize {
        self.tables.len()
    }

    fn check(&self, shard: &Shard) -> Result<()> {
        if (shard.n_workers, shard.k) != (self.n_workers, self.k) {
            return Err(Error::param(
                "shard",
                format!(
                    "a shard coded with {} workers x {} classes in a stream over {} x {}; \
                     use the same global dictionaries",
                    shard.n_workers, shard.k, self.n_workers, self.k
                ),
            ));
        }
        Ok(())
    }

    fn ensure_table(&mut self) {
        let cells = self.n_workers * self.k * self.k;
        if self.tables[0].s.len() != cells {
            self.tables[0].s = vec![0; cells];
        }
    }

    fn count(&mut self, shard: &Shard) {
        self.pass_items += shard.n_nonempty;
        self.pass_judgments += shard.n_judgments() as u64;
        if !self.counted {
            let k = self.k;
            for (&w, &l) in shard.workers.iter().zip(&shard.labels) {
                self.counts[w as usize * k + l as usize] += 1;
            }
        }
    }

    /// Adds the majority-vote start of `shard` (as [`init_stats`](super::init_stats)).
    /// The first pass must be this one, over every shard.
    ///
    /// # Errors
    /// A shard of other dimensions; a call after the first pass.
    pub fn add_init(&mut self, shard: &Shard) -> Result<()> {
        self.check(shard)?;
        if self.counted {
            return Err(Error::param(
                "stream",
                "add_init belongs to the first pass only",
            ));
        }
        self.ensure_table();
        self.count(shard);
        let rs = ranges_upto(shard.n_items(), self.tables.len());
        self.tables[..rs.len()]
            .par_iter_mut()
            .zip(rs)
            .for_each(|(acc, r)| range_init(shard, r, acc));
        Ok(())
    }

    /// Adds the E-step of `shard` under `params` (as [`e_step`](super::e_step)).
    ///
    /// # Errors
    /// A shard or parameters of other dimensions; a call before the first pass.
    pub fn add_e_step(&mut self, shard: &Shard, params: &PreparedParams) -> Result<()> {
        self.check(shard)?;
        if !self.counted {
            return Err(Error::param(
                "stream",
                "the first pass (add_init over every shard) comes before the E-steps",
            ));
        }
        if (params.n_workers, params.k) != (self.n_workers, self.k) {
            return Err(Error::param(
                "params",
                "parameters of other dimensions than the stream's",
            ));
        }
        self.ensure_table();
        self.count(shard);
        let rs = ranges_upto(shard.n_items(), self.tables.len());
        self.tables[..rs.len()]
            .par_iter_mut()
            .zip(rs)
            .for_each(|(acc, r)| range_estep_any(shard, &params.p, r, None, acc, true));
        Ok(())
    }

    /// The merged statistics of the pass (the tables summed into one, which moves into
    /// the result; the others are cleared for the next pass).
    ///
    /// # Errors
    /// A non-finite log-likelihood in the pass; a pass that did not see the items and
    /// judgments of the first.
    pub fn take(&mut self) -> Result<DsStats> {
        self.ensure_table();
        let (first, rest) = self.tables.split_at_mut(1);
        let acc = &mut first[0];
        for o in rest.iter_mut() {
            acc.add(o);
            o.s.iter_mut().for_each(|v| *v = 0);
            o.prior.iter_mut().for_each(|v| *v = 0);
            o.weighted.iter_mut().for_each(|v| *v = 0);
            (o.entropy, o.loglik, o.bad) = (0, 0, false);
        }
        let bad = std::mem::replace(&mut acc.bad, false);
        let (items, judgments) = (
            std::mem::take(&mut self.pass_items),
            std::mem::take(&mut self.pass_judgments),
        );
        if !self.counted {
            (self.n_items, self.n_judgments, self.counted) = (items, judgments, true);
        } else if (items, judgments) != (self.n_items, self.n_judgments) {
            return Err(Error::param(
                "stream",
                format!(
                    "a pass over {judgments} judgments of {items} items; the first pass saw \
                     {} of {}: stream every shard once per pass",
                    self.n_judgments, self.n_items
                ),
            ));
        }
        let stats = DsStats {
            n_workers: self.n_workers,
            k: self.k,
            s: std::mem::take(&mut acc.s),
            counts: self.counts.clone(),
            prior: std::mem::replace(&mut acc.prior, vec![0; self.k]),
            weighted: std::mem::replace(&mut acc.weighted, vec![0; self.k]),
            entropy: std::mem::take(&mut acc.entropy),
            loglik: std::mem::take(&mut acc.loglik),
            n_items: self.n_items,
            n_judgments: self.n_judgments,
        };
        if bad {
            self.give_back(stats);
            return Err(not_finite());
        }
        Ok(stats)
    }

    /// Returns statistics from [`take`](Self::take) once used: their table is cleared
    /// and reused by the next pass (without it, the next pass allocates a new one).
    pub fn give_back(&mut self, mut stats: DsStats) {
        if stats.s.len() == self.n_workers * self.k * self.k && self.tables[0].s.is_empty() {
            stats.s.iter_mut().for_each(|v| *v = 0);
            self.tables[0].s = stats.s;
        }
    }
}

fn not_finite() -> Error {
    Error::Numerical {
        context: "dawid-skene e-step".into(),
        iteration: None,
        message: "the log-likelihood is not finite; check the parameters".into(),
    }
}
