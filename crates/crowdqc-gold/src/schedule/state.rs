//! Saving and restoring a [`GoldScheduler`]: a versioned binary file that restores the
//! scheduler exactly (parameters, pool, exposure order, every worker's counters and
//! seen gold, decision counts), so a platform can stop and resume it.
//!
//! The scheduler keeps no generator state to save: its initial gold order comes from
//! the seed, and the gold/regular coin for a worker's `s`-th slot is a counter-based
//! draw from `(seed, worker, s)`, so the seed and the per-worker slot counters *are*
//! the random state. Rates are recomputed from the counts (the same function), not
//! stored.
//!
//! ```text
//! bytes 0..8   magic b"CQCGOLDS"
//! u32          format version (1)
//! params       quiz u32, quiz_pass f64, onboarding_gold u32, onboarding_rate f64,
//!              threshold f64, confidence f64, max_rate f64, floor f64,
//!              max_exposure u32, seed u64, rule u8 (0 posterior, 1 wilson)
//! pool         n u64, n × (item u32, answer u32)
//! exposure     order n × u32, count n × u32, m u64, start m × u32
//! stats        8 × u64
//! workers      w u64, per worker by ascending id: id u32, slots u64, served u32,
//!              answered u32, correct u32, status u8, seen u32, seen × u32 (pool indices)
//! u64          FNV-1a 64 checksum of every byte before it
//! ```
//! All numbers little-endian; `f64` as IEEE bits (exact).

use std::path::Path;

use crowdqc_core::bytes::ByteReader;
use crowdqc_core::{Error, Result};
use hashbrown::HashMap;

use super::online::{GoldScheduler, WorkerState, check, gold_rate};
use super::params::{AdaptiveRule, ScheduleParams};
use super::pool::{ExposureOrder, GoldPool};
use super::{ScheduleStats, WorkerStatus};
use crate::interval::two_sided_z;

/// The first eight bytes of a gold scheduler state file.
pub const STATE_MAGIC: &[u8; 8] = b"CQCGOLDS";
/// The state format version this crowdqc writes and reads.
pub const STATE_VERSION: u32 = 1;

/// How errors in a state file start.
const KIND: &str = "invalid gold scheduler state";

