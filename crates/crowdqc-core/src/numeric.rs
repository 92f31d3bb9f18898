//! Numeric helpers (log-space arithmetic, floors) shared by the algorithm crates.

/// Index of the largest value; ties go to the lowest index; NaN never wins.
/// Returns 0 for an empty slice.
pub fn argmax(values: &[f64]) -> u32 {
    let mut best = 0usize;
    let mut best_v = f64::NEG_INFINITY;
    for (i, &v) in values.iter().enumerate() {
        if v > best_v {
            best = i;
            best_v = v;
        }
    }
    best as u32
}

/// `ln(Σ exp(x))`, stable; `-inf` for an empty slice or all `-inf`.
pub fn logsumexp(values: &[f64]) -> f64 {
    let m = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + values.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

/// Turns log-weights into probabilities in place (softmax); a row of all `-inf`
/// becomes uniform.
pub fn normalize_log_in_place(values: &mut [f64]) {
    let m = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || values.is_empty() {
        let u = 1.0 / values.len().max(1) as f64;
        values.iter_mut().for_each(|v| *v = u);
        return;
    }
    let mut s = 0.0;
    for v in values.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    values.iter_mut().for_each(|v| *v /= s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_ties_and_nan() {
        assert_eq!(argmax(&[0.2, 0.5, 0.5]), 1);
        assert_eq!(argmax(&[f64::NAN, 0.1]), 1);
        assert_eq!(argmax(&[]), 0);
    }

    #[test]
    fn logsumexp_and_softmax() {
        let x = [1000.0, 1000.0];
        assert!((logsumexp(&x) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        let mut y = [0.0, 2f64.ln()];
        normalize_log_in_place(&mut y);
        assert!((y[0] - 1.0 / 3.0).abs() < 1e-15 && (y[1] - 2.0 / 3.0).abs() < 1e-15);
        let mut z = [f64::NEG_INFINITY; 4];
        normalize_log_in_place(&mut z);
        assert_eq!(z, [0.25; 4]);
    }
}
