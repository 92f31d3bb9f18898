//! `crowdqc ratings aggregate | agreement | policy` over files: numeric or ordinal
//! ratings read through [`RatingsBuilder`], gold ratings joined to them, the fitted
//! scores and the agreement written as tables.

use std::fmt;
use std::path::{Path, PathBuf};

use crowdqc_core::Result;
use crowdqc_ratings::{
    GoldRatings, RatingAggregation, RatingAgreement, RatingMatrix, RatingParams, RatingSummary,
    RatingsBuilder, RatingsOptions, ScoreAccuracy, rating_agreement, score_accuracy,
};

use super::{FitTables, read_with, shown, write_if, wrote_lines};

/// A ratings file and how to read it.
#[derive(Debug, Clone)]
pub struct RatingsFile {
    /// The file (`.parquet`, `.csv`, `.arrow`/`.ipc`).
    pub path: PathBuf,
    /// Columns, duplicate policy and scale.
    pub options: RatingsOptions,
}

impl RatingsFile {
    /// The file at `path`, read with `options`.
    pub fn new(path: impl Into<PathBuf>, options: RatingsOptions) -> Self {
        RatingsFile {
            path: path.into(),
            options,
        }
    }

    /// Streams the file through [`RatingsBuilder`]; duplicates are counted in the
    /// matrix ([`RatingMatrix::duplicate_note`] says what was done with them).
    ///
    /// # Errors
    /// An unreadable file, missing columns, bad values (naming the file and row).
    pub fn load(&self) -> Result<RatingMatrix> {
        let (opts, path) = (self.options.clone(), &self.path);
        let reader = crowdqc_io::BatchReader::open_judgments(path, &opts.columns)?;
        let b = RatingsBuilder::new(opts)?;
        b.read_all(reader).map_err(|e| e.in_file(path))
    }

    /// Gold ratings (item, value, optional tolerance column; else `tolerance`) from the
    /// table at `path`, joined to `m`.
    ///
    /// # Errors
    /// An unreadable file; those of [`GoldRatings::from_batches`], naming file and line.
    pub fn gold(&self, path: &Path, m: &RatingMatrix, tolerance: f64) -> Result<GoldRatings> {
        let columns = &self.options.columns;
        read_with(path, |t| {
            GoldRatings::from_batches(m, t.batches(), columns, tolerance)
        })
    }

    /// Fits `params` on `m` (read from this file), scores the fit against the gold
    /// ratings of `eval` (`(path, default tolerance)`) and writes its item and worker
    /// tables.
    ///
    /// # Errors
    /// Those of the fit, of [`gold`](Self::gold) and [`score_accuracy`] (naming the
    /// evaluation file), and of the writes.
    pub fn aggregate(
        &self,
        m: RatingMatrix,
        params: &RatingParams,
        eval: Option<(&Path, f64)>,
        tables: &FitTables,
    ) -> Result<AggregateReport> {
        let fit = params.fit(&m)?;
        let eval = match eval {
            Some((p, tolerance)) => {
                let g = self.gold(p, &m, tolerance)?;
                Some(score_accuracy(fit.scores(), &g).map_err(|e| e.in_file(p))?)
            }
            None => None,
        };
        tables.write(|| fit.items_record_batch(), || fit.workers_record_batch())?;
        let (out, workers_out) = tables.shown();
        Ok(AggregateReport {
            file: self.path.display().to_string(),
            m,
            fit,
            eval,
            out,
            workers_out,
            seconds: 0.0,
        })
    }

    /// The intraclass correlations and Kendall's W of `m` (read from this file) at
    /// `confidence`, written to `out` if given.
    ///
    /// # Errors
    /// Those of [`rating_agreement`] and of the write.
    pub fn agreement(
        &self,
        m: &RatingMatrix,
        confidence: f64,
        out: Option<&Path>,
    ) -> Result<AgreementReport> {
        let agreement = rating_agreement(m, confidence)?;
        write_if(out, || agreement.to_record_batch())?;
        Ok(AgreementReport {
            file: self.path.display().to_string(),
            agreement,
            out: shown(out),
        })
    }
}

/// What `crowdqc ratings aggregate` reports: the file, the [`RatingSummary`] of the fit
/// (its JSON fields flattened), the tables written and the time taken.
#[derive(Debug, Clone)]
pub struct AggregateReport {
    /// The ratings file.
    pub file: String,
    /// The ratings.
    pub m: RatingMatrix,
    /// The fit.
    pub fit: RatingAggregation,
    /// Accuracy against the evaluation gold, when given.
    pub eval: Option<ScoreAccuracy>,
    /// The items table written.
    pub out: Option<String>,
    /// The workers table written.
    pub workers_out: Option<String>,
    /// Seconds taken (the caller measures them, reading included).
    pub seconds: f64,
}

/// The serialised form of [`AggregateReport`].
#[derive(serde::Serialize)]
struct AggregateView<'a> {
    file: &'a str,
    #[serde(flatten)]
    summary: RatingSummary<'a>,
    out: &'a Option<String>,
    workers_out: &'a Option<String>,
    seconds: f64,
}

impl AggregateReport {
    fn view(&self) -> AggregateView<'_> {
        AggregateView {
            file: &self.file,
            summary: RatingSummary::new(&self.m, &self.fit, self.eval),
            out: &self.out,
            workers_out: &self.workers_out,
            seconds: self.seconds,
        }
    }
}

impl serde::Serialize for AggregateReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.view().serialize(s)
    }
}

impl fmt::Display for AggregateReport {
    /// The file, the summary, the files written and the time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.view();
        let wrote = wrote_lines(&[v.out, v.workers_out]);
        write!(f, "ratings      {}\n{}{wrote}", v.file, v.summary)?;
        writeln!(f, "time         {:.2} s", v.seconds)
    }
}

/// What `crowdqc ratings agreement` reports: the file, the agreement (its JSON fields
/// flattened) and the table written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgreementReport {
    /// The ratings file.
    pub file: String,
    /// ICC and Kendall's W.
    #[serde(flatten)]
    pub agreement: RatingAgreement,
    /// The table written.
    pub out: Option<String>,
}

impl fmt::Display for AgreementReport {
    /// The file, the agreement and the file written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrote = wrote_lines(&[&self.out]);
        write!(f, "ratings      {}\n{}{wrote}", self.file, self.agreement)
    }
}
