//! Agreement weights for the weighted coefficients, the measurement level of
//! Krippendorff's alpha, and how category positions are spaced.
//!
//! # Category order and spacing
//!
//! Weighted coefficients depend on the order of the categories, and linear /
//! quadratic weights also on their spacing:
//!
//! - **order**: the declared class order when the caller declared the classes; else,
//!   for a contingency table or a counts table, the order in which categories first
//!   appear in the file; else numeric order for numeric labels (lexicographic order
//!   for other labels, which is rarely meaningful for weights).
//! - **spacing** ([`CategoryScale`]): [`CategoryScale::Values`] uses the numeric values
//!   of the labels (irrCAC's convention when all labels are numbers);
//!   [`CategoryScale::Ranks`] spaces the categories equally (positions 1..q), which is
//!   what R's `irr::kappa2` does with the *levels present in the data*.

use std::str::FromStr;

use crowdqc_core::{ClassOrder, ClassSet, Error, Result};

/// Which agreement weights to use (`w_kl` in [0, 1], `w_kk = 1`).
#[derive(Debug, Clone, PartialEq)]
pub enum Weights {
    /// `w_kl = 1` if `k = l`, else 0 (the unweighted coefficients).
    Identity,
    /// `w_kl = 1 - |x_k - x_l| / (x_max - x_min)` (Cicchetti–Allison).
    Linear,
    /// `w_kl = 1 - (x_k - x_l)^2 / (x_max - x_min)^2` (Fleiss–Cohen).
    Quadratic,
    /// Gwet's ordinal weights: `m = |k - l| + 1`, `w_kl = 1 - m(m-1)/2 / max`,
    /// on category positions.
    Ordinal,
    /// Caller-supplied `q × q` agreement weights, row-major.
    Custom(Vec<f64>),
}

impl FromStr for Weights {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "identity" | "unweighted" | "none" => Ok(Weights::Identity),
            "linear" => Ok(Weights::Linear),
            "quadratic" => Ok(Weights::Quadratic),
            "ordinal" => Ok(Weights::Ordinal),
            other => Err(Error::param(
                "weights",
                format!("must be one of identity, linear, quadratic, ordinal; got `{other}`"),
            )),
        }
    }
}

/// How category positions are spaced for linear and quadratic weights.
#[derive(Debug, Clone, PartialEq)]
pub enum CategoryScale {
    /// Equally spaced positions `1..=q` in category order.
    Ranks,
    /// The numeric value of each category, in category order.
    Values(Vec<f64>),
}

impl CategoryScale {
    /// Numeric values when every class label is a number, else ranks.
    pub fn for_classes(classes: &ClassSet) -> CategoryScale {
        match classes.numeric_values() {
            Ok(v) => CategoryScale::Values(v),
            Err(_) => CategoryScale::Ranks,
        }
    }

    /// Numeric values when every name parses as a number, else ranks.
    pub fn for_names<S: AsRef<str>>(names: &[S]) -> CategoryScale {
        match numeric_names(names) {
            Ok(v) => CategoryScale::Values(v),
            Err(_) => CategoryScale::Ranks,
        }
    }
}

/// The numeric value of each name, or an error naming the first that is not a number.
pub(crate) fn numeric_names<S: AsRef<str>>(names: &[S]) -> std::result::Result<Vec<f64>, String> {
    names
        .iter()
        .map(|n| {
            let s = n.as_ref();
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| s.to_string())
        })
        .collect()
}

/// A `q × q` matrix of agreement weights: dense, except the identity, which is
/// implicit.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightMatrix {
    q: usize,
    w: Vec<f64>,
    identity: bool,
}

impl WeightMatrix {
    /// The identity weights for `q` categories.
    ///
    /// Stored implicitly (no `q × q` array), so unweighted coefficients work for any
    /// number of categories (10⁵ labels and more).
    pub fn identity(q: usize) -> WeightMatrix {
        WeightMatrix {
            q,
            w: Vec::new(),
            identity: true,
        }
    }

