//! [`SynthCrowd`]: block-wise generation of items and judgments.

use std::ops::Range;

use crowdqc_core::{IdRef, Result};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::{Archetype, ClassPrior, Redundancy, RowOrder, SynthConfig};
use super::workers::{
    AliasTable, WorkerTruth, distinct_workers, draw_workers, normal, shuffle, unit,
};

/// Items per generation block (part of the determinism contract: changing it changes
/// the output for a seed).
pub const BLOCK_ITEMS: usize = 4096;

/// Start of the synthetic clock: 2024-01-01T00:00:00Z in ms since the epoch.
const T0_MS: i64 = 1_704_067_200_000;
/// Wall-clock span of one block of items.
const BLOCK_SPAN_MS: i64 = 3_600_000;

/// One generated judgment, with indices into the truth (not matrix codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgment {
    /// Item index `0..n_items` (id `i{index}`).
    pub item: u32,
    /// Worker index `0..n_workers` (id `w{index}`).
    pub worker: u32,
    /// Observed class `0..K` (label `c{class}` or the integer).
    pub label: u32,
    /// Milliseconds since the epoch (0 unless [`SynthConfig::times`]); non-decreasing
    /// in row order.
    pub timestamp_ms: i64,
    /// Time spent in milliseconds (0 unless [`SynthConfig::times`]).
    pub duration_ms: i64,
}

/// The truth about one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemTruth {
    /// True class `0..K`.
    pub class: u32,
    /// Whether the item is gold (its true class is revealed in the gold output).
    pub gold: bool,
    /// Distinct workers drawn for it (judgments before repeats).
    pub redundancy: u32,
}

/// The rows of one block of items.
#[derive(Debug, Clone)]
pub struct Block {
    /// Item indices of the block.
    pub items: Range<usize>,
    /// The judgments, in output order.
    pub rows: Vec<Judgment>,
}

/// A synthetic crowd: workers drawn, items and judgments generated on demand.
#[derive(Debug, Clone)]
pub struct SynthCrowd {
    cfg: SynthConfig,
    workers: Vec<WorkerTruth>,
    table: AliasTable,
    prior: Vec<f64>,
    prior_cdf: Vec<f64>,
    base: ChaCha8Rng,
}

