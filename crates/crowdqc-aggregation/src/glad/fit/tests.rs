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
    const CONCAVE: bool = true;

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
