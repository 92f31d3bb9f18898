//! Small statistical helpers (quantiles).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Quantile of Student's t with `df` degrees of freedom; `None` for invalid input.
///
/// Above 10⁴ degrees of freedom the Cornish–Fisher expansion around the normal
/// quantile, `z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²)`, is used: its next term
/// is of order `z⁷/ν³` (< 10⁻¹⁰), while statrs' inversion loses digits (1.2e-4 off at
/// 10⁶) and slows to minutes (a contingency table of 10¹⁰ subjects).
pub(crate) fn student_t_quantile(p: f64, df: f64) -> Option<f64> {
    if df > 1e4 {
        let z = normal_quantile(p)?;
        let (z2, v) = (z * z, df);
        let q =
            z + z * (z2 + 1.0) / (4.0 * v) + z * (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * v * v);
        return q.is_finite().then_some(q);
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let q = t.inverse_cdf(p);
    q.is_finite().then_some(q)
}

/// Quantile of the standard normal distribution.
pub(crate) fn normal_quantile(p: f64) -> Option<f64> {
    let n = Normal::new(0.0, 1.0).ok()?;
    let q = n.inverse_cdf(p);
    q.is_finite().then_some(q)
}

/// Empirical quantile of sorted data, linear interpolation between order statistics
/// (type 7, the default of R and NumPy). `sorted` must be non-empty.
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        assert!((normal_quantile(0.975).expect("q") - 1.959964).abs() < 1e-6);
        // t_{0.975, 10} = 2.228139
        assert!((student_t_quantile(0.975, 10.0).expect("q") - 2.228139).abs() < 1e-6);
        // both sides of the switch to Cornish–Fisher agree; R 4.x: qt(0.975, 1e4) =
        // 1.960201, qt(0.975, 1e6) = 1.959966
        let below = student_t_quantile(0.975, 1e4).expect("statrs");
        let above = student_t_quantile(0.975, 1e4 + 1e-6).expect("expansion");
        assert!((below - 1.960_201).abs() < 1e-6, "{below}");
        assert!((below - above).abs() < 1e-8, "{below} {above}");
        let m = student_t_quantile(0.975, 1e6).expect("expansion");
        assert!((m - 1.959_966).abs() < 1e-6, "{m}");
        let big = student_t_quantile(0.975, 2.4e11).expect("huge df");
        assert!(
            (big - normal_quantile(0.975).expect("z")).abs() < 1e-10,
            "{big}"
        );
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile_sorted(&[5.0], 0.1), 5.0);
    }
}
