//! The per-judgment kernels with the true classes in the lanes: every operation covers
//! all `K` rows of a judgment's softmax at once (lane-major tables and sums), so the
//! compiler vectorises the row loops; every lane does what the row-by-row loop did for
//! its row, in the same order (same bits).

use super::fexp::exp_table;
use super::x4::{Blocks, gather4, pass4};
use super::{Acc, Dim, Dynamic, Fixed, Side, softmax_direct};

/// The unnormalised softmax of every row of `o + q` at once: `z[c K + r] = eo[c K + r]
/// · eq[c K + r]` and `s[r] = Σ_c z[c K + r]` (summed in `c` order, as one row alone
/// would be). Each operation covers all `K` rows, so the compiler vectorises it; every
/// lane does the scalar row's operations in the scalar row's order (same bits). A row
/// whose products underflow is evaluated directly from the logits.
#[inline(always)]
fn softmax_lanes<D: Dim>(d: D, own: Side<'_>, other: Side<'_>, z: &mut [f64], s: &mut [f64]) {
    let k = d.n();
    let (z, s) = (&mut z[..k * k], &mut s[..k]);
    let (eo, eq) = (&own.e[..k * k], &other.e[..k * k]);
    s.fill(0.0);
    for c in 0..k {
        let (zc, oc, qc) = (
            &mut z[c * k..(c + 1) * k],
            &eo[c * k..(c + 1) * k],
            &eq[c * k..(c + 1) * k],
        );
        for r in 0..k {
            zc[r] = oc[r] * qc[r];
            s[r] += zc[r];
        }
    }
    if s.iter().all(|&v| v >= 1e-250) {
        return;
    }
    underflow_rows(k, own, other, z, s);
}

#[cold]
#[inline(never)]
fn underflow_rows(k: usize, own: Side<'_>, other: Side<'_>, z: &mut [f64], s: &mut [f64]) {
    let mut row = vec![0.0; k];
    for r in 0..k {
        if s[r] >= 1e-250 {
            continue;
        }
        let cells = r * k..(r + 1) * k;
        s[r] = softmax_direct(&own.x[cells.clone()], &other.x[cells], &mut row).0;
        for (c, &v) in row.iter().enumerate() {
            z[c * k + r] = v;
        }
    }
}

/// Multiplies `prod[r]` by the probability of label `l` under row `r` of the softmax of
/// `o + q` for every row (the E-step's products; [`Kernel::probs`]).
#[inline(always)]
fn label_probs_fixed<const K: usize>(own: Side<'_>, other: Side<'_>, l: usize, prod: &mut [f64]) {
    let mut z = [[0.0; K]; K];
    let mut s = [0.0; K];
    softmax_fixed::<K>(own, other, &mut z, &mut s);
    let prod = &mut prod[..K];
    for r in 0..K {
        prod[r] *= z[l][r] / s[r];
    }
}

#[inline(always)]
fn label_probs_in<D: Dim>(
    d: D,
    own: Side<'_>,
    other: Side<'_>,
    l: usize,
    prod: &mut [f64],
    z: &mut [f64],
) {
    let k = d.n();
    let (z, rest) = z.split_at_mut(k * k);
    let s = &mut rest[..k];
    softmax_lanes(d, own, other, z, s);
    let zl = &z[l * k..(l + 1) * k];
    for r in 0..k {
        prod[r] *= zl[r] / s[r];
    }
}

