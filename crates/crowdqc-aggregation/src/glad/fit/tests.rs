//! The step acceptance of [`newton_1d`](super::newton_1d).

use super::{Coordinate, newton_1d};

/// `f(x) = 0.3 x − 0.7 w ln cosh((x − 0.1) / w)` with `w = 0.02`: concave, slope 1.0 at
/// 0 and about −0.4 from 0.2 on, with almost no curvature at 0, so the Newton step
/// from 0 is clamped to 4 and lands far past the maximum (near 0.11) where `f` is
/// lower than at 0, although the slope there (−0.4) is less than half the slope at 0.
struct Kink;

const W: f64 = 0.02;

fn ln_cosh(z: f64) -> f64 {
    z.abs() + (-2.0 * z.abs()).exp().ln_1p() - std::f64::consts::LN_2
}

impl Coordinate for Kink {
    fn concave_between(&self, _: f64, _: f64) -> bool {
        true
    }

    fn slope(&mut self, x: f64, _trial: bool) -> (f64, f64) {
        let t = ((x - 0.1) / W).tanh();
        (0.3 - 0.7 * t, 0.7 / W * (1.0 - t * t))
    }

    fn value(&self, x: f64) -> f64 {
        0.3 * x - 0.7 * W * ln_cosh((x - 0.1) / W)
    }

    fn accept(&mut self) {}
}

#[test]
fn an_overshooting_step_is_taken_only_if_the_function_rose() {
    let mut c = Kink;
    let f0 = c.value(0.0);
    // the full (clamped) step lowers f: the old rule "overshot but at least halved
    // the slope" accepted it
    assert!(c.value(4.0) < f0 - 1.0);
    assert!(c.slope(4.0, true).0.abs() <= 0.5 * c.slope(0.0, false).0.abs());
    for steps in [1, 2, 5, 50] {
        let x = newton_1d(0.0, steps, &mut c);
        assert!(c.value(x) >= f0, "{steps} steps: f({x}) < f(0)");
        assert!(x > 0.0 && x < 0.5, "{steps} steps: {x}");
    }
    // enough steps reach the maximum, where f' = 0: tanh((x − 0.1)/w) = 3/7
    let x = newton_1d(0.0, 50, &mut c);
    let want = 0.1 + W * (3.0f64 / 7.0).atanh();
    assert!((x - want).abs() < 1e-9, "{x} vs {want}");
}

/// `f(x) = x − 5 ∫_0^x exp(−(t − 2)² / 0.5) dt`: not concave; slope ≈ 1 at 0 and at
/// 4 but a deep dip in between, so `f(4) < f(0)` although the step from 0 to 4 does
/// not overshoot by the end slopes.
struct Dip;

impl Coordinate for Dip {
    fn concave_between(&self, _: f64, _: f64) -> bool {
        false
    }

    fn slope(&mut self, x: f64, _trial: bool) -> (f64, f64) {
        let u = x - 2.0;
        let bump = (-u * u / 0.5).exp();
        // curvature: −f'' floored like the difficulty coordinate's
        let f2 = 5.0 * bump * 4.0 * u;
        (1.0 - 5.0 * bump, (-f2).max(1e-3))
    }

    fn value(&self, x: f64) -> f64 {
        // ∫_0^x exp(−(t − 2)²/0.5) dt = sqrt(π/8)·(erf(√2 (x − 2)) + erf(2√2))
        let k = (std::f64::consts::PI / 8.0).sqrt();
        x - 5.0 * k * (erf(2f64.sqrt() * (x - 2.0)) + erf(2.0 * 2f64.sqrt()))
    }

    fn accept(&mut self) {}
}

/// erf by its Taylor series (|z| <= 3 here: enough terms for 1e-12).
fn erf(z: f64) -> f64 {
    let (mut term, mut sum) = (z, z);
    for n in 1..200 {
        term *= -z * z / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

#[test]
fn a_step_where_concavity_is_unknown_is_taken_only_if_the_function_rose() {
    let mut c = Dip;
    let f0 = c.value(0.0);
    assert!(c.value(4.0) < f0 - 1.0, "{}", c.value(4.0));
    let (g0, g4) = (c.slope(0.0, false).0, c.slope(4.0, true).0);
    assert!(g0 > 0.99 && g4 > 0.99, "{g0} {g4}");
    for steps in [1, 3, 20] {
        let x = newton_1d(0.0, steps, &mut c);
        assert!(c.value(x) >= f0, "{steps} steps: f({x}) < f(0)");
        assert!(x < 2.0, "{steps} steps: {x}");
    }
}
