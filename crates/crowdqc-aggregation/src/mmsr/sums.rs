//! The per-worker sums of an M-MSR iteration (the rebalancing norms and the loss), in
//! parallel over fixed blocks of workers with the blocks' sums added in order: the
//! same bits for any thread count (since session 10).

use rayon::prelude::*;

/// Workers per block of the rebalancing and loss sums (fixed: the same sums for any
/// thread count).
pub(super) const SUM_CHUNK: usize = 4096;

/// `Σ x²` of `a` and of `b`: per fixed block of [`SUM_CHUNK`] workers summed in index
/// order from −0, the blocks' sums added in block order (in parallel over the blocks;
/// the same bits for any thread count).
pub(super) fn sq_norms(a: &[f64], b: &[f64]) -> (f64, f64) {
    let parts: Vec<(f64, f64)> = a
        .par_chunks(SUM_CHUNK)
        .zip(b.par_chunks(SUM_CHUNK))
        .map(|(a, b)| {
            let (mut x, mut y) = (-0.0, -0.0);
            for (p, q) in a.iter().zip(b) {
                x += p * p;
                y += q * q;
            }
            (x, y)
        })
        .collect();
    parts
        .iter()
        .fold((-0.0, -0.0), |(x, y), &(p, q)| (x + p, y + q))
}

/// Rebalances the new iterate (`u *= c`, `v /= c` when `c` is given) and returns the
/// six sums of the loss `‖du vᵀ + u' dvᵀ‖²_F` (`du = u − u'`, `dv = v − v'`, primes the
/// previous iterate: `Σ du², Σ v², Σ du·u', Σ v·dv, Σ u'², Σ dv²`) and whether every
/// new value is finite. One parallel pass over fixed blocks of [`SUM_CHUNK`] workers,
/// each block summed in index order from −0, the blocks' sums added in block order:
/// the same bits for any thread count.
pub(super) fn rebalance_and_loss(
    u: &mut [f64],
    v: &mut [f64],
    u_prev: &[f64],
    v_prev: &[f64],
    c: Option<f64>,
) -> ([f64; 6], bool) {
    let parts: Vec<([f64; 6], bool)> = u
        .par_chunks_mut(SUM_CHUNK)
        .zip(v.par_chunks_mut(SUM_CHUNK))
        .zip(
            u_prev
                .par_chunks(SUM_CHUNK)
                .zip(v_prev.par_chunks(SUM_CHUNK)),
        )
        .map(|((u, v), (up, vp))| {
            let mut d = [-0.0f64; 6];
            let mut finite = true;
            for i in 0..u.len() {
                if let Some(c) = c {
                    u[i] *= c;
                    v[i] /= c;
                }
                finite &= u[i].is_finite() & v[i].is_finite();
                let (dui, dvi) = (u[i] - up[i], v[i] - vp[i]);
                d[0] += dui * dui;
                d[1] += v[i] * v[i];
                d[2] += dui * up[i];
                d[3] += v[i] * dvi;
                d[4] += up[i] * up[i];
                d[5] += dvi * dvi;
            }
            (d, finite)
        })
        .collect();
    let mut d = [-0.0f64; 6];
    let mut finite = true;
    for (p, f) in parts {
        for (x, y) in d.iter_mut().zip(p) {
            *x += y;
        }
        finite &= f;
    }
    (d, finite)
}
