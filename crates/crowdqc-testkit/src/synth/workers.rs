//! Workers of a synthetic crowd: archetypes, confusion matrices, activity sampling.

use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use super::config::{Archetype, SynthConfig};

/// The truth about one synthetic worker.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerTruth {
    /// The worker's archetype.
    pub archetype: Archetype,
    /// Accuracy parameter (good / mediocre), preference strength (adversarial), 1/K
    /// (random spammer) or the probability of being right on the constant class
    /// (constant spammer: 1).
    pub param: f64,
    /// The constant class (constant spammer) or the shift `1..K` (adversarial); 0 else.
    pub target: u32,
    /// Probability that a given judgment is this worker's (activity share; sums to 1).
    pub activity: f64,
}

impl WorkerTruth {
    /// The worker's confusion matrix, row-major `K × K`, indexed `[true, observed]`
    /// (rows sum to 1).
    pub fn confusion(&self, k: usize) -> Vec<f64> {
        let mut m = vec![0.0; k * k];
        for t in 0..k {
            for o in 0..k {
                m[t * k + o] = self.prob(t as u32, o as u32, k);
            }
        }
        m
    }

    /// `P(observed = o | true = t)` for `K = k` classes.
    pub fn prob(&self, t: u32, o: u32, k: usize) -> f64 {
        let kf = k as f64;
        if k == 1 {
            return 1.0;
        }
        match self.archetype {
            Archetype::Good | Archetype::Mediocre => {
                if o == t {
                    self.param
                } else {
                    (1.0 - self.param) / (kf - 1.0)
                }
            }
            Archetype::RandomSpammer => 1.0 / kf,
            Archetype::ConstantSpammer => f64::from(u8::from(o == self.target)),
            Archetype::Adversarial => {
                let base = (1.0 - self.param) / kf;
                if o as usize == (t as usize + self.target as usize) % k {
                    base + self.param
                } else {
                    base
                }
            }
        }
    }

    /// The probability of a correct answer averaged over the class prior `prior`.
    pub fn expected_accuracy(&self, prior: &[f64]) -> f64 {
        let k = prior.len();
        (0..k)
            .map(|t| prior[t] * self.prob(t as u32, t as u32, k))
            .sum()
    }

    /// Draws an observed class for true class `t`.
    pub(crate) fn sample<R: Rng>(&self, t: u32, k: u32, rng: &mut R) -> u32 {
        if k == 1 {
            return 0;
        }
        match self.archetype {
            Archetype::Good | Archetype::Mediocre => {
                if unit(rng) < self.param {
                    t
                } else {
                    // uniform over the k - 1 other classes
                    let o = rng.random_range(0..k - 1);
                    if o >= t { o + 1 } else { o }
                }
            }
            Archetype::RandomSpammer => rng.random_range(0..k),
            Archetype::ConstantSpammer => self.target,
            Archetype::Adversarial => {
                if unit(rng) < self.param {
                    (t + self.target) % k
                } else {
                    rng.random_range(0..k)
                }
            }
        }
    }
}

/// A uniform draw in `[0, 1)` with 53 bits.
pub(crate) fn unit<R: Rng>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Box–Muller, one of the pair).
pub(crate) fn normal<R: Rng>(rng: &mut R) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Draws the workers (stream 0 of the seed).
pub(crate) fn draw_workers(cfg: &SynthConfig, rng: &mut ChaCha8Rng) -> Vec<WorkerTruth> {
    let n = cfg.n_workers;
    let k = cfg.n_classes as u32;
    let counts = cfg.mix.counts(n);
    let mut archetypes: Vec<Archetype> = Vec::with_capacity(n);
    for (a, &c) in Archetype::ALL.iter().zip(&counts) {
        archetypes.extend(std::iter::repeat_n(*a, c));
    }
    shuffle(&mut archetypes, rng);
    // activity: zipf weights by a random rank
    let mut rank: Vec<u32> = (0..n as u32).collect();
    shuffle(&mut rank, rng);
    let weights: Vec<f64> = rank
        .iter()
        .map(|&r| (f64::from(r) + 1.0).powf(-cfg.activity_skew))
        .collect();
    let total: f64 = weights.iter().sum();
    let range = |rng: &mut ChaCha8Rng, (lo, hi): (f64, f64)| lo + (hi - lo) * unit(rng);
    archetypes
        .into_iter()
        .zip(weights)
        .map(|(archetype, w)| {
            let (param, target) = match archetype {
                Archetype::Good => (range(rng, cfg.good_accuracy), 0),
                Archetype::Mediocre => (range(rng, cfg.mediocre_accuracy), 0),
                Archetype::RandomSpammer => (1.0 / f64::from(k), 0),
                Archetype::ConstantSpammer => (1.0, rng.random_range(0..k)),
                Archetype::Adversarial => (
                    range(rng, cfg.adversarial_strength),
                    if k > 1 { rng.random_range(1..k) } else { 0 },
                ),
            };
            WorkerTruth {
                archetype,
                param,
                target,
                activity: w / total,
            }
        })
        .collect()
}

/// Fisher–Yates shuffle (own implementation so the sequence is fixed by this crate).
pub(crate) fn shuffle<T, R: Rng>(v: &mut [T], rng: &mut R) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// Walker/Vose alias table for O(1) weighted sampling.
#[derive(Debug, Clone)]
pub(crate) struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Weights must be finite, non-negative, not all zero.
    pub(crate) fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let mut prob = vec![1.0; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (i, &s) in scaled.iter().enumerate() {
            if s < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s as usize] = scaled[s as usize];
            alias[s as usize] = l;
            scaled[l as usize] = scaled[l as usize] + scaled[s as usize] - 1.0;
            if scaled[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // leftovers (numerical) keep probability 1
        AliasTable { prob, alias }
    }

    pub(crate) fn len(&self) -> usize {
        self.prob.len()
    }

    pub(crate) fn sample<R: Rng>(&self, rng: &mut R) -> u32 {
        let i = rng.random_range(0..self.prob.len());
        if unit(rng) < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

/// Draws `r` distinct workers (`r <= n_workers`) by activity into `out`.
pub(crate) fn distinct_workers<R: Rng>(
    table: &AliasTable,
    weights: &[WorkerTruth],
    r: usize,
    rng: &mut R,
    out: &mut Vec<u32>,
) {
    out.clear();
    let n = table.len();
    if r >= n {
        out.extend(0..n as u32);
        shuffle(out, rng);
        return;
    }
    let mut attempts = 0usize;
    let limit = 32 * r + 64;
    while out.len() < r && attempts < limit {
        attempts += 1;
        let w = table.sample(rng);
        if !out.contains(&w) {
            out.push(w);
        }
    }
    if out.len() < r {
        // Efraimidis–Spirakis: exact weighted sampling without replacement.
        out.clear();
        let mut keys: Vec<(f64, u32)> = weights
            .iter()
            .enumerate()
            .map(|(w, t)| {
                (
                    (1.0 - unit(rng)).ln() / t.activity.max(f64::MIN_POSITIVE),
                    w as u32,
                )
            })
            .collect();
        keys.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.extend(keys[..r].iter().map(|&(_, w)| w));
    }
}
