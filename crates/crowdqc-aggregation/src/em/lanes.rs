//! The posterior rows of four items at once, classes as vectors of four items' values
//! (`[[f64; 4]; K]`): `2^x` runs as `K` four-lane polynomials (one 256-bit vector each
//! under AVX2) instead of one `K`-lane polynomial per item (for `K = 5`, a 4 + 1 lane
//! split). Every item gets exactly the operations of [`softmax2`](super::fixed::softmax2)
//! in the same order (lane-wise, no fused multiply-add), so the rows are the same bits.
//! Under crowd-kit's stop rule the same function also computes each item's entropy
//! terms (`entropy_parts` in `terms`) lane-wise, again the same bits.

#[cfg(test)]
use super::fixed::exp2_lanes;

/// Items per block.
pub(crate) const LANES: usize = 4;

/// What a block's softmax gives per item: the posterior row, its maximum, its sum and
/// the entropy parts `[A, Q, kept, log2_rough(sum)]` (zeros when not computed).
pub(crate) type BlockRows<const K: usize> = (
    [[f64; K]; LANES],
    [f64; LANES],
    [f64; LANES],
    [[f64; 4]; LANES],
);

/// [`softmax2`](super::fixed::softmax2) of four items: adds the `log2` priors into each
/// item's `acc` and returns per item `2^(acc - max) / sum`, `max` and `sum`. The reference the AVX2 version is tested against (the pass runs `softmax2` item by
/// item without AVX2: LLVM does not vectorise this across the items).
#[cfg(test)]
#[allow(clippy::needless_range_loop)] // lane loops index several arrays alike
pub(crate) fn softmax2_x4<const K: usize>(
    acc: &mut [[f64; K]; LANES],
    l2p: &[f64; K],
) -> ([[f64; K]; LANES], [f64; LANES], [f64; LANES]) {
    // class-major: a[c][i] = acc[i][c] + l2p[c]
    let mut a = [[0.0; LANES]; K];
    for c in 0..K {
        for i in 0..LANES {
            acc[i][c] += l2p[c];
            a[c][i] = acc[i][c];
        }
    }
    // the pairwise maximum of `max_lane`, lane by lane
    let mut m = a;
    let mut n = K;
    while n > 1 {
        let h = n / 2;
        for c in 0..h {
            for i in 0..LANES {
                m[c][i] = m[c][i].max(m[n - 1 - c][i]);
            }
        }
        n -= h;
    }
    let mx = m[0];
    let mut e = [[0.0; LANES]; K];
    for c in 0..K {
        let mut x = [0.0; LANES];
        for i in 0..LANES {
            x[i] = a[c][i] - mx[i];
        }
        e[c] = exp2_lanes(&x);
    }
    // sums from class 0 up, starting at 0 (as `softmax2`)
    let mut sum = [0.0; LANES];
    for ec in &e {
        for i in 0..LANES {
            sum[i] += ec[i];
        }
    }
    let mut inv = [0.0; LANES];
    for i in 0..LANES {
        inv[i] = 1.0 / sum[i];
    }
    let mut v = [[0.0; K]; LANES];
    for c in 0..K {
        for i in 0..LANES {
            v[i][c] = e[c][i] * inv[i];
        }
    }
    (v, mx, sum)
}

/// `softmax2` of four items with 256-bit AVX2 vectors written out (one vector per
/// class; LLVM does not vectorise the portable version across the items). The same IEEE
/// operations per lane: `max` as LLVM lowers `f64::max` (`maxpd(b, a)`, `b` where `a` is
/// NaN), the selects of `exp2_lanes` as blends on `x < -1022`, no fused multiply-add.
///
/// Not itself marked `#[target_feature]` (such a function cannot be `inline(always)`,
/// and as a call it costs 8 % of the pass): it must be inlined into a function compiled
/// for AVX2, where the intrinsics become single instructions.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(all(test, target_arch = "x86_64"))]
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) unsafe fn softmax2_x4_avx2<const K: usize>(
    acc: &mut [[f64; K]; LANES],
    l2p: &[f64; K],
) -> ([[f64; K]; LANES], [f64; LANES], [f64; LANES]) {
    // SAFETY: the caller guarantees AVX2.
    let (v, mx, sum, _) = unsafe { softmax2_ent_x4_avx2::<K, false>(acc, l2p) };
    (v, mx, sum)
}