fn bad(message: impl Into<String>) -> Error {
    Error::Parse {
        line: None,
        message: format!("{KIND}: {}", message.into()),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
}

fn write_params(o: &mut Out, p: &ScheduleParams) {
    o.u32(p.quiz);
    o.f64(p.quiz_pass);
    o.u32(p.onboarding_gold);
    o.f64(p.onboarding_rate);
    o.f64(p.threshold);
    o.f64(p.confidence);
    o.f64(p.max_rate);
    o.f64(p.floor);
    o.u32(p.max_exposure);
    o.u64(p.seed);
    o.u8(match p.rule {
        AdaptiveRule::Posterior => 0,
        AdaptiveRule::Wilson => 1,
    });
}

fn read_params(c: &mut ByteReader<'_>) -> Result<ScheduleParams> {
    let p = ScheduleParams {
        quiz: c.u32("quiz")?,
        quiz_pass: c.f64("quiz_pass")?,
        onboarding_gold: c.u32("onboarding_gold")?,
        onboarding_rate: c.f64("onboarding_rate")?,
        threshold: c.f64("threshold")?,
        confidence: c.f64("confidence")?,
        max_rate: c.f64("max_rate")?,
        floor: c.f64("floor")?,
        max_exposure: c.u32("max_exposure")?,
        seed: c.u64("seed")?,
        rule: match c.u8("rule")? {
            0 => AdaptiveRule::Posterior,
            1 => AdaptiveRule::Wilson,
            r => return Err(bad(format!("unknown adaptive rule {r}"))),
        },
    };
    p.validate()
        .map_err(|e| bad(format!("saved parameters: {e}")))?;
    Ok(p)
}

/// The parameters that differ, as `name (saved X, given Y)`.
fn param_differences(saved: &ScheduleParams, given: &ScheduleParams) -> Vec<String> {
    let mut d = Vec::new();
    let mut f = |name: &str, a: String, b: String| {
        if a != b {
            d.push(format!("{name} (saved {a}, given {b})"));
        }
    };
    f("quiz", saved.quiz.to_string(), given.quiz.to_string());
    f(
        "quiz_pass",
        saved.quiz_pass.to_string(),
        given.quiz_pass.to_string(),
    );
    f(
        "onboarding_gold",
        saved.onboarding_gold.to_string(),
        given.onboarding_gold.to_string(),
    );
    f(
        "onboarding_rate",
        saved.onboarding_rate.to_string(),
        given.onboarding_rate.to_string(),
    );
    f(
        "threshold",
        saved.threshold.to_string(),
        given.threshold.to_string(),
    );
    f(
        "confidence",
        saved.confidence.to_string(),
        given.confidence.to_string(),
    );
    f(
        "max_rate",
        saved.max_rate.to_string(),
        given.max_rate.to_string(),
    );
    f("floor", saved.floor.to_string(), given.floor.to_string());
    f(
        "max_exposure",
        saved.max_exposure.to_string(),
        given.max_exposure.to_string(),
    );
    f("seed", saved.seed.to_string(), given.seed.to_string());
    f(
        "rule",
        format!("{:?}", saved.rule),
        format!("{:?}", given.rule),
    );
    d
}

impl GoldScheduler {
    /// The scheduler's complete state as bytes (the format in the module docs):
    /// identical bytes for identical states (workers in ascending id order).
    pub fn save_state(&self) -> Vec<u8> {
        let mut o = Out(Vec::with_capacity(64 + 16 * self.pool.len()));
        o.0.extend_from_slice(STATE_MAGIC);
        o.u32(STATE_VERSION);
        write_params(&mut o, &self.params);
        o.u64(self.pool.len() as u64);
        for (&item, &answer) in self.pool.items().iter().zip(self.pool.answers()) {
            o.u32(item);
            o.u32(answer);
        }
        let (order, count, start) = self.exposure.parts();
        order.iter().for_each(|&v| o.u32(v));
        count.iter().for_each(|&v| o.u32(v));
        o.u64(start.len() as u64);
        start.iter().for_each(|&v| o.u32(v));
        let s = self.stats;
        for v in [
            s.requests,
            s.regular,
            s.quiz,
            s.onboarding,
            s.adaptive,
            s.starved,
            s.awaiting,
            s.excluded,
        ] {
            o.u64(v);
        }
        let mut ids: Vec<u32> = self.workers.keys().copied().collect();
        ids.sort_unstable();
        o.u64(ids.len() as u64);
        for id in ids {
            let w = &self.workers[&id];
            o.u32(id);
            o.u64(w.slots);
            o.u32(w.served);
            o.u32(w.answered);
            o.u32(w.correct);
            o.u8(match w.status {
                WorkerStatus::Quiz => 0,
                WorkerStatus::Working => 1,
                WorkerStatus::Failed => 2,
            });
            o.u32(w.seen.len() as u32);
            w.seen.iter().for_each(|&k| o.u32(k));
        }
        let sum = fnv1a(&o.0);
        o.u64(sum);
        o.0
    }

    /// Writes [`save_state`](Self::save_state) to `path` atomically (a temporary file
    /// beside it, then a rename).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn write_state(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, self.save_state()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// A scheduler restored from [`save_state`](Self::save_state) bytes, with the saved
    /// parameters and pool.
    ///
    /// # Errors
    /// [`Error::Parse`] for bytes that are not a state file, are truncated or corrupt
    /// (checksum) or inconsistent; [`Error::InvalidParameter`] (`state`) for another
    /// format version.
    pub fn from_state(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 20 || &bytes[..8] != STATE_MAGIC {
            return Err(bad(
                "it does not start with CQCGOLDS; give a file written by --save-state",
            ));
        }
        let mut c = ByteReader::new(bytes, 8, KIND);
        let version = c.u32("version")?;
        if version != STATE_VERSION {
            return Err(Error::param(
                "state",
                format!(
                    "the state file has format version {version}; this crowdqc reads version \
                     {STATE_VERSION}: save the state again with this version"
                ),
            ));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if fnv1a(body).to_le_bytes() != sum {
            return Err(bad("checksum mismatch: the file is corrupt or truncated"));
        }
        let mut c = ByteReader::new(body, c.offset(), KIND);
        let params = read_params(&mut c)?;
        let n = c.count(8, "pool size")?;
        let mut pairs = Vec::with_capacity(n);
        for _ in 0..n {
            pairs.push((c.u32("gold item")?, c.u32("gold answer")?));
        }
        let pool = GoldPool::new(pairs).map_err(|e| bad(format!("gold pool: {e}")))?;
        if pool.len() != n {
            return Err(bad("gold pool: repeated items"));
        }
        let order = c.u32s(n, "exposure order")?;
        let count = c.u32s(n, "exposure counts")?;
        let m = c.count(4, "exposure buckets")?;
        let start = c.u32s(m, "exposure buckets")?;
        let exposure = ExposureOrder::from_parts(order, count, start)
            .ok_or_else(|| bad("inconsistent exposure order"))?;
        let mut st = [0u64; 8];
        for v in &mut st {
            *v = c.u64("stats")?;
        }
        let stats = ScheduleStats {
            requests: st[0],
            regular: st[1],
            quiz: st[2],
            onboarding: st[3],
            adaptive: st[4],
            starved: st[5],
            awaiting: st[6],
            excluded: st[7],
        };
        let z = two_sided_z(params.confidence);
        let nw = c.count(29, "workers")?;
        let mut workers = HashMap::with_capacity(nw);
        let mut exposed = vec![0u32; n];
        let mut last = None;
        for _ in 0..nw {
            let id = c.u32("worker id")?;
            if last.is_some_and(|l| l >= id) {
                return Err(bad(format!("worker {id}: ids not ascending")));
            }
            last = Some(id);
            let slots = c.u64("slots")?;
            let (served, answered, correct) =
                (c.u32("served")?, c.u32("answered")?, c.u32("correct")?);
            let status = match c.u8("status")? {
                0 => WorkerStatus::Quiz,
                1 => WorkerStatus::Working,
                2 => WorkerStatus::Failed,
                s => return Err(bad(format!("worker {id}: unknown status {s}"))),
            };
            let len = c.u32("seen")? as usize;
            let seen = c.u32s(len, "seen gold")?;
            let sorted = seen.windows(2).all(|w| w[0] < w[1]);
            if correct > answered
                || answered > served
                || served as usize != len
                || !sorted
                || seen.last().is_some_and(|&k| k as usize >= n)
            {
                return Err(bad(format!("worker {id}: inconsistent counters")));
            }
            seen.iter().for_each(|&k| exposed[k as usize] += 1);
            let rate = gold_rate(&params, z, answered, correct);
            let w = WorkerState {
                seen,
                slots,
                served,
                answered,
                correct,
                rate,
                status,
            };
            workers.insert(id, w);
        }
        if c.left() != 0 {
            return Err(bad(format!("{} unexpected bytes", c.left())));
        }
        if (0..n as u32).any(|k| exposure.exposure(k) != exposed[k as usize]) {
            return Err(bad("exposure counts disagree with the workers' seen gold"));
        }
        check(&params, &pool).map_err(|e| bad(e.to_string()))?;
        Ok(GoldScheduler {
            z,
            exposure,
            params,
            pool,
            workers,
            stats,
        })
    }

    /// Restores a scheduler saved with the same `params` and `pool`, as a platform
    /// resumes one: [`from_state`](Self::from_state), then a check that nothing
    /// differs.
    ///
    /// # Errors
    /// As [`from_state`](Self::from_state); [`Error::InvalidParameter`] (`state`)
    /// naming every parameter that differs with both values, or how the gold pool
    /// differs.
    pub fn resume(params: ScheduleParams, pool: GoldPool, bytes: &[u8]) -> Result<Self> {
        let s = Self::from_state(bytes)?;
        let d = param_differences(&s.params, &params);
        if !d.is_empty() {
            return Err(Error::param(
                "state",
                format!(
                    "the saved scheduler has other parameters: {}; resume with the saved \
                     parameters or start a new state",
                    d.join(", ")
                ),
            ));
        }
        if s.pool != pool {
            let why = if s.pool.len() == pool.len() {
                let k = (0..pool.len())
                    .find(|&k| {
                        s.pool.items()[k] != pool.items()[k]
                            || s.pool.answers()[k] != pool.answers()[k]
                    })
                    .unwrap_or(0);
                format!(
                    "entry {k}: saved item {} (answer {}), given item {} (answer {})",
                    s.pool.items()[k],
                    s.pool.answers()[k],
                    pool.items()[k],
                    pool.answers()[k]
                )
            } else {
                format!("saved {} items, given {}", s.pool.len(), pool.len())
            };
            return Err(Error::param(
                "state",
                format!("the saved scheduler has another gold pool: {why}"),
            ));
        }
        Ok(s)
    }

    /// Reads a state file ([`from_state`](Self::from_state)) naming the file in errors.
    ///
    /// # Errors
    /// As [`from_state`](Self::from_state); [`Error::Io`].
    pub fn read_state(path: &Path) -> Result<Self> {
        Self::from_state(&read_file(path)?).map_err(|e| e.in_file(path))
    }

    /// Reads a state file and [`resume`](Self::resume)s it with `params` and `pool`,
    /// naming the file in errors.
    ///
    /// # Errors
    /// As [`resume`](Self::resume); [`Error::Io`].
    pub fn resume_file(params: ScheduleParams, pool: GoldPool, path: &Path) -> Result<Self> {
        Self::resume(params, pool, &read_file(path)?).map_err(|e| e.in_file(path))
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