/// The per-judgment kernels for one `K`, chosen once per sweep ([`with_kernel`]) so
/// that they inline into the sweep's loops instead of dispatching on `K` per judgment:
/// [`Fixed`] for `K` = 2–6 and 8 (the fixed-size lane kernels), [`Dynamic`] otherwise.
/// Each lane does what the row-by-row code did for its row, in its order (same bits).
pub(in crate::minimax) trait Kernel: Dim + Copy + Send + Sync {
    /// Adds one judgment's gradient and Hessian terms ([`accumulate_lanes`]).
    fn acc(self, own: Side<'_>, other: Side<'_>, w: &[f64], l: usize, acc: &mut Acc, z: &mut [f64]);
    /// Adds one judgment's gradient terms only ([`acc`](Kernel::acc) without the
    /// Hessian: the items' scaled-gradient steps, `newton::Step::Scaled`).
    fn grad(
        self,
        own: Side<'_>,
        other: Side<'_>,
        w: &[f64],
        l: usize,
        acc: &mut Acc,
        z: &mut [f64],
    );
    /// Multiplies `prod[r]` by the probability of label `l` under row `r` of the
    /// softmax of `own + other` ([`label_probs_fixed`]).
    fn probs(self, own: Side<'_>, other: Side<'_>, l: usize, prod: &mut [f64], z: &mut [f64]);
    /// The row-normalised exponential table of `K × K` logits `x` into `e`
    /// ([`exp_table`] for the fixed `K`, [`exp_rows`](super::exp_rows) otherwise).
    fn table(self, x: &[f64], e: &mut [f64]);
    /// Whether [`gather4`](Kernel::gather4) and [`pass4`](Kernel::pass4) exist for
    /// this `K` (the fixed-size kernels; the run-time-`K` one has no four-judgment
    /// pass, and its workers use [`acc`](Kernel::acc)).
    const X4: bool;
    /// [`gather4`] for this `K` (nothing for the run-time `K`).
    fn gather4(self, items: &[u32], lab: &[u32], t: (&[f64], &[f64]), bl: &mut Blocks);
    /// [`pass4`] for this `K` (nothing for the run-time `K`).
    fn pass4(self, own: Side<'_>, tau: &[f64], bl: &Blocks, active: &[bool], acc: &mut Acc);
    /// Adds one judgment to a worker's expected confusion: for every row `r`,
    /// `den[r] += mu[r]` and `conf[r K + c] += (mu[r] / s_r) z_r[c]`, where `z_r / s_r`
    /// is the softmax of row `r` of `own + other` (each row's operations in the order of
    /// the row-by-row loop, so the same bits).
    fn conf(self, own: Side<'_>, other: Side<'_>, mu: &[f64], conf: &mut [f64], den: &mut [f64]);
}

impl<const K: usize> Kernel for Fixed<K> {
    #[inline(always)]
    fn acc(
        self,
        own: Side<'_>,
        other: Side<'_>,
        w: &[f64],
        l: usize,
        acc: &mut Acc,
        _: &mut [f64],
    ) {
        accumulate_lanes::<K>(own, other, w, l, acc);
    }

    #[inline(always)]
    fn grad(
        self,
        own: Side<'_>,
        other: Side<'_>,
        w: &[f64],
        l: usize,
        acc: &mut Acc,
        _: &mut [f64],
    ) {
        let mut z = [[0.0; K]; K];
        let mut s = [0.0; K];
        softmax_fixed::<K>(own, other, &mut z, &mut s);
        let w = &w[..K];
        let mut wi = [0.0; K];
        for r in 0..K {
            wi[r] = w[r] * (1.0 / s[r]);
        }
        let gt = &mut acc.gt[..K * K];
        for a in 0..K {
            for r in 0..K {
                gt[a * K + r] += wi[r] * z[a][r];
            }
        }
        for r in 0..K {
            gt[l * K + r] -= w[r];
        }
    }

    #[inline(always)]
    fn probs(self, own: Side<'_>, other: Side<'_>, l: usize, prod: &mut [f64], _: &mut [f64]) {
        label_probs_fixed::<K>(own, other, l, prod);
    }

    #[inline(always)]
    fn table(self, x: &[f64], e: &mut [f64]) {
        exp_table::<K>(x, e);
    }

    const X4: bool = true;

    #[inline(always)]
    fn conf(self, own: Side<'_>, other: Side<'_>, mu: &[f64], conf: &mut [f64], den: &mut [f64]) {
        let mut z = [[0.0; K]; K];
        let mut s = [0.0; K];
        softmax_fixed::<K>(own, other, &mut z, &mut s);
        let (mu, conf, den) = (&mu[..K], &mut conf[..K * K], &mut den[..K]);
        for r in 0..K {
            let wr = mu[r] / s[r];
            den[r] += mu[r];
            for c in 0..K {
                conf[r * K + c] += wr * z[c][r];
            }
        }
    }

    #[inline(always)]
    fn gather4(self, items: &[u32], lab: &[u32], t: (&[f64], &[f64]), bl: &mut Blocks) {
        gather4::<K>(items, lab, t, bl);
    }