/// The four items' rows, maxima and sums (see [`softmax2_x4_avx2`]) and, with `ENT`,
/// each item's entropy parts `[A, Q, kept, log2_rough(sum)]` as
/// [`entropy_parts`](super::terms::entropy_parts) computes them (the same operations
/// lane-wise: the same bits); zeros without `ENT`.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) unsafe fn softmax2_ent_x4_avx2<const K: usize, const ENT: bool>(
    acc: &mut [[f64; K]; LANES],
    l2p: &[f64; K],
) -> BlockRows<K> {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees AVX2 (the intrinsics' only requirement); the
    // transmutes below are between `__m256d` and `[f64; 4]`, of the same size, for
    // which every bit pattern is valid.
    unsafe {
        let mut a = [_mm256_setzero_pd(); K];
        for c in 0..K {
            let row = _mm256_set_pd(acc[3][c], acc[2][c], acc[1][c], acc[0][c]);
            a[c] = _mm256_add_pd(row, _mm256_set1_pd(l2p[c]));
        }
        let mut m = a;
        let mut n = K;
        while n > 1 {
            let h = n / 2;
            for c in 0..h {
                let (x, y) = (m[c], m[n - 1 - c]);
                // f64::max(x, y) as LLVM lowers it: maxpd(y, x), then y where x is NaN
                let mxy = _mm256_max_pd(y, x);
                m[c] = _mm256_blendv_pd(mxy, y, _mm256_cmp_pd::<_CMP_UNORD_Q>(x, x));
            }
            n -= h;
        }
        let mx = m[0];
        let mut e = [_mm256_setzero_pd(); K];
        let sel = |p: usize| _mm256_set1_pd(super::fixed::C[p]);
        let round = _mm256_set1_pd(super::fixed::ROUND);
        let low = _mm256_set1_pd(-1022.0);
        for c in 0..K {
            let x = _mm256_sub_pd(a[c], mx);
            // exp2_lanes, lane-wise
            let under = _mm256_cmp_pd::<_CMP_LT_OQ>(x, low);
            let xc = _mm256_blendv_pd(x, low, under);
            let t = _mm256_add_pd(xc, round);
            let f = _mm256_sub_pd(xc, _mm256_sub_pd(t, round));
            let x2 = _mm256_mul_pd(f, f);
            let x4 = _mm256_mul_pd(x2, x2);
            let x8 = _mm256_mul_pd(x4, x4);
            let pair = |i: usize| {
                let lo = _mm256_add_pd(sel(i), _mm256_mul_pd(sel(i + 1), f));
                let hi = _mm256_add_pd(sel(i + 2), _mm256_mul_pd(sel(i + 3), f));
                _mm256_add_pd(lo, _mm256_mul_pd(hi, x2))
            };
            let (q0, q1, q2) = (pair(0), pair(4), pair(8));
            let p = _mm256_add_pd(
                _mm256_add_pd(q0, _mm256_mul_pd(q1, x4)),
                _mm256_mul_pd(q2, x8),
            );
            let bits = _mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023));
            let scale = _mm256_castsi256_pd(_mm256_slli_epi64::<52>(bits));
            e[c] = _mm256_blendv_pd(_mm256_mul_pd(p, scale), _mm256_setzero_pd(), under);
        }
        let mut sum = _mm256_setzero_pd();
        for ec in &e {
            sum = _mm256_add_pd(sum, *ec);
        }
        let inv = _mm256_div_pd(_mm256_set1_pd(1.0), sum);
        let arr = |x: __m256d| std::mem::transmute::<__m256d, [f64; LANES]>(x);
        let mut cm = [[0.0; LANES]; K];
        let mut vv = [_mm256_setzero_pd(); K];
        for c in 0..K {
            vv[c] = _mm256_mul_pd(e[c], inv);
            cm[c] = arr(vv[c]);
            let ac = arr(a[c]);
            for i in 0..LANES {
                acc[i][c] = ac[i];
            }
        }
        let mut ent = [[0.0; 4]; LANES];
        if ENT {
            let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
            let eps = _mm256_set1_pd(crate::common::EPS);
            let (mut sa, mut sq, mut sk) = (zero, zero, zero);
            for c in 0..K {
                // kept: 0 where the sign of `v - EPS` is set, else 1
                let kept = _mm256_blendv_pd(one, zero, _mm256_sub_pd(vv[c], eps));
                let t = _mm256_mul_pd(_mm256_mul_pd(vv[c], _mm256_sub_pd(mx, a[c])), kept);
                sa = _mm256_add_pd(sa, t);
                sq = _mm256_add_pd(sq, _mm256_mul_pd(vv[c], kept));
                sk = _mm256_add_pd(sk, kept);
            }
            let lr = log2_rough_x4(sum);
            let (sa, sq, sk, lr) = (arr(sa), arr(sq), arr(sk), arr(lr));
            for i in 0..LANES {
                ent[i] = [sa[i], sq[i], sk[i], lr[i]];
            }
        }
        let mut v = [[0.0; K]; LANES];
        for c in 0..K {
            for i in 0..LANES {
                v[i][c] = cm[c][i];
            }
        }
        (v, arr(mx), arr(sum), ent)
    }
}

