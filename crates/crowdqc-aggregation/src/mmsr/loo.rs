//! Leave-one-out trimmed means off a shared sorted list (issue 12, F9), the same bits
//! as the plain graph's row.
//!
//! The counts around the viewer's current value and its own rank come in (one
//! branch-free pass over a short list, binary searches over a long one); the kept
//! positions follow in O(1) ([`kept`]), and the kept values are summed one by one in
//! ascending order, as the graph sums the worker's own sorted row. Short lists take
//! [`LANES`] viewers at once ([`loo_lanes`]): the viewers' sums are independent, so
//! they run side by side in vector lanes, each lane the same operations in the same
//! order as one viewer alone.
//!
//! **Why not prefix sums** (O(1) per viewer, tried in session 8): the kept sum as a
//! difference of prefix sums changes the last bits, and M-MSR's trimming is not
//! continuous in them. Symmetric workers (the viewers of one group) reach values that
//! are equal to the bit, and whether a ratio is `<` or `<=` the current value then
//! decides which values are trimmed; one ulp flips that. On random mixed data the
//! fits moved by up to 6.5e-4 relative (not 1e-12) against the exact graph, so every
//! sum here stays exact.

use super::trim::NET_MAX;

/// Counts over the sorted, NaN-padded values `y`: how many are `< a`, `<= a`, and `< o`
/// (the first position of `o` when it is in `y`; NaN padding counts nowhere).
/// Branch-free; the tests' reference for [`loo_lanes`]' counting pass.
#[cfg(test)]
pub(super) fn counts(y: &[f64], a: f64, o: f64) -> (usize, usize, usize) {
    let (mut lt, mut le, mut r) = (0u64, 0u64, 0u64);
    for &x in y {
        lt += u64::from(x < a);
        le += u64::from(x <= a);
        r += u64::from(x < o);
    }
    (lt as usize, le as usize, r as usize)
}

/// The same counts by binary search (long lists).
#[inline]
pub(super) fn counts_sorted(y: &[f64], a: f64, o: f64) -> (usize, usize, usize) {
    (
        y.partition_point(|&x| x < a),
        y.partition_point(|&x| x <= a),
        y.partition_point(|&x| x < o),
    )
}

/// The kept values of a leave-one-out trimmed mean (crowd-kit's rule, see
/// [`super::trim::trimmed_mean`]) of the sorted `y` around `a` with the value at
/// position `own` left out (its first occurrence; `None`: nothing left out), given
/// `lt`/`le` = how many values of `y` are `< a` / `<= a`: the positions `l..cut` and
/// `cut1..h` of `y` and their count, or `None` when nothing is kept.
#[inline]
fn kept(
    len: usize,
    (lt, le): (usize, usize),
    own: Option<usize>,
    f: usize,
) -> Option<(usize, usize, usize, usize, usize)> {
    let p = own.unwrap_or(len);
    let len = len - usize::from(own.is_some());
    // y[p] < a iff p < lt (y is sorted); the same for <=
    let (lt, le) = if own.is_some() {
        (lt - usize::from(p < lt), le - usize::from(p < le))
    } else {
        (lt, le)
    };
    let (lo, hi) = (lt.min(f), len - (len - le).min(f));
    if lo >= hi {
        return None;
    }
    // the kept positions lo..hi of the list without `p`, as positions of `y`
    let (l, h) = (lo + usize::from(lo >= p), hi + usize::from(hi > p));
    Some((l, p.clamp(l, h), (p + 1).clamp(l, h), h, hi - lo))
}

/// The mean of one kept value: itself, or `1/√n_items` for a 0 (crowd-kit's rule).
#[inline]
fn single(x: f64, n_items: usize) -> f64 {
    if x == 0.0 {
        1.0 / (n_items as f64).sqrt()
    } else {
        x
    }
}

/// The trimmed mean of `y` without its value at `own`, given the counts (see [`kept`]): the kept values summed
/// one by one in ascending order from −0: the same bits as the plain graph's row.
/// O(list length), branch-free (for short lists).
#[inline]
pub(super) fn loo_exact(
    y: &[f64],
    counts: (usize, usize),
    own: Option<usize>,
    f: usize,
    n_items: usize,
) -> Option<f64> {
    let (l, cut, cut1, h, n) = kept(y.len(), counts, own, f)?;
    if n == 1 {
        return Some(single(y[if l == cut { cut1 } else { l }], n_items));
    }
    let mut s = -0.0;
    if y.len() <= NET_MAX {
        // over every position with the others masked to +0, without a data-dependent
        // loop: −0 + 0 = +0 and +0 + x = x for the non-negative values, so the sum is
        // the same bits as adding only the kept values
        let p = if cut < cut1 { cut } else { usize::MAX };
        for (k, &x) in y.iter().enumerate() {
            let keep = (k >= l) & (k < h) & (k != p);
            s += if keep { x } else { 0.0 };
        }
    } else {
        for &x in y[l..cut].iter().chain(&y[cut1..h]) {
            s += x;
        }
    }
    Some(s / n as f64)
}