    /// Builds the weights for `q` categories.
    ///
    /// # Errors
    /// `weights`: a custom matrix whose length is not `q * q`, with a non-finite
    /// entry, an entry outside [0, 1] or a diagonal entry other than 1; `scale`: values
    /// whose length is not `q`.
    pub fn new(weights: &Weights, scale: &CategoryScale, q: usize) -> Result<WeightMatrix> {
        let x: Vec<f64> = match scale {
            CategoryScale::Ranks => (1..=q).map(|k| k as f64).collect(),
            CategoryScale::Values(v) => {
                if v.len() != q {
                    return Err(Error::param(
                        "scale",
                        format!("has {} category values for {q} categories", v.len()),
                    ));
                }
                v.clone()
            }
        };
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let range = hi - lo;
        match weights {
            Weights::Identity => return Ok(WeightMatrix::identity(q)),
            Weights::Linear | Weights::Quadratic if range.is_nan() || range <= 0.0 => {
                return Ok(WeightMatrix::identity(q));
            }
            Weights::Ordinal if q < 2 => return Ok(WeightMatrix::identity(q)),
            _ => {}
        }
        crowdqc_core::memory::check(
            crowdqc_core::memory::bytes_of::<f64>(&[q, q]),
            &format!("agreement: the {q} x {q} weight matrix of {q} categories"),
            "unweighted coefficients (--weights identity, the default) and nominal alpha \
             work sparsely for any number of categories",
        )?;
        let mut w = vec![0.0; q * q];
        match weights {
            // returned above; an all-zero matrix would come out as the identity anyway
            Weights::Identity => {}
            Weights::Linear => {
                for k in 0..q {
                    for l in 0..q {
                        w[k * q + l] = 1.0 - (x[k] - x[l]).abs() / range;
                    }
                }
            }
            Weights::Quadratic => {
                for k in 0..q {
                    for l in 0..q {
                        let d = (x[k] - x[l]) / range;
                        w[k * q + l] = 1.0 - d * d;
                    }
                }
            }
            Weights::Ordinal => {
                let max = (q * (q - 1) / 2) as f64;
                for k in 0..q {
                    for l in 0..q {
                        let m = k.abs_diff(l) + 1;
                        w[k * q + l] = 1.0 - (m * (m - 1) / 2) as f64 / max;
                    }
                }
            }
            Weights::Custom(c) => {
                if c.len() != q * q {
                    return Err(Error::param(
                        "weights",
                        format!(
                            "a custom weight matrix must be {q}x{q} ({} values) for {q} categories, got {} values",
                            q * q,
                            c.len()
                        ),
                    ));
                }
                for (i, &v) in c.iter().enumerate() {
                    if !(0.0..=1.0).contains(&v) {
                        return Err(Error::param(
                            "weights",
                            format!(
                                "entry ({}, {}) is {v}; agreement weights must be in [0, 1]",
                                i / q,
                                i % q
                            ),
                        ));
                    }
                    if i / q == i % q && v != 1.0 {
                        return Err(Error::param(
                            "weights",
                            format!("diagonal entry ({0}, {0}) is {v}; it must be 1", i / q),
                        ));
                    }
                }
                w.copy_from_slice(c);
            }
        }
        if (0..q * q).all(|i| w[i] == if i / q == i % q { 1.0 } else { 0.0 }) {
            return Ok(WeightMatrix::identity(q));
        }
        Ok(WeightMatrix {
            q,
            w,
            identity: false,
        })
    }

    /// Number of categories.
    pub fn len(&self) -> usize {
        self.q
    }

    /// True for zero categories.
    pub fn is_empty(&self) -> bool {
        self.q == 0
    }

    /// `w_kl`.
    #[inline]
    pub fn get(&self, k: usize, l: usize) -> f64 {
        if self.identity {
            f64::from(u8::from(k == l))
        } else {
            self.w[k * self.q + l]
        }
    }

    /// True when these are the identity weights (unweighted coefficients).
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// Sum of all weights (`q` for the identity).
    pub fn sum(&self) -> f64 {
        if self.identity {
            self.q as f64
        } else {
            self.w.iter().sum()
        }
    }

    /// Row-major entries; `None` for the identity, which is not stored (see
    /// [`to_dense`](Self::to_dense)).
    pub fn as_slice(&self) -> Option<&[f64]> {
        (!self.identity).then_some(self.w.as_slice())
    }

    /// Row-major entries, `q²` values (the identity too).
    pub fn to_dense(&self) -> Vec<f64> {
        let q = self.q;
        (0..q * q).map(|i| self.get(i / q, i % q)).collect()
    }
}

/// Measurement level of Krippendorff's alpha (its difference function δ²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// δ = 0 for equal values, 1 otherwise. The default.
    #[default]
    Nominal,
    /// δ_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², from the marginal counts `n_g`.
    Ordinal,
    /// δ_ck = (x_c − x_k)².
    Interval,
    /// δ_ck = ((x_c − x_k)/(x_c + x_k))²; values must be ≥ 0.
    Ratio,
}

impl FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "nominal" => Ok(Level::Nominal),
            "ordinal" => Ok(Level::Ordinal),
            "interval" => Ok(Level::Interval),
            "ratio" => Ok(Level::Ratio),
            other => Err(Error::param(
                "level",
                format!("must be one of nominal, ordinal, interval, ratio; got `{other}`"),
            )),
        }
    }
}