/// [`log2_rough`](super::terms::log2_rough) lane-wise: the exponent as an exact
/// integer-valued `f64` (bits `2^52 + e` minus `2^52`), then the same polynomial.
///
/// # Safety
/// The CPU must support AVX2 (inlined into a function compiled for it).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn log2_rough_x4(x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    use super::terms::L2R as L;
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees AVX2.
    unsafe {
        let b = _mm256_castpd_si256(x);
        let ebits = _mm256_and_si256(_mm256_srli_epi64::<52>(b), _mm256_set1_epi64x(0x7ff));
        let two52 = _mm256_set1_pd(4_503_599_627_370_496.0);
        let eb = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(ebits, _mm256_castpd_si256(two52))),
            two52,
        );
        let e = _mm256_sub_pd(eb, _mm256_set1_pd(1023.0));
        let mant = _mm256_or_si256(
            _mm256_and_si256(b, _mm256_set1_epi64x((1 << 52) - 1)),
            _mm256_set1_epi64x(1023 << 52),
        );
        let u = _mm256_sub_pd(_mm256_castsi256_pd(mant), _mm256_set1_pd(1.0));
        let c = |i: usize| _mm256_set1_pd(L[i]);
        let p = _mm256_add_pd(c(3), _mm256_mul_pd(u, c(4)));
        let p = _mm256_add_pd(c(2), _mm256_mul_pd(u, p));
        let p = _mm256_add_pd(c(1), _mm256_mul_pd(u, p));
        let p = _mm256_add_pd(c(0), _mm256_mul_pd(u, p));
        _mm256_add_pd(e, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::em::fixed::softmax2;
    use crate::em::terms::entropy_parts;

    /// [`softmax2_x4_avx2`] inlined into an AVX2 function, as in the pass.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(unsafe_code, clippy::type_complexity)]
    fn wide_x4<const K: usize>(
        acc: &mut [[f64; K]; LANES],
        l2p: &[f64; K],
    ) -> ([[f64; K]; LANES], [f64; LANES], [f64; LANES]) {
        // SAFETY: this function is compiled for AVX2 and called only when the CPU
        // has it.
        unsafe { softmax2_x4_avx2::<K>(acc, l2p) }
    }

    /// [`softmax2_ent_x4_avx2`] with the entropy parts, inlined into an AVX2 function.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(unsafe_code)]
    fn wide_ent_x4<const K: usize>(acc: &mut [[f64; K]; LANES], l2p: &[f64; K]) -> BlockRows<K> {
        // SAFETY: this function is compiled for AVX2 and called only when the CPU
        // has it.
        unsafe { softmax2_ent_x4_avx2::<K, true>(acc, l2p) }
    }

    /// Four items at once give each item's `softmax2` bits: rows, maxima, sums and the
    /// updated `acc`, over rows with ties, huge gaps (underflow to 0) and `K` 2 to 8.
    #[test]
    #[allow(clippy::needless_range_loop)] // lane loops index several arrays alike
    fn four_items_are_the_bits_of_one_at_a_time() {
        fn check<const K: usize>(seed: u64) {
            let mut next = crate::test_rng::xorshift(seed);
            let mut floored = 0usize;
            for round in 0..2000 {
                let mut acc = [[0.0; K]; LANES];
                for row in acc.iter_mut() {
                    for v in row.iter_mut() {
                        let r = next();
                        *v = match r % 7 {
                            0 => -1500.0 * (r >> 11) as f64 / (1u64 << 53) as f64,
                            1 => -3.0,
                            _ => -60.0 * (r >> 11) as f64 / (1u64 << 53) as f64,
                        };
                    }
                }
                let mut l2p = [0.0; K];
                for v in l2p.iter_mut() {
                    *v = -4.0 * (next() >> 11) as f64 / (1u64 << 53) as f64;
                }
                let mut one = acc;
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut wide = acc;
                    let mut portable = acc;
                    // SAFETY: AVX2 was detected just above.
                    #[allow(unsafe_code)]
                    let w = unsafe { wide_x4::<K>(&mut wide, &l2p) };
                    let p = softmax2_x4::<K>(&mut portable, &l2p);
                    let bits = |r: &[f64]| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    for i in 0..LANES {
                        assert_eq!(bits(&w.0[i]), bits(&p.0[i]), "K = {K}, AVX2 rows");
                        assert_eq!(bits(&wide[i]), bits(&portable[i]), "K = {K}, AVX2 acc");
                    }
                    assert_eq!(bits(&w.1), bits(&p.1), "K = {K}, AVX2 max");
                    assert_eq!(bits(&w.2), bits(&p.2), "K = {K}, AVX2 sums");
                    // the entropy parts: the bits of `entropy_parts`, item by item
                    let mut ent_acc = acc;
                    // SAFETY: AVX2 was detected just above.
                    #[allow(unsafe_code)]
                    let we = unsafe { wide_ent_x4::<K>(&mut ent_acc, &l2p) };
                    for i in 0..LANES {
                        assert_eq!(bits(&we.0[i]), bits(&w.0[i]), "K = {K}, rows");
                        let want = entropy_parts::<K>(&we.0[i], &ent_acc[i], we.1[i], we.2[i]);
                        assert_eq!(bits(&we.3[i]), bits(&want), "K = {K}, entropy parts");
                        floored += we.0[i].iter().filter(|&&v| v < crate::common::EPS).count();
                    }
                }
                let (v, mx, sum) = softmax2_x4::<K>(&mut acc, &l2p);
                for i in 0..LANES {
                    let (w, m, s) = softmax2::<K>(&mut one[i], &l2p);
                    let bits = |r: &[f64]| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&v[i]), bits(&w), "K = {K}, round {round}, item {i}");
                    assert_eq!(mx[i].to_bits(), m.to_bits(), "K = {K}, max");
                    assert_eq!(sum[i].to_bits(), s.to_bits(), "K = {K}, sum");
                    assert_eq!(bits(&acc[i]), bits(&one[i]), "K = {K}, acc");
                }
            }
            // the entropy parts were checked on rows with floored classes
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                assert!(floored > 100, "K = {K}: {floored} floored classes");
            }
        }
        check::<2>(1);
        check::<3>(2);
        check::<4>(3);
        check::<5>(4);
        check::<6>(5);
        check::<7>(6);
        check::<8>(7);
    }
}