/// Viewers per across-viewer pass ([`loo_lanes`]).
pub(super) const LANES: usize = 4;

/// The counts and [`loo_exact`] for [`LANES`] viewers of one short list at once:
/// `buf[..len]` sorted, NaN-padded up to `width` (`len <= width <= NET_MAX`); lane `l`
/// has the current value `a[l]` and its own value `o[l]` (NaN: left out of the list
/// already, or an unused lane). Returns each lane's trimmed mean, NaN for none.
///
/// Every lane runs the scalar path's operations on its own values (the same compares,
/// the same masked additions in ascending position order from −0, the same division),
/// so each result has the same bits as counting then [`loo_exact`]; the lanes are
/// independent, so the compiler keeps them in vector registers (four additions per
/// instruction with AVX2) and the additions of different viewers no longer wait on
/// each other.
#[inline(always)]
pub(super) fn loo_lanes(
    buf: &[f64; NET_MAX],
    len: usize,
    width: usize,
    a: [f64; LANES],
    o: [f64; LANES],
    f: usize,
    n_items: usize,
) -> [f64; LANES] {
    let (mut lt, mut gt, mut r) = ([0u64; LANES], [0u64; LANES], [0u64; LANES]);
    for &x in &buf[..width] {
        for l in 0..LANES {
            r[l] += u64::from(x < o[l]);
        }
    }
    // The counts around the current value matter only up to f + 1 on each side: the
    // kept range is `min(lt', f)..m − min(above', f)` (`'`: without the own value,
    // at most one less), so `min(lt, f + 1)` = `<` over the first f + 1 values and
    // `min(above, f + 1)` = not `<=` over the last f + 1 (y is sorted) give the same
    // positions as the full counts.
    let nb = (f + 1).min(len);
    for &x in &buf[..nb] {
        for l in 0..LANES {
            lt[l] += u64::from(x < a[l]);
        }
    }
    for &x in &buf[len - nb..len] {
        for l in 0..LANES {
            // the complement of `<=` (as the full count's), also for a NaN
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let above = !(x <= a[l]);
            gt[l] += u64::from(above);
        }
    }
    let le = gt.map(|g| len as u64 - g);
    // the kept positions lo..hi of `buf` without `p` (as `kept`), per lane
    let (mut lo, mut hi, mut p, mut n) =
        ([0u64; LANES], [0u64; LANES], [0u64; LANES], [0u64; LANES]);
    for l in 0..LANES {
        let has = u64::from(!o[l].is_nan());
        let pl = if has == 1 { r[l] } else { len as u64 };
        let m = len as u64 - has;
        let lt1 = lt[l] - (has & u64::from(pl < lt[l]));
        let le1 = le[l] - (has & u64::from(pl < le[l]));
        let (a0, b0) = (lt1.min(f as u64), m - (m - le1).min(f as u64));
        n[l] = b0.saturating_sub(a0);
        lo[l] = a0 + u64::from(a0 >= pl);
        hi[l] = b0 + u64::from(b0 > pl);
        p[l] = pl;
    }
    // positions before every lane's first kept one (after every lane's last) add +0
    // to −0 (to a positive sum): leaving them out gives the same bits
    let (from, till) = (
        lo.iter().copied().min().unwrap_or(0) as usize,
        (hi.iter().copied().max().unwrap_or(0) as usize).min(len),
    );
    let mut s = [-0.0f64; LANES];
    for (k, &x) in buf.iter().enumerate().take(till).skip(from) {
        let k = k as u64;
        for l in 0..LANES {
            let keep = (k >= lo[l]) & (k < hi[l]) & (k != p[l]);
            s[l] += if keep { x } else { 0.0 };
        }
    }
    // one kept value: the sum is that value (−0 + x = x), divided by 1 unchanged
    let zero_one = 1.0 / (n_items as f64).sqrt();
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        let q = s[l] / n[l] as u32 as f64;
        let q = if n[l] == 1 && q == 0.0 { zero_one } else { q };
        out[l] = if n[l] == 0 { f64::NAN } else { q };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::trim::{trimmed_mean, trimmed_mean_without};
    use super::*;

    /// Against removing the value and taking the plain trimmed mean (summed value by
    /// value): the same bits, and `None` exactly when the plain mean is `None`, on
    /// random lists (ties, zeros, infinities, values spanning twelve orders of
    /// magnitude, lengths 1–40 so that both summation paths run, every position,
    /// several `f` and current values); and the same as [`trimmed_mean_without`].
    #[test]
    fn equals_removing_the_value() {
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let mut checked = 0;
        for round in 0..4000 {
            let len = (next() % 40) as usize + 1;
            let mut y: Vec<f64> = (0..len)
                .map(|_| match next() % 11 {
                    0 => 0.0,
                    1 if round % 5 == 0 => f64::INFINITY,
                    2 => 1e6 * (next() % 1000) as f64,
                    3 => 1e-6 * (next() % 1000) as f64,
                    r => r as f64 * 0.3,
                })
                .collect();
            y.sort_unstable_by(f64::total_cmp);
            for f in [0, 1, 2, 3, 7] {
                for a in [-1.0, 0.0, 0.6, 1.0, 1.5, 1e4, 1e7, f64::INFINITY] {
                    let lt = y.partition_point(|&v| v < a);
                    let le = y.partition_point(|&v| v <= a);
                    for p in (0..len).map(Some).chain([None]) {
                        let mut rest = y.clone();
                        let own = p.map(|p| {
                            rest.remove(p);
                            y.partition_point(|&v| v < y[p])
                        });
                        let want = trimmed_mean(&rest, a, f, 9).map(f64::to_bits);
                        let got = loo_exact(&y, (lt, le), own, f, 9).map(f64::to_bits);
                        assert_eq!(got, want, "{y:?} {p:?} {a} {f}");
                        let same = trimmed_mean_without(&y, own, a, f, 9).map(f64::to_bits);
                        assert_eq!(got, same);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500_000, "{checked}");
    }

    /// [`loo_lanes`] against [`counts`] then [`loo_exact`] per viewer: the same bits
    /// (NaN for none), on NaN-padded random lists of lengths 0–32 with ties, zeros and
    /// infinities, each lane with its own current value and own value (taken from the
    /// list, or NaN: nothing left out, as for unused lanes).
    #[test]
    fn lanes_equal_one_viewer_at_a_time() {
        let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1Du64);
        let mut checked = 0;
        for round in 0..20_000 {
            let len = (next() % 33) as usize;
            let mut buf = [f64::NAN; NET_MAX];
            for v in buf.iter_mut().take(len) {
                *v = match next() % 9 {
                    0 => 0.0,
                    1 if round % 4 == 0 => f64::INFINITY,
                    2 => 1e-6 * (next() % 1000) as f64,
                    r => r as f64 * 0.3,
                };
            }
            buf[..len].sort_unstable_by(f64::total_cmp);
            let width = (len.div_ceil(4) * 4).min(NET_MAX);
            let f = (next() % 6) as usize;
            let (mut a, mut o) = ([0.0; LANES], [f64::NAN; LANES]);
            for l in 0..LANES {
                a[l] = [0.0, 0.3, 0.6, 1.0, 2.1, 1e9][(next() % 6) as usize];
                if len > 0 && !next().is_multiple_of(5) {
                    o[l] = buf[(next() % len as u64) as usize];
                }
            }
            let got = loo_lanes(&buf, len, width, a, o, f, 9);
            for l in 0..LANES {
                let (lt, le, r) = counts(&buf[..width], a[l], o[l]);
                let own = (!o[l].is_nan()).then_some(r);
                let want = loo_exact(&buf[..len], (lt, le), own, f, 9).unwrap_or(f64::NAN);
                assert_eq!(
                    got[l].to_bits(),
                    want.to_bits(),
                    "{:?} {l} {f}",
                    &buf[..len]
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 80_000);
    }

    #[test]
    fn counts_match_binary_search() {
        let y = [0.0, 0.5, 0.5, 1.0, 2.0, f64::NAN, f64::NAN, f64::NAN];
        for (a, o) in [(0.5, 1.0), (-1.0, 0.0), (3.0, 2.0), (0.7, f64::NAN)] {
            let (lt, le, r) = counts(&y, a, o);
            let (slt, sle, sr) = counts_sorted(&y[..5], a, o);
            assert_eq!((lt, le), (slt, sle));
            if !o.is_nan() {
                assert_eq!(r, sr);
            }
        }
        assert_eq!(counts(&y, 0.5, 1.0), (1, 3, 3));
    }
}
