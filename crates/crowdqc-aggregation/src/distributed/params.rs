//! [`DsParams`] (what the driver broadcasts) and [`DsStats`] (what a shard returns).

use crowdqc_core::{Error, Result};

use super::fixed::from_fixed;

const PARAMS_MAGIC: &[u8; 8] = b"CQDSP\x00\x01\x00";
const STATS_MAGIC: &[u8; 8] = b"CQDSS\x00\x01\x00";

/// Dawid–Skene (or one-coin) parameters: class priors and per-worker confusion
/// matrices over the global worker and label codes.
///
/// `priors` has `k` values; `confusion` has `n_workers · k · k` values indexed
/// **`[worker, true, observed]`** (row-major): `confusion[(w · k + c) · k + l]` =
/// P(worker `w` answers `l` | true class `c`), as
/// [`DawidSkeneModel::confusion`](crate::DawidSkeneModel::confusion). Serialises to
/// bytes ([`to_bytes`](Self::to_bytes)) and to flat `f64` slices (for numpy arrays).
/// Size: `8 · (k + n_workers · k²)` bytes plus a 24-byte header.
#[derive(Debug, Clone, PartialEq)]
pub struct DsParams {
    pub(crate) n_workers: usize,
    pub(crate) k: usize,
    pub(crate) priors: Vec<f64>,
    pub(crate) confusion: Vec<f64>,
}

impl DsParams {
    /// Parameters from flat slices (see the type docs for the layout).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `priors` or `confusion` when a length does
    /// not match `k` and `n_workers`, or a value is negative or not finite; `k < 2`.
    pub fn from_flat(
        n_workers: usize,
        k: usize,
        priors: Vec<f64>,
        confusion: Vec<f64>,
    ) -> Result<DsParams> {
        if k < 2 {
            return Err(Error::param(
                "k",
                format!("needs at least 2 classes, got {k}"),
            ));
        }
        if priors.len() != k {
            return Err(Error::param(
                "priors",
                format!("needs {k} values (one per class), got {}", priors.len()),
            ));
        }
        let cells = n_workers
            .checked_mul(k * k)
            .ok_or_else(|| Error::param("n_workers", "n_workers · k² overflows"))?;
        if confusion.len() != cells {
            return Err(Error::param(
                "confusion",
                format!(
                    "needs n_workers · k · k = {cells} values [worker, true, observed], got {}",
                    confusion.len()
                ),
            ));
        }
        for (name, v) in [("priors", &priors), ("confusion", &confusion)] {
            if let Some((i, x)) = v
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.is_finite() && **x >= 0.0))
            {
                return Err(Error::param(
                    name,
                    format!("values must be finite and >= 0, got {x} at index {i}"),
                ));
            }
        }
        Ok(DsParams {
            n_workers,
            k,
            priors,
            confusion,
        })
    }

    /// Number of workers (global codes `0..n_workers`).
    pub fn n_workers(&self) -> usize {
        self.n_workers
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.k
    }

    /// Class priors (`k` values).
    pub fn priors(&self) -> &[f64] {
        &self.priors
    }

    /// Confusion, `n_workers · k · k` values `[worker, true, observed]`.
    pub fn confusion(&self) -> &[f64] {
        &self.confusion
    }

    /// Size of [`to_bytes`](Self::to_bytes) in bytes.
    pub fn byte_len(&self) -> usize {
        24 + 8 * (self.priors.len() + self.confusion.len())
    }

    /// Little-endian bytes: magic, `n_workers`, `k` (u64), priors, confusion (f64).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_len());
        out.extend_from_slice(PARAMS_MAGIC);
        out.extend_from_slice(&(self.n_workers as u64).to_le_bytes());
        out.extend_from_slice(&(self.k as u64).to_le_bytes());
        for v in self.priors.iter().chain(&self.confusion) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`to_bytes`](Self::to_bytes)' output.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `bytes` for a wrong header or length, and the
    /// checks of [`from_flat`](Self::from_flat).
    pub fn from_bytes(bytes: &[u8]) -> Result<DsParams> {
        let mut r = Reader::new(bytes, PARAMS_MAGIC, "Dawid-Skene parameters")?;
        let n_workers = r.u64()? as usize;
        let k = r.u64()? as usize;
        let cells = n_workers
            .checked_mul(k)
            .and_then(|v| v.checked_mul(k))
            .and_then(|v| v.checked_add(k))
            .ok_or_else(|| Error::param("bytes", "header sizes overflow"))?;
        r.expect_remaining(cells * 8)?;
        let priors = (0..k).map(|_| r.f64()).collect::<Result<Vec<_>>>()?;
        let confusion = (0..cells - k)
            .map(|_| r.f64())
            .collect::<Result<Vec<_>>>()?;
        DsParams::from_flat(n_workers, k, priors, confusion)
    }
}

