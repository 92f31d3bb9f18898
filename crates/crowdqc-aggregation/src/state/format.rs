//! The model file format (version 1): magic, version, a JSON header, the worker ids,
//! and the parameters as little-endian `f64` (exact round trip).
//!
//! ```text
//! bytes 0..8    magic  b"CQCMODEL"
//! bytes 8..12   format version, u32 LE (1)
//! bytes 12..20  header length h, u64 LE
//! h bytes       header, JSON: method, classes (ids), n_workers, k, judgments,
//!               items, fit_report
//! per worker    tag u8: 0 = integer id (i64 LE), 1 = string id (u32 LE length, UTF-8)
//! u64 LE length, then DsParams bytes (priors k, confusion workers x k x k)
//! ```

use std::io::Write;

use crowdqc_core::bytes::ByteReader;
use crowdqc_core::estimator::FitReport;
use crowdqc_core::{Error, Id, Result};

use crate::distributed::DsParams;

use super::ModelState;

/// The first eight bytes of a model file.
pub const MAGIC: &[u8; 8] = b"CQCMODEL";
/// The format version this crowdqc writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    method: String,
    classes: Vec<Id>,
    n_workers: u64,
    k: u64,
    judgments: u64,
    items: u64,
    /// The fit report; its objective trace is in `objective_bits` (JSON numbers do
    /// not round-trip every `f64` exactly).
    fit_report: FitReport,
    objective_bits: Vec<u64>,
}

/// How errors in a model file start.
const KIND: &str = "invalid crowdqc model file";

fn bad(message: impl Into<String>) -> Error {
    Error::Parse {
        line: None,
        message: format!("{KIND}: {}", message.into()),
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Io {
        path: "<model>".into(),
        source: e,
    }
}

pub(super) fn write(state: &ModelState, w: &mut dyn Write) -> Result<()> {
    let header = Header {
        method: state.method.clone(),
        classes: state.classes.clone(),
        n_workers: state.workers.len() as u64,
        k: state.params.n_classes() as u64,
        judgments: state.judgments,
        items: state.items,
        fit_report: FitReport {
            objective: Vec::new(),
            ..state.fit_report.clone()
        },
        objective_bits: state
            .fit_report
            .objective
            .iter()
            .map(|v| v.to_bits())
            .collect(),
    };
    let json = serde_json::to_vec(&header).map_err(|e| Error::library("model header", e))?;
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
    w.write_all(&(json.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(&json).map_err(io)?;
    let mut buf = Vec::with_capacity(1 << 16);
    for id in &state.workers {
        match id {
            Id::Int(v) => {
                buf.push(0);
                buf.extend_from_slice(&v.to_le_bytes());
            }
            Id::Str(s) => {
                buf.push(1);
                let len = u32::try_from(s.len())
                    .map_err(|_| Error::param("workers", "a worker id is longer than 4 GiB"))?;
                buf.extend_from_slice(&len.to_le_bytes());
                buf.extend_from_slice(s.as_bytes());
            }
        }
        if buf.len() >= 1 << 16 {
            w.write_all(&buf).map_err(io)?;
            buf.clear();
        }
    }
    w.write_all(&buf).map_err(io)?;
    let params = state.params.to_bytes();
    w.write_all(&(params.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(&params).map_err(io)?;
    Ok(())
}

pub(super) fn read(bytes: &[u8]) -> Result<ModelState> {
    let mut c = ByteReader::new(bytes, 0, KIND);
    let magic = c
        .take(8, "magic")
        .map_err(|_| bad("too short to be a model file (it does not start with CQCMODEL)"))?;
    if magic != MAGIC {
        return Err(bad(
            "it does not start with CQCMODEL; give a file written by `crowdqc aggregate --save-model`",
        ));
    }
    let version = c.u32("version")?;
    if version != FORMAT_VERSION {
        return Err(Error::param(
            "init-from",
            format!(
                "the model file has format version {version}; this crowdqc reads version \
                 {FORMAT_VERSION}: save the model again with this version"
            ),
        ));
    }
    let h = c.u64("header length")?;
    let mut header: Header = serde_json::from_slice(c.take(h, "header")?)
        .map_err(|e| bad(format!("unreadable header: {e}")))?;
    header.fit_report.objective = header
        .objective_bits
        .iter()
        .map(|&b| f64::from_bits(b))
        .collect();
    // every worker takes at least 5 bytes: a count beyond that is corrupt, not a
    // reason to allocate
    let n_workers = usize::try_from(header.n_workers)
        .ok()
        .filter(|&n| n.saturating_mul(5) <= c.left())
        .ok_or_else(|| bad(format!("{} workers do not fit the file", header.n_workers)))?;
    let mut workers = Vec::with_capacity(n_workers);
    for k in 0..n_workers {
        let tag = c.take(1, "worker tag")?[0];
        workers.push(match tag {
            0 => Id::Int(c.u64("worker id")? as i64),
            1 => {
                let len = c.u32("worker id length")?;
                let s = c.take(u64::from(len), "worker id")?;
                Id::Str(
                    std::str::from_utf8(s)
                        .map_err(|_| bad(format!("worker {k}: id is not UTF-8")))?
                        .to_string(),
                )
            }
            t => return Err(bad(format!("worker {k}: unknown id tag {t}"))),
        });
    }
    let plen = c.u64("parameters length")?;
    let params = DsParams::from_bytes(c.take(plen, "parameters")?)?;
    if c.left() != 0 {
        return Err(bad(format!(
            "{} unexpected bytes after the parameters",
            c.left()
        )));
    }
    if params.n_workers() != n_workers
        || params.n_classes() as u64 != header.k
        || header.classes.len() as u64 != header.k
    {
        return Err(bad(format!(
            "the header says {} workers and {} classes ({} class ids), the parameters \
             hold {} workers and {} classes",
            n_workers,
            header.k,
            header.classes.len(),
            params.n_workers(),
            params.n_classes()
        )));
    }
    Ok(ModelState {
        method: header.method,
        classes: header.classes,
        workers,
        params,
        fit_report: header.fit_report,
        judgments: header.judgments,
        items: header.items,
    })
}
