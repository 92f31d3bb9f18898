//! [`Method`] and [`RatingParams`]: which aggregation, with which settings.

use crowdqc_core::{Error, Result};

/// A rating aggregation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Method {
    /// Arithmetic mean of the item's ratings.
    Mean,
    /// Median (the mean of the two middle ratings for an even count, as numpy).
    Median,
    /// Mean after cutting `floor(trim · n)` ratings from each end (scipy's
    /// `stats.trim_mean(x, trim)` convention).
    TrimmedMean,
    /// CATD, Li et al., "A Confidence-Aware Approach for Truth Discovery on Long-Tail
    /// Data", PVLDB 8(4), 2014: worker weight `χ²_{α/2}(n_w) / Σ (x − t)²`, truth the
    /// weighted mean over the item's workers; starts from the median.
    Catd,
    /// CRH, Li et al., "Resolving Conflicts in Heterogeneous Data by Truth Discovery
    /// and Source Reliability Estimation", SIGMOD 2014 (Zheng et al.'s PM-CRH), for
    /// continuous data: loss `|x − t| / sd_item`, worker weight
    /// `−log(loss_w / Σ_w' loss_w')`, truth the weighted median; starts from the median.
    Crh,
    /// LFC for continuous labels, Raykar et al., "Learning From Crowds", JMLR 11, 2010
    /// (§ on regression, without features): worker `w` reports the truth plus
    /// `N(0, 1/λ_w)` noise; EM alternates `1/λ_w = mean (x − t)²` and the
    /// precision-weighted mean; starts from the mean. Zheng et al.'s `l_LFCcont`.
    Lfc,
}

impl Method {
    /// Every method, in documentation order.
    pub const ALL: [Method; 6] = [
        Method::Mean,
        Method::Median,
        Method::TrimmedMean,
        Method::Catd,
        Method::Crh,
        Method::Lfc,
    ];

    /// The method's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Mean => "mean",
            Method::Median => "median",
            Method::TrimmedMean => "trimmed-mean",
            Method::Catd => "catd",
            Method::Crh => "crh",
            Method::Lfc => "lfc",
        }
    }

    /// True for the iterative truth-discovery methods (CATD, CRH, LFC).
    pub fn is_iterative(self) -> bool {
        matches!(self, Method::Catd | Method::Crh | Method::Lfc)
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s || (s == "pm-crh" && *m == Method::Crh))
            .ok_or_else(|| {
                Error::param(
                    "method",
                    format!(
                        "unknown rating method `{s}`; one of {}",
                        Method::ALL.map(Method::name).join(", ")
                    ),
                )
            })
    }
}

/// Settings of a rating aggregation. Build with [`RatingParams::new`] and the
/// consuming setters; [`fit`](Self::fit) validates first.
///
/// ```
/// use crowdqc_ratings::{Method, RatingParams};
/// let p = RatingParams::new(Method::Lfc).max_iter(50).tol(1e-6);
/// assert!(p.validate().is_ok());
/// assert!(RatingParams::new(Method::TrimmedMean).trim(0.5).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RatingParams {
    pub(crate) method: Method,
    pub(crate) trim: f64,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) alpha: f64,
}

impl RatingParams {
    /// Defaults: `trim` 0.1, `max_iter` 100, `tol` 1e-6, `alpha` 0.05.
    pub fn new(method: Method) -> Self {
        RatingParams {
            method,
            trim: 0.1,
            max_iter: 100,
            tol: 1e-6,
            alpha: 0.05,
        }
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Share cut from each end by the trimmed mean, in `[0, 0.5)`; default 0.1.
    #[must_use]
    pub fn trim(mut self, trim: f64) -> Self {
        self.trim = trim;
        self
    }

    /// Maximum iterations of CATD, CRH and LFC, `>= 1`; default 100.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Convergence tolerance, finite and `>= 0`: iteration stops when the sum over
    /// items of the squared change of the scores is at most `tol` (Zheng et al.'s
    /// criterion); default 1e-6.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// CATD's significance level `α` in `(0, 1)`: the weight's numerator is the
    /// `α/2` quantile of `χ²(n_w)`; default 0.05 (the paper's).
    #[must_use]
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first setting out of range.
    pub fn validate(&self) -> Result<()> {
        if !(self.trim.is_finite() && (0.0..0.5).contains(&self.trim)) {
            return Err(Error::param(
                "trim",
                format!("must be in [0, 0.5), got {}", self.trim),
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be >= 1, got 0"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::param(
                "alpha",
                format!("must be in (0, 1), got {}", self.alpha),
            ));
        }
        Ok(())
    }
}