/// One shard's (or several merged shards') sufficient statistics for the M-step and
/// the stopping rule, in fixed point (see [`SCALE`](super::SCALE)): exact, so merging
/// in any order or grouping gives the same bits.
///
/// Holds, over the shard's items: `Σ q[t, c]` over `(worker, observed label)` groups
/// (`n_workers · k · k`, layout `[worker, observed, true]`), judgment counts per
/// `(worker, observed label)`, `Σ_t q[t, c]` and `Σ_t n_t q[t, c]` over items with
/// judgments, crowd-kit's entropy and the marginal log-likelihood of the parameters
/// used, items with judgments and judgments. Size: `16 · n_workers · k² +
/// 8 · n_workers · k + 32 k + 72` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsStats {
    pub(crate) n_workers: usize,
    pub(crate) k: usize,
    pub(crate) s: Vec<i128>,
    pub(crate) counts: Vec<u64>,
    pub(crate) prior: Vec<i128>,
    pub(crate) weighted: Vec<i128>,
    pub(crate) entropy: i128,
    pub(crate) loglik: i128,
    pub(crate) n_items: u64,
    pub(crate) n_judgments: u64,
}

fn overflow() -> Error {
    Error::Numerical {
        context: "merging Dawid-Skene statistics".into(),
        iteration: None,
        message: "a fixed-point sum overflowed (impossible below 2^56 judgments); \
                  check that the statistics come from this fit"
            .into(),
    }
}

fn add_all(a: &mut [i128], b: &[i128]) -> Result<()> {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.checked_add(*y).ok_or_else(overflow)?;
    }
    Ok(())
}

impl DsStats {
    /// Zero statistics (the identity of [`merge`](super::merge)).
    pub fn zeros(n_workers: usize, k: usize) -> DsStats {
        DsStats {
            n_workers,
            k,
            s: vec![0; n_workers * k * k],
            counts: vec![0; n_workers * k],
            prior: vec![0; k],
            weighted: vec![0; k],
            entropy: 0,
            loglik: 0,
            n_items: 0,
            n_judgments: 0,
        }
    }

    /// Number of workers.
    pub fn n_workers(&self) -> usize {
        self.n_workers
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.k
    }

    /// Items with judgments counted.
    pub fn n_items(&self) -> u64 {
        self.n_items
    }

    /// Judgments counted.
    pub fn n_judgments(&self) -> u64 {
        self.n_judgments
    }

    /// The marginal log-likelihood (natural log) summed so far (0 for the
    /// majority-vote start).
    pub fn log_likelihood(&self) -> f64 {
        from_fixed(self.loglik)
    }

    /// `Σ q[t, c]` of worker `w`'s judgments with observed label `l` (`f64`).
    pub fn group_sum(&self, w: usize, l: usize, c: usize) -> f64 {
        from_fixed(self.s[(w * self.k + l) * self.k + c])
    }