impl Level {
    /// The level's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Ordinal => "ordinal",
            Level::Interval => "interval",
            Level::Ratio => "ratio",
        }
    }
}

/// Category values needed by `level`, or an error: interval / ratio need numeric
/// labels (ratio also non-negative); ordinal needs numeric labels unless the order was
/// declared. Nominal needs nothing. `ordered` says whether the category order is
/// meaningful without numbers (declared, or first appearance in a table).
pub(crate) fn level_values<S: AsRef<str>>(
    level: Level,
    names: &[S],
    ordered: bool,
) -> Result<Option<Vec<f64>>> {
    if level == Level::Nominal {
        return Ok(None);
    }
    match numeric_names(names) {
        Ok(v) => {
            if level == Level::Ratio
                && let Some((i, x)) = v.iter().enumerate().find(|&(_, &x)| x < 0.0)
            {
                return Err(Error::param(
                    "level",
                    format!(
                        "ratio needs non-negative values; label `{}` is {x}",
                        names[i].as_ref()
                    ),
                ));
            }
            Ok(Some(v))
        }
        Err(_) if level == Level::Ordinal && ordered => Ok(None),
        Err(label) => Err(Error::param(
            "level",
            format!(
                "{} needs numeric labels; label `{label}` is not a number (use --level nominal{})",
                level.as_str(),
                if level == Level::Ordinal {
                    ", or declare the class order"
                } else {
                    ""
                }
            ),
        )),
    }
}

/// Class names of a matrix, in class order, and whether that order is declared.
pub(crate) fn class_names(classes: &ClassSet) -> (Vec<String>, bool) {
    (
        classes.iter().map(|l| l.to_string()).collect(),
        classes.order() == ClassOrder::Declared,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_quadratic_ordinal_match_irrcac() {
        let w = WeightMatrix::new(&Weights::Linear, &CategoryScale::Ranks, 3).expect("w");
        assert_eq!(w.to_dense(), [1.0, 0.5, 0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 1.0]);
        let w = WeightMatrix::new(&Weights::Quadratic, &CategoryScale::Ranks, 3).expect("w");
        assert_eq!(w.get(0, 1), 0.75);
        // irrCAC ordinal weights for q = 4: m(m-1)/2 = 0,1,3,6 -> 1, 5/6, 1/2, 0
        let w = WeightMatrix::new(&Weights::Ordinal, &CategoryScale::Ranks, 4).expect("w");
        assert!((w.get(0, 1) - 5.0 / 6.0).abs() < 1e-15);
        assert_eq!((w.get(0, 2), w.get(0, 3)), (0.5, 0.0));
        let v = CategoryScale::Values(vec![1.0, 2.0, 4.0]);
        let w = WeightMatrix::new(&Weights::Linear, &v, 3).expect("w");
        assert!((w.get(0, 1) - 2.0 / 3.0).abs() < 1e-15);
        assert!(
            WeightMatrix::new(&Weights::Identity, &v, 3)
                .expect("w")
                .is_identity()
        );
    }

    #[test]
    fn rejects_bad_weights() {
        let e = WeightMatrix::new(&Weights::Custom(vec![1.0; 4]), &CategoryScale::Ranks, 3)
            .expect_err("shape");
        assert!(e.to_string().contains("must be 3x3"), "{e}");
        let e = WeightMatrix::new(
            &Weights::Custom(vec![1.0, 2.0, 0.0, 1.0]),
            &CategoryScale::Ranks,
            2,
        )
        .expect_err("range");
        assert!(e.to_string().contains("[0, 1]"), "{e}");
        let e = WeightMatrix::new(&Weights::Linear, &CategoryScale::Values(vec![1.0]), 2)
            .expect_err("scale");
        assert!(e.to_string().contains("scale"), "{e}");
        assert!("cubic".parse::<Weights>().is_err());
        assert!("cardinal".parse::<Level>().is_err());
    }

    #[test]
    fn level_values_errors_name_the_label() {
        let e = level_values(Level::Interval, &["1", "x", "y"], false).expect_err("x");
        assert!(e.to_string().contains("label `x`"), "{e}");
        let e = level_values(Level::Ratio, &["1", "-2"], false).expect_err("neg");
        assert!(e.to_string().contains("`-2`"), "{e}");
        assert_eq!(
            level_values(Level::Ordinal, &["low", "high"], true).expect("ok"),
            None
        );
        assert!(level_values(Level::Ordinal, &["low", "high"], false).is_err());
    }
}
