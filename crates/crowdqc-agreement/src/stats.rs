//! Small statistical helpers (quantiles).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Quantile of Student's t with `df` degrees of freedom; `None` for invalid input.
pub(crate) fn student_t_quantile(p: f64, df: f64) -> Option<f64> {
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
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile_sorted(&[5.0], 0.1), 5.0);
    }
}
