//! The trimmed mean of one M-MSR update, with short rows sorted by a sorting network.
//!
//! With one judgment per worker every worker has a handful of co-workers (redundancy
//! − 1), and a half-step is a million sorts of ~10 values: an insertion sort spends
//! most of its time in mispredicted branches. A sorting network (Batcher's odd–even
//! merge sort for the next of 4, 8, 16 or 32 inputs, pruned to the row's length) runs the same
//! compare–exchanges whatever the data, without branches (`min`/`max`). It yields
//! the same ascending order (the values are non-negative and never NaN, and equal
//! values have equal bits), so the trimmed sums are bit-identical to a library sort.

/// Batcher's odd–even merge sort of 32 inputs (191 compare–exchanges); its first 5,
/// 19 and 63 compare–exchanges sort the first 4, 8 and 16 inputs.
const NET: [(u8, u8); 191] = [
    (0, 1),
    (2, 3),
    (0, 2),
    (1, 3),
    (1, 2),
    (4, 5),
    (6, 7),
    (4, 6),
    (5, 7),
    (5, 6),
    (0, 4),
    (2, 6),
    (2, 4),
    (1, 5),
    (3, 7),
    (3, 5),
    (1, 2),
    (3, 4),
    (5, 6),
    (8, 9),
    (10, 11),
    (8, 10),
    (9, 11),
    (9, 10),
    (12, 13),
    (14, 15),
    (12, 14),
    (13, 15),
    (13, 14),
    (8, 12),
    (10, 14),
    (10, 12),
    (9, 13),
    (11, 15),
    (11, 13),
    (9, 10),
    (11, 12),
    (13, 14),
    (0, 8),
    (4, 12),
    (4, 8),
    (2, 10),
    (6, 14),
    (6, 10),
    (2, 4),
    (6, 8),
    (10, 12),
    (1, 9),
    (5, 13),
    (5, 9),
    (3, 11),
    (7, 15),
    (7, 11),
    (3, 5),
    (7, 9),
    (11, 13),
    (1, 2),
    (3, 4),
    (5, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (16, 17),
    (18, 19),
    (16, 18),
    (17, 19),
    (17, 18),
    (20, 21),
    (22, 23),
    (20, 22),
    (21, 23),
    (21, 22),
    (16, 20),
    (18, 22),
    (18, 20),
    (17, 21),
    (19, 23),
    (19, 21),
    (17, 18),
    (19, 20),
    (21, 22),
    (24, 25),
    (26, 27),
    (24, 26),
    (25, 27),
    (25, 26),
    (28, 29),
    (30, 31),
    (28, 30),
    (29, 31),
    (29, 30),
    (24, 28),
    (26, 30),
    (26, 28),
    (25, 29),
    (27, 31),
    (27, 29),
    (25, 26),
    (27, 28),
    (29, 30),
    (16, 24),
    (20, 28),
    (20, 24),
    (18, 26),
    (22, 30),
    (22, 26),
    (18, 20),
    (22, 24),
    (26, 28),
    (17, 25),
    (21, 29),
    (21, 25),
    (19, 27),
    (23, 31),
    (23, 27),
    (19, 21),
    (23, 25),
    (27, 29),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (0, 16),
    (8, 24),
    (8, 16),
    (4, 20),
    (12, 28),
    (12, 20),
    (4, 8),
    (12, 16),
    (20, 24),
    (2, 18),
    (10, 26),
    (10, 18),
    (6, 22),
    (14, 30),
    (14, 22),
    (6, 10),
    (14, 18),
    (22, 26),
    (2, 4),
    (6, 8),
    (10, 12),
    (14, 16),
    (18, 20),
    (22, 24),
    (26, 28),
    (1, 17),
    (9, 25),
    (9, 17),
    (5, 21),
    (13, 29),
    (13, 21),
    (5, 9),
    (13, 17),
    (21, 25),
    (3, 19),
    (11, 27),
    (11, 19),
    (7, 23),
    (15, 31),
    (15, 23),
    (7, 11),
    (15, 19),
    (23, 27),
    (3, 5),
    (7, 9),
    (11, 13),
    (15, 17),
    (19, 21),
    (23, 25),
    (27, 29),
    (1, 2),
    (3, 4),
    (5, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
];

/// Largest row sorted by the network.
pub(super) const NET_MAX: usize = 32;

/// For each row length `len`, the compare–exchanges of the network of the next size
/// (4, 8, 16 or 32) that touch only the first `len` inputs, and their count. The
/// others meet the `+∞` padding and never exchange, so this pruned network sorts any
/// `len` values (and needs no padding).
const PRUNED: [([(u8, u8); 191], usize); NET_MAX + 1] = {
    let mut out = [([(0u8, 0u8); 191], 0usize); NET_MAX + 1];
    let mut len = 0;
    while len <= NET_MAX {
        let n_cmp = match len {
            0..=4 => 5,
            5..=8 => 19,
            9..=16 => 63,
            _ => 191,
        };
        let mut c = 0;
        while c < n_cmp {
            if (NET[c].1 as usize) < len {
                out[len].0[out[len].1] = NET[c];
                out[len].1 += 1;
            }
            c += 1;
        }
        len += 1;
    }
    out
};

/// The compare–exchange of two values: the smaller first. A compare and two selects,
/// without branches; `f64::min`/`max` would add NaN handling (no NaN occurs here, and
/// no −0: the values are quotients of absolute values by positive numbers), so this
/// gives the same bits.
#[inline(always)]
fn exchange(a: f64, b: f64) -> (f64, f64) {
    let swap = b < a;
    (if swap { b } else { a }, if swap { a } else { b })
}

/// `PRUNED[N]` as a constant of `N`, so that [`net`] unrolls it.
struct Pruned<const N: usize>;

impl<const N: usize> Pruned<N> {
    const T: ([(u8, u8); 191], usize) = PRUNED[N];
}

/// `$f!(k)` for k = 0, 1, …, 190.
macro_rules! unroll191 {
    ($f:ident) => {
        unroll191!(@tens $f; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18);
        $f!(190);
    };
    (@tens $f:ident; $($t:literal)*) => {
        $(
            $f!($t * 10); $f!($t * 10 + 1); $f!($t * 10 + 2); $f!($t * 10 + 3);
            $f!($t * 10 + 4); $f!($t * 10 + 5); $f!($t * 10 + 6); $f!($t * 10 + 7);
            $f!($t * 10 + 8); $f!($t * 10 + 9);
        )*
    };
}

/// The pruned network of `N` inputs, unrolled at compile time on values held in
/// registers (the compare–exchanges past `PRUNED[N]`'s count are compiled out).
#[inline(always)]
fn net<const N: usize>(buf: &mut [f64; NET_MAX]) {
    let mut v = [0.0f64; N];
    v.copy_from_slice(&buf[..N]);
    macro_rules! step {
        ($k:expr) => {
            if $k < Pruned::<N>::T.1 {
                let (i, j) = Pruned::<N>::T.0[$k];
                let (i, j) = (i as usize % N, j as usize % N);
                (v[i], v[j]) = exchange(v[i], v[j]);
            }
        };
    }
    unroll191!(step);
    buf[..N].copy_from_slice(&v);
}

/// Sorts `buf[..len]` ascending (`len <= 32`; non-negative, non-NaN values, no −0).
/// Lengths up to 16 run an unrolled network on registers, longer ones walk the table.
#[inline]
pub(super) fn sort_network(buf: &mut [f64; NET_MAX], len: usize) {
    match len {
        0 | 1 => {}
        2 => net::<2>(buf),
        3 => net::<3>(buf),
        4 => net::<4>(buf),
        5 => net::<5>(buf),
        6 => net::<6>(buf),
        7 => net::<7>(buf),
        8 => net::<8>(buf),
        9 => net::<9>(buf),
        10 => net::<10>(buf),
        11 => net::<11>(buf),
        12 => net::<12>(buf),
        13 => net::<13>(buf),
        14 => net::<14>(buf),
        15 => net::<15>(buf),
        16 => net::<16>(buf),
        _ => {
            let (pairs, n) = &PRUNED[len.min(NET_MAX)];
            for &(i, j) in &pairs[..*n] {
                let (i, j) = (
                    usize::from(i) & (NET_MAX - 1),
                    usize::from(j) & (NET_MAX - 1),
                );
                (buf[i], buf[j]) = exchange(buf[i], buf[j]);
            }
        }
    }
}

/// crowd-kit's `_remove_largest_and_smallest_F_value` on the sorted values `y`
/// around the current value `a`: drop the `f` smallest values if at least `f` lie
/// below `a`, else all of those below; the same above. Returns the mean of the rest
/// (summed in ascending order), `1/√n_items` for a single remaining 0, `None` when
/// nothing remains.
#[inline]
pub(super) fn trimmed_mean(y: &[f64], a: f64, f: usize, n_items: usize) -> Option<f64> {
    let len = y.len();
    // branch-free counts (the rows are short); as `partition_point` on sorted `y`
    let below = y.iter().map(|&v| usize::from(v < a)).sum::<usize>();
    let above = len - y.iter().map(|&v| usize::from(v <= a)).sum::<usize>();
    let kept = &y[below.min(f)..len - above.min(f)];
    if kept.is_empty() {
        return None;
    }
    Some(if kept.len() == 1 && kept[0] == 0.0 {
        1.0 / (n_items as f64).sqrt()
    } else {
        kept.iter().sum::<f64>() / kept.len() as f64
    })
}

/// [`trimmed_mean`] of the sorted `y` with the value at `own` left out (that value's
/// first occurrence; `None`: nothing left out), without copying: the counts come from
/// binary searches, and the kept values are summed in the same ascending order as
/// [`trimmed_mean`] sums the row without it, so the result has the same bits.
#[cfg(test)]
pub(super) fn trimmed_mean_without(
    y: &[f64],
    own: Option<usize>,
    a: f64,
    f: usize,
    n_items: usize,
) -> Option<f64> {
    let len = y.len() - usize::from(own.is_some());
    let (mut lt, mut le) = (
        y.partition_point(|&v| v < a),
        y.partition_point(|&v| v <= a),
    );
    if let Some(p) = own {
        // y[p] < a iff p < lt (y is sorted); the same for <=
        lt -= usize::from(p < lt);
        le -= usize::from(p < le);
    }
    let (below, above) = (lt, len - le);
    let (lo, hi) = (below.min(f), len - above.min(f));
    if lo >= hi {
        return None;
    }
    let at = |k: usize| match own {
        Some(p) if k >= p => y[k + 1],
        _ => y[k],
    };
    Some(if hi - lo == 1 && at(lo) == 0.0 {
        1.0 / (n_items as f64).sqrt()
    } else {
        (lo..hi).map(at).sum::<f64>() / (hi - lo) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 0–1 principle: a network sorts every input iff it sorts every 0–1 input.
    /// Exhaustive for 4, 8 and 16 inputs (and every shorter length through the
    /// padding), random inputs for 32.
    #[test]
    fn the_network_sorts() {
        for len in 0..=16usize {
            for bits in 0u32..(1 << len) {
                let mut buf = [0.0; NET_MAX];
                for (i, v) in buf.iter_mut().enumerate().take(len) {
                    *v = f64::from((bits >> i) & 1);
                }
                sort_network(&mut buf, len);
                let ones = bits.count_ones() as usize;
                assert!(
                    buf[..len - ones].iter().all(|&v| v == 0.0),
                    "{len} {bits:b}"
                );
                assert!(
                    buf[len - ones..len].iter().all(|&v| v == 1.0),
                    "{len} {bits:b}"
                );
            }
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in 17..=32 {
            for _ in 0..2000 {
                let mut buf = [0.0; NET_MAX];
                for v in buf.iter_mut().take(len) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    *v = (state % 7) as f64 * 0.25;
                }
                let mut want = buf[..len].to_vec();
                want.sort_unstable_by(f64::total_cmp);
                sort_network(&mut buf, len);
                assert_eq!(&buf[..len], &want[..]);
            }
        }
    }

    #[test]
    fn trimmed_mean_follows_crowdkit_rule() {
        // f = 1 around 2.0: one below dropped, one above dropped
        assert_eq!(trimmed_mean(&[1.0, 2.0, 3.0, 4.0], 2.0, 1, 4), Some(2.5));
        // nothing below the current value: only the largest dropped
        assert_eq!(trimmed_mean(&[1.0, 2.0, 3.0], 0.5, 1, 4), Some(1.5));
        // a single remaining 0 becomes 1/sqrt(n_items)
        assert_eq!(trimmed_mean(&[0.0, 0.0, 5.0], 1.0, 1, 16), Some(0.25));
        assert_eq!(trimmed_mean(&[1.0, 3.0], 2.0, 1, 4), None);
    }

    /// Leaving a value out of a sorted list equals the trimmed mean of the list
    /// without it (bit for bit), for every position, current value and `f`, on lists
    /// with ties, zeros and infinities.
    #[test]
    fn leaving_one_out_equals_removing_it() {
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..3000 {
            let len = (next() % 12) as usize + 1;
            let mut y: Vec<f64> = (0..len)
                .map(|_| match next() % 9 {
                    0 => 0.0,
                    1 => f64::INFINITY,
                    r => r as f64 * 0.3,
                })
                .collect();
            y.sort_unstable_by(f64::total_cmp);
            for f in 0..4 {
                for a in [-1.0, 0.0, 0.6, 1.0, 1.5, 100.0] {
                    for p in 0..len {
                        let mut rest = y.clone();
                        rest.remove(p);
                        let want = trimmed_mean(&rest, a, f, 9).map(f64::to_bits);
                        let first = y.partition_point(|&v| v < y[p]);
                        let got = trimmed_mean_without(&y, Some(first), a, f, 9);
                        assert_eq!(got.map(f64::to_bits), want, "{y:?} {p} {a} {f}");
                    }
                    let want = trimmed_mean(&y, a, f, 9).map(f64::to_bits);
                    let got = trimmed_mean_without(&y, None, a, f, 9).map(f64::to_bits);
                    assert_eq!(got, want);
                }
            }
        }
    }
}