impl SynthCrowd {
    /// Validates the config and draws the workers.
    ///
    /// # Errors
    /// A config field out of range (see [`SynthConfig::validate`]).
    pub fn new(cfg: SynthConfig) -> Result<Self> {
        cfg.validate()?;
        let base = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut wrng = base.clone();
        wrng.set_stream(0);
        let workers = draw_workers(&cfg, &mut wrng);
        let table = AliasTable::new(&workers.iter().map(|w| w.activity).collect::<Vec<_>>());
        let k = cfg.n_classes;
        let raw: Vec<f64> = match &cfg.class_prior {
            ClassPrior::Uniform => vec![1.0; k],
            ClassPrior::Zipf(s) => (0..k).map(|c| (c as f64 + 1.0).powf(-s)).collect(),
            ClassPrior::Weights(w) => w.clone(),
        };
        let total: f64 = raw.iter().sum();
        let prior: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mut acc = 0.0;
        let mut prior_cdf: Vec<f64> = prior
            .iter()
            .map(|p| {
                acc += p;
                acc
            })
            .collect();
        if let Some(last) = prior_cdf.last_mut() {
            *last = f64::INFINITY; // never fall off the end through rounding
        }
        Ok(SynthCrowd {
            cfg,
            workers,
            table,
            prior,
            prior_cdf,
            base,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// The workers' truth, by worker index.
    pub fn workers(&self) -> &[WorkerTruth] {
        &self.workers
    }

    /// The normalised class prior.
    pub fn prior(&self) -> &[f64] {
        &self.prior
    }

    /// Number of generation blocks.
    pub fn n_blocks(&self) -> usize {
        self.cfg.n_items.div_ceil(BLOCK_ITEMS)
    }

    fn block_items(&self, b: usize) -> Range<usize> {
        let start = b * BLOCK_ITEMS;
        start..(start + BLOCK_ITEMS).min(self.cfg.n_items)
    }

    fn stream(&self, s: u64) -> ChaCha8Rng {
        let mut r = self.base.clone();
        r.set_stream(s);
        r
    }

    /// The truth of the items of block `b`.
    ///
    /// # Panics
    /// If `b >= n_blocks()`.
    pub fn block_truth(&self, b: usize) -> Vec<ItemTruth> {
        assert!(b < self.n_blocks(), "block {b} out of range");
        let mut rng = self.stream(2 * b as u64 + 1);
        let n_workers = self.cfg.n_workers as u32;
        self.block_items(b)
            .map(|_| {
                let u = unit(&mut rng);
                let class = self.prior_cdf.partition_point(|&c| c <= u) as u32;
                let gold = unit(&mut rng) < self.cfg.gold_fraction;
                let r = match self.cfg.redundancy {
                    Redundancy::Fixed(r) => r,
                    Redundancy::Uniform { min, max } => rng.random_range(min..=max),
                    Redundancy::Poisson { mean } => 1 + poisson(mean - 1.0, &mut rng),
                };
                ItemTruth {
                    class,
                    gold,
                    redundancy: r.min(n_workers),
                }
            })
            .collect()
    }

    /// The truth of every item, by item index (`n_items` entries).
    pub fn item_truth(&self) -> Vec<ItemTruth> {
        (0..self.n_blocks())
            .flat_map(|b| self.block_truth(b))
            .collect()
    }

    /// Generates block `b`.
    ///
    /// # Panics
    /// If `b >= n_blocks()`.
    pub fn block(&self, b: usize) -> Block {
        let truth = self.block_truth(b);
        let items = self.block_items(b);
        let mut rng = self.stream(2 * b as u64 + 2);
        let k = self.cfg.n_classes as u32;
        let expected: usize = truth.iter().map(|t| t.redundancy as usize).sum();
        let mut rows = Vec::with_capacity(expected + expected / 16);
        let mut chosen = Vec::new();
        for (i, t) in items.clone().zip(&truth) {
            distinct_workers(
                &self.table,
                &self.workers,
                t.redundancy as usize,
                &mut rng,
                &mut chosen,
            );
            for &w in &chosen {
                let wt = &self.workers[w as usize];
                loop {
                    let label = wt.sample(t.class, k, &mut rng);
                    let duration_ms = if self.cfg.times {
                        duration(wt.archetype, &mut rng)
                    } else {
                        0
                    };
                    rows.push(Judgment {
                        item: i as u32,
                        worker: w,
                        label,
                        timestamp_ms: 0,
                        duration_ms,
                    });
                    if self.cfg.duplicate_rate == 0.0 || unit(&mut rng) >= self.cfg.duplicate_rate {
                        break;
                    }
                }
            }
        }
        if self.cfg.row_order == RowOrder::Shuffled {
            shuffle(&mut rows, &mut rng);
        }
        if self.cfg.times {
            let base = T0_MS + b as i64 * BLOCK_SPAN_MS;
            let n = rows.len().max(1) as i64;
            for (p, r) in rows.iter_mut().enumerate() {
                r.timestamp_ms = base + p as i64 * BLOCK_SPAN_MS / n;
            }
        }
        Block { items, rows }
    }

    /// All judgments, lazily, block by block.
    pub fn judgments(&self) -> impl Iterator<Item = Judgment> + '_ {
        (0..self.n_blocks()).flat_map(move |b| self.block(b).rows)
    }

    /// All judgments in one vector (small crowds).
    pub fn collect_judgments(&self) -> Vec<Judgment> {
        self.judgments().collect()
    }

    /// The item index of a generated item id (`i000123` or the integer 123).
    pub fn parse_item(&self, id: IdRef<'_>) -> Option<usize> {
        parse_index(id, 'i').filter(|&i| i < self.cfg.n_items)
    }

    /// The worker index of a generated worker id (`w0042` or the integer 42).
    pub fn parse_worker(&self, id: IdRef<'_>) -> Option<usize> {
        parse_index(id, 'w').filter(|&i| i < self.cfg.n_workers)
    }

    /// The class index of a generated label (`c2` or the integer 2).
    pub fn parse_label(&self, id: IdRef<'_>) -> Option<u32> {
        parse_index(id, 'c')
            .filter(|&i| i < self.cfg.n_classes)
            .map(|c| c as u32)
    }
}

fn parse_index(id: IdRef<'_>, prefix: char) -> Option<usize> {
    match id {
        IdRef::Int(v) => usize::try_from(v).ok(),
        IdRef::Str(s) => s.strip_prefix(prefix)?.parse().ok(),
    }
}

/// Poisson draw (Knuth's product method, in pieces of mean ≤ 30; exact in distribution).
fn poisson<R: Rng>(mean: f64, rng: &mut R) -> u32 {
    let mut left = mean;
    let mut n = 0u32;
    while left > 0.0 {
        let lam = left.min(30.0);
        left -= lam;
        let limit = (-lam).exp();
        let mut p = unit(rng);
        while p > limit {
            n += 1;
            p *= unit(rng);
        }
    }
    n
}

/// Time spent on a judgment: log-normal, median by archetype, σ = 0.5.
fn duration<R: Rng>(a: Archetype, rng: &mut R) -> i64 {
    let median_ms = match a {
        Archetype::Good => 12_000.0,
        Archetype::Mediocre => 8_000.0,
        Archetype::RandomSpammer => 2_500.0,
        Archetype::ConstantSpammer => 1_500.0,
        Archetype::Adversarial => 9_000.0,
    };
    (median_ms * (0.5 * normal(rng)).exp()).round() as i64
}