    #[inline(always)]
    fn pass4(self, own: Side<'_>, tau: &[f64], bl: &Blocks, active: &[bool], acc: &mut Acc) {
        pass4::<K>(own, tau, bl, active, acc);
    }
}

impl Kernel for Dynamic {
    #[inline(always)]
    fn acc(
        self,
        own: Side<'_>,
        other: Side<'_>,
        w: &[f64],
        l: usize,
        acc: &mut Acc,
        z: &mut [f64],
    ) {
        accumulate_in(self, own, other, w, l, acc, z);
    }

    #[inline(always)]
    fn grad(
        self,
        own: Side<'_>,
        other: Side<'_>,
        w: &[f64],
        l: usize,
        acc: &mut Acc,
        z: &mut [f64],
    ) {
        let k = self.0;
        let (z, rest) = z.split_at_mut(k * k);
        let s = &mut rest[..k];
        softmax_lanes(self, own, other, z, s);
        let gt = &mut acc.gt[..k * k];
        for a in 0..k {
            for r in 0..k {
                gt[a * k + r] += w[r] * (1.0 / s[r]) * z[a * k + r];
            }
        }
        for r in 0..k {
            gt[l * k + r] -= w[r];
        }
    }

    #[inline(always)]
    fn probs(self, own: Side<'_>, other: Side<'_>, l: usize, prod: &mut [f64], z: &mut [f64]) {
        label_probs_in(self, own, other, l, prod, z);
    }

    fn table(self, x: &[f64], e: &mut [f64]) {
        let mut mx = vec![0.0; self.0];
        super::exp_rows(self.0, x, e, &mut mx);
    }

    const X4: bool = false;

    fn conf(self, own: Side<'_>, other: Side<'_>, mu: &[f64], conf: &mut [f64], den: &mut [f64]) {
        let k = self.0;
        let mut z = vec![0.0; k];
        for r in 0..k {
            let s = super::softmax_row(k, own.e, other.e, own.x, other.x, r, &mut z);
            let wr = mu[r] / s;
            den[r] += mu[r];
            for (cv, zv) in conf[r * k..(r + 1) * k].iter_mut().zip(&z) {
                *cv += wr * zv;
            }
        }
    }

    fn gather4(self, _: &[u32], _: &[u32], _: (&[f64], &[f64]), _: &mut Blocks) {}

