//! Agreement for ratings: intraclass correlation (six forms) and Kendall's W, over the
//! items rated by every worker.

mod complete;
mod icc;
mod kendall;
mod kendall_na;
mod oneway;

pub use icc::{IccForm, IccReport, MeanSquares, icc};
pub use kendall::{KendallW, kendall_w};
pub use kendall_na::{KendallWIncomplete, MAX_PAIR_ENTRIES, kendall_w_incomplete};

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use crowdqc_core::Result;

use crate::data::RatingMatrix;

/// ICC and Kendall's W together (the complete block is built once).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RatingAgreement {
    /// The six ICC forms.
    pub icc: IccReport,
    /// Kendall's W over the complete block.
    pub kendall_w: KendallW,
    /// Kendall's W from every rating ([`kendall_w_incomplete`]) when some item is not
    /// rated by every worker; `None` on complete data.
    pub kendall_w_incomplete: Option<KendallWIncomplete>,
}

/// [`icc`] and [`kendall_w`] in one pass over the data.
///
/// # Errors
/// Those of [`icc`].
pub fn rating_agreement(m: &RatingMatrix, confidence: f64) -> Result<RatingAgreement> {
    crowdqc_core::interval::check_confidence(confidence)?;
    let c = complete::Complete::new(m)?;
    let mut icc = icc::icc_of(&c, m.n_items(), confidence);
    icc.all_ratings = oneway::icc1_unbalanced(m, confidence);
    let kendall_w = kendall::kendall_of(&c, m.n_items());
    let kendall_w_incomplete = if kendall_w.n_items_dropped > 0 {
        Some(kendall_na::kendall_w_incomplete(m)?)
    } else {
        None
    };
    Ok(RatingAgreement {
        icc,
        kendall_w,
        kendall_w_incomplete,
    })
}

impl RatingAgreement {
    /// One row per statistic: `statistic` (`ICC1` … `ICC3k`, `ICC1u` — ICC(1,1) from
    /// every rating —, `kendall_w`, and `kendall_w_incomplete` on incomplete data),
    /// `value`,
    /// `ci_low`, `ci_high`, `statistic_value` (F or χ²), `df1`, `df2` (null for W),
    /// `p_value`, `undefined` (the reason, null when defined).
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let f: Vec<&IccForm> = self
            .icc
            .forms
            .iter()
            .chain([&self.icc.all_ratings])
            .collect();
        // Kendall's W rows: the complete block, then (incomplete data) every rating
        let w = &self.kendall_w;
        let mut ws = vec![(
            "kendall_w",
            w.w,
            w.chi2,
            w.df,
            w.p_value,
            w.undefined.clone(),
        )];
        if let Some(v) = &self.kendall_w_incomplete {
            ws.push((
                "kendall_w_incomplete",
                v.w,
                v.chi2,
                v.df,
                v.p_value,
                v.undefined.clone(),
            ));
        }
        let names: Vec<&str> = f
            .iter()
            .map(|x| x.form)
            .chain(ws.iter().map(|w| w.0))
            .collect();
        let col = |v: Vec<Option<f64>>| Arc::new(Float64Array::from(v)) as ArrayRef;
        let none = || ws.iter().map(|_| None);
        let values = col(f
            .iter()
            .map(|x| x.value)
            .chain(ws.iter().map(|w| w.1))
            .collect());
        let lo = col(f.iter().map(|x| x.ci_low).chain(none()).collect());
        let hi = col(f.iter().map(|x| x.ci_high).chain(none()).collect());
        let stat = col(f
            .iter()
            .map(|x| x.f)
            .chain(ws.iter().map(|w| w.2))
            .collect());
        let df1 = col(f
            .iter()
            .map(|x| Some(x.df1))
            .chain(ws.iter().map(|w| Some(w.3)))
            .collect());
        let df2 = col(f.iter().map(|x| Some(x.df2)).chain(none()).collect());
        let p = col(f
            .iter()
            .map(|x| x.p_value)
            .chain(ws.iter().map(|w| w.4))
            .collect());
        let und: Vec<Option<String>> = f
            .iter()
            .map(|x| x.undefined.clone())
            .chain(ws.iter().map(|w| w.5.clone()))
            .collect();
        Ok(RecordBatch::try_from_iter([
            ("statistic", Arc::new(StringArray::from(names)) as ArrayRef),
            ("value", values),
            ("ci_low", lo),
            ("ci_high", hi),
            ("statistic_value", stat),
            ("df1", df1),
            ("df2", df2),
            ("p_value", p),
            ("undefined", Arc::new(StringArray::from(und)) as ArrayRef),
        ])?)
    }
}