    /// Adds `other` into `self`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the shapes differ (statistics of different
    /// dictionaries); [`Error::Numerical`] on an overflow (impossible for data below
    /// 2^56 judgments).
    pub fn merge(&mut self, other: &DsStats) -> Result<()> {
        if (self.n_workers, self.k) != (other.n_workers, other.k) {
            return Err(Error::param(
                "stats",
                format!(
                    "cannot merge statistics over {} workers x {} classes with {} x {}: \
                     code every shard with the same global dictionaries",
                    self.n_workers, self.k, other.n_workers, other.k
                ),
            ));
        }
        add_all(&mut self.s, &other.s)?;
        add_all(&mut self.prior, &other.prior)?;
        add_all(&mut self.weighted, &other.weighted)?;
        for (x, y) in self.counts.iter_mut().zip(&other.counts) {
            *x = x.checked_add(*y).ok_or_else(overflow)?;
        }
        self.entropy = self
            .entropy
            .checked_add(other.entropy)
            .ok_or_else(overflow)?;
        self.loglik = self.loglik.checked_add(other.loglik).ok_or_else(overflow)?;
        self.n_items = self
            .n_items
            .checked_add(other.n_items)
            .ok_or_else(overflow)?;
        self.n_judgments = self
            .n_judgments
            .checked_add(other.n_judgments)
            .ok_or_else(overflow)?;
        Ok(())
    }

    /// Size of [`to_bytes`](Self::to_bytes) in bytes.
    pub fn byte_len(&self) -> usize {
        40 + 16 * (self.s.len() + 2 * self.k + 2) + 8 * self.counts.len()
    }

    /// Little-endian bytes: magic, `n_workers`, `k`, `n_items`, `n_judgments` (u64),
    /// entropy, log-likelihood, priors, weighted priors, group sums (i128), counts
    /// (u64).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_len());
        out.extend_from_slice(STATS_MAGIC);
        for v in [
            self.n_workers as u64,
            self.k as u64,
            self.n_items,
            self.n_judgments,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.entropy, self.loglik]
            .iter()
            .chain(&self.prior)
            .chain(&self.weighted)
            .chain(&self.s)
        {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.counts {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`to_bytes`](Self::to_bytes)' output.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `bytes` for a wrong header or length.
    pub fn from_bytes(bytes: &[u8]) -> Result<DsStats> {
        let mut r = Reader::new(bytes, STATS_MAGIC, "Dawid-Skene statistics")?;
        let n_workers = r.u64()? as usize;
        let k = r.u64()? as usize;
        let n_items = r.u64()?;
        let n_judgments = r.u64()?;
        let cells = n_workers
            .checked_mul(k)
            .and_then(|v| v.checked_mul(k))
            .ok_or_else(|| Error::param("bytes", "header sizes overflow"))?;
        r.expect_remaining(16 * (cells + 2 * k + 2) + 8 * n_workers * k)?;
        let entropy = r.i128()?;
        let loglik = r.i128()?;
        let prior = (0..k).map(|_| r.i128()).collect::<Result<Vec<_>>>()?;
        let weighted = (0..k).map(|_| r.i128()).collect::<Result<Vec<_>>>()?;
        let s = (0..cells).map(|_| r.i128()).collect::<Result<Vec<_>>>()?;
        let counts = (0..n_workers * k)
            .map(|_| r.u64())
            .collect::<Result<Vec<_>>>()?;
        Ok(DsStats {
            n_workers,
            k,
            s,
            counts,
            prior,
            weighted,
            entropy,
            loglik,
            n_items,
            n_judgments,
        })
    }
}

/// A little-endian cursor over serialised parameters or statistics.
pub(crate) struct Reader<'a> {
    b: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(b: &'a [u8], magic: &[u8; 8], what: &'static str) -> Result<Self> {
        if b.len() < 8 || &b[..8] != magic {
            return Err(Error::param(
                "bytes",
                format!("not serialised {what} (wrong header or version)"),
            ));
        }
        Ok(Reader { b: &b[8..], what })
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        if self.b.len() < N {
            return Err(Error::param(
                "bytes",
                format!("serialised {} end early", self.what),
            ));
        }
        let (h, t) = self.b.split_at(N);
        self.b = t;
        Ok(h.try_into().expect("N bytes"))
    }

    pub(crate) fn expect_remaining(&self, n: usize) -> Result<()> {
        if self.b.len() != n {
            return Err(Error::param(
                "bytes",
                format!(
                    "serialised {} have {} bytes after the header, expected {n}",
                    self.what,
                    self.b.len()
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take()?))
    }

    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.take()?))
    }

    pub(crate) fn i128(&mut self) -> Result<i128> {
        Ok(i128::from_le_bytes(self.take()?))
    }
}