    fn pass4(self, _: Side<'_>, _: &[f64], _: &Blocks, _: &[bool], _: &mut Acc) {}
}

/// Runs `$body` with `$kn` bound to the [`Kernel`] of `$k` classes.
macro_rules! with_kernel {
    ($k:expr, $kn:ident => $body:expr) => {{
        use $crate::minimax::kernel::{Dynamic, Fixed};
        match $k {
            2 => {
                let $kn = Fixed::<2>;
                $body
            }
            3 => {
                let $kn = Fixed::<3>;
                $body
            }
            4 => {
                let $kn = Fixed::<4>;
                $body
            }
            5 => {
                let $kn = Fixed::<5>;
                $body
            }
            6 => {
                let $kn = Fixed::<6>;
                $body
            }
            8 => {
                let $kn = Fixed::<8>;
                $body
            }
            k => {
                let $kn = Dynamic(k);
                $body
            }
        }
    }};
}
pub(in crate::minimax) use with_kernel;

/// [`softmax_lanes`] for a compile-time `K`, into registers: `z[c][r]`, `s[r]`.
#[inline(always)]
fn softmax_fixed<const K: usize>(
    own: Side<'_>,
    other: Side<'_>,
    z: &mut [[f64; K]; K],
    s: &mut [f64; K],
) {
    let (eo, eq) = (&own.e[..K * K], &other.e[..K * K]);
    for c in 0..K {
        for r in 0..K {
            z[c][r] = eo[c * K + r] * eq[c * K + r];
            s[r] += z[c][r];
        }
    }
    if s.iter().all(|&v| v >= 1e-250) {
        return;
    }
    let mut zf = [0.0; 64];
    for c in 0..K {
        zf[c * K..(c + 1) * K].copy_from_slice(&z[c]);
    }
    underflow_rows(K, own, other, &mut zf[..K * K], s);
    for c in 0..K {
        z[c].copy_from_slice(&zf[c * K..(c + 1) * K]);
    }
}

/// Adds one judgment ([`Kernel::acc`]): the block's own logits `own` plus the other
/// party's `other` (`[true, observed]`), posterior weights `w` of the true classes,
/// observed class `l`. Every row is added (a row with zero weight adds exact zeros;
/// rows no longer active are not read); the Hessian gets its lower triangle only. `z`:
/// [`lane_scratch`](super::lane_scratch) values (the run-time-`K` kernel only).
///
/// For a compile-time `K` (2–6, 8): the per-judgment values live in
/// fixed-size arrays (registers), so every loop over the rows is one or two vector
/// operations. The same operations in the same order per row (same bits).
#[inline(always)]
fn accumulate_lanes<const K: usize>(
    own: Side<'_>,
    other: Side<'_>,
    w: &[f64],
    l: usize,
    acc: &mut Acc,
) {
    let mut z = [[0.0; K]; K];
    let mut s = [0.0; K];
    softmax_fixed::<K>(own, other, &mut z, &mut s);
    let w = &w[..K];
    let (mut inv, mut wi) = ([0.0; K], [0.0; K]);
    for r in 0..K {
        inv[r] = 1.0 / s[r];
        wi[r] = w[r] * inv[r];
    }
    let (gt, ht) = (&mut acc.gt[..K * K], &mut acc.ht[..K * K * K]);
    for a in 0..K {
        let (mut wpa, mut pinv) = ([0.0; K], [0.0; K]);
        for r in 0..K {
            wpa[r] = wi[r] * z[a][r];
            gt[a * K + r] += wpa[r];
            pinv[r] = wpa[r] * inv[r];
        }
        for b in 0..=a {
            let hab = &mut ht[(a * K + b) * K..(a * K + b + 1) * K];
            for r in 0..K {
                hab[r] -= pinv[r] * z[b][r];
            }
        }
        let haa = &mut ht[(a * K + a) * K..(a * K + a + 1) * K];
        for r in 0..K {
            haa[r] += wpa[r];
        }
    }
    let gl = &mut gt[l * K..(l + 1) * K];
    for r in 0..K {
        gl[r] -= w[r];
    }
}

/// [`accumulate_lanes`] for a run-time `K = d.n()`,
/// with the rows in the lanes: every lane does what the row-by-row loop did for its
/// row, in the same order, so the sums are the same bits.
#[inline(always)]
fn accumulate_in<D: Dim>(
    d: D,
    own: Side<'_>,
    other: Side<'_>,
    w: &[f64],
    l: usize,
    acc: &mut Acc,
    z: &mut [f64],
) {
    let k = d.n();
    let (z, rest) = z.split_at_mut(k * k);
    let (s, rest) = rest.split_at_mut(k);
    let (inv, rest) = rest.split_at_mut(k);
    let (wi, rest) = rest.split_at_mut(k);
    let (wpa, rest) = rest.split_at_mut(k);
    let pinv = &mut rest[..k];
    let w = &w[..k];
    softmax_lanes(d, own, other, z, s);
    for r in 0..k {
        inv[r] = 1.0 / s[r];
        wi[r] = w[r] * inv[r];
    }
    let (gt, ht) = (&mut acc.gt[..k * k], &mut acc.ht[..k * k * k]);
    for a in 0..k {
        let za = &z[a * k..(a + 1) * k];
        let ga = &mut gt[a * k..(a + 1) * k];
        for r in 0..k {
            wpa[r] = wi[r] * za[r];
            ga[r] += wpa[r];
            pinv[r] = wpa[r] * inv[r];
        }
        for b in 0..=a {
            let zb = &z[b * k..(b + 1) * k];
            let hab = &mut ht[(a * k + b) * k..(a * k + b + 1) * k];
            for r in 0..k {
                hab[r] -= pinv[r] * zb[r];
            }
        }
        let haa = &mut ht[(a * k + a) * k..(a * k + a + 1) * k];
        for r in 0..k {
            haa[r] += wpa[r];
        }
    }
    let gl = &mut gt[l * k..(l + 1) * k];
    for r in 0..k {
        gl[r] -= w[r];
    }
}
