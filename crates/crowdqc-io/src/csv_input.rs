//! CSV input: a header row, RFC 4180 quoting, two passes. The first pass checks the
//! shape (field counts, UTF-8) and infers column types; the second builds Arrow arrays in
//! batches. A column is `Int64` only when every non-empty value in the file parses as an
//! integer (for item and worker columns: is written canonically, `7` not `007`, so ids
//! keep their text); the duration column (and, for generic tables, any column) may also be
//! `Float64`; every other column is `Utf8`. Empty fields are nulls.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use crowdqc_core::{ColumnMap, Error, Result};

use crate::errors;
use crate::projection::{Role, select};

/// Inferred type of one CSV column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Int,
    Float,
    Str,
}

/// Per-column state of the inference pass.
#[derive(Debug, Clone, Copy)]
struct Infer {
    int: bool,
    float: bool,
    any: bool,
}

fn reader(path: &Path, delimiter: u8) -> Result<csv::Reader<BufReader<File>>> {
    let file = File::open(path).map_err(|e| errors::io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(delimiter)
        .from_reader(BufReader::with_capacity(1 << 16, file)))
}

/// An integer written the way it prints: no sign but `-`, no leading zero, no `-0`.
fn canonical_int(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let ok = match digits {
        [] => false,
        [b'0'] => digits.len() == b.len(),
        [first, ..] => *first != b'0' && digits.iter().all(u8::is_ascii_digit),
    };
    ok && parses_int(b)
}

fn parses_int(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(|s| s.parse::<i64>().is_ok())
}

/// A float, but not an integer too large for `i64` (kept as text so no digit is lost).
fn parses_float(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").or(b.strip_prefix(b"+")).unwrap_or(b);
    let integer_syntax = !digits.is_empty() && digits.iter().all(u8::is_ascii_digit);
    if integer_syntax {
        return parses_int(b);
    }
    std::str::from_utf8(b).is_ok_and(|s| s.parse::<f64>().is_ok())
}

fn utf8_error(line: u64, field: usize, name: &str) -> Error {
    Error::Parse {
        line: Some(line),
        message: format!(
            "column `{name}` (field {}) is not valid UTF-8; re-encode the file as UTF-8",
            field + 1
        ),
    }
}

/// Batches of a CSV file, after the inference pass.
pub(crate) struct CsvBatches {
    path: PathBuf,
    rdr: csv::Reader<BufReader<File>>,
    schema: SchemaRef,
    /// (field index in the record, type) per output column.
    cols: Vec<(usize, ColType)>,
    record: csv::ByteRecord,
    batch_size: usize,
    /// One-based line of each row of the last batch.
    lines: Vec<u64>,
    done: bool,
}

/// Opens a CSV file: header, inference pass, then a reader for the second pass.
/// Returns the batches and the number of data rows.
pub(crate) fn open(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
    batch_size: usize,
    delimiter: u8,
) -> Result<(CsvBatches, u64)> {
    let mut rdr = reader(path, delimiter)?;
    let header = rdr
        .byte_headers()
        .map_err(|e| errors::csv(path, e))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Error::Parse {
            line: Some(1),
            message: "empty file: a header row naming the columns is required".into(),
        });
    }
    let mut names = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let name = std::str::from_utf8(h).map_err(|_| utf8_error(1, i, "header"))?;
        names.push(name.to_string());
    }
    let all = Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    );
    // Per selected column: may it be a float column; must integers be canonical.
    let (indices, float_ok, strict): (Vec<usize>, Vec<bool>, Vec<bool>) = match role {
        Some((columns, role)) => {
            let sel = select(&all, columns, role)?;
            let f = sel.indices.iter().map(|&i| Some(i) == sel.number).collect();
            let k = sel.indices.iter().map(|i| sel.keys.contains(i)).collect();
            (sel.indices, f, k)
        }
        None => (
            (0..names.len()).collect(),
            vec![true; names.len()],
            vec![false; names.len()],
        ),
    };

    // Pass 1: shape, UTF-8, types.
    let mut infer = vec![
        Infer {
            int: true,
            float: true,
            any: false,
        };
        indices.len()
    ];
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    while rdr
        .read_byte_record(&mut record)
        .map_err(|e| errors::csv(path, e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        if std::str::from_utf8(record.as_slice()).is_err() {
            let bad = (0..record.len())
                .find(|&f| std::str::from_utf8(&record[f]).is_err())
                .unwrap_or(0);
            return Err(utf8_error(line, bad, &names[bad]));
        }
        for (k, &f) in indices.iter().enumerate() {
            let v = &record[f];
            let st = &mut infer[k];
            if v.is_empty() {
                continue;
            }
            st.any = true;
            if st.int
                && !(if strict[k] {
                    canonical_int(v)
                } else {
                    parses_int(v)
                })
            {
                st.int = false;
            }
            if !st.int && st.float && (!float_ok[k] || !parses_float(v)) {
                st.float = false;
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::Parse {
            line: Some(2),
            message: "no data rows after the header".into(),
        });
    }
    let cols: Vec<(usize, ColType)> = indices
        .iter()
        .zip(&infer)
        .map(|(&f, st)| {
            let t = match (st.any, st.int, st.float) {
                (true, true, _) => ColType::Int,
                (true, false, true) => ColType::Float,
                _ => ColType::Str,
            };
            (f, t)
        })
        .collect();
    let schema = Arc::new(Schema::new(
        cols.iter()
            .map(|&(f, t)| {
                let dt = match t {
                    ColType::Int => DataType::Int64,
                    ColType::Float => DataType::Float64,
                    ColType::Str => DataType::Utf8,
                };
                Field::new(&names[f], dt, true)
            })
            .collect::<Vec<_>>(),
    ));
    let mut rdr = reader(path, delimiter)?;
    rdr.byte_headers().map_err(|e| errors::csv(path, e))?;
    Ok((
        CsvBatches {
            path: path.to_path_buf(),
            rdr,
            schema,
            cols,
            record,
            batch_size,
            lines: Vec::new(),
            done: false,
        },
        rows,
    ))
}

enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Str(StringBuilder),
}

impl CsvBatches {
    /// The schema of the batches.
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// One-based line numbers of the rows of the last batch returned (taken out).
    pub(crate) fn take_lines(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.lines)
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let n = self.batch_size;
        let mut builders: Vec<Builder> = self
            .cols
            .iter()
            .map(|&(_, t)| match t {
                ColType::Int => Builder::Int(Int64Builder::with_capacity(n)),
                ColType::Float => Builder::Float(Float64Builder::with_capacity(n)),
                ColType::Str => Builder::Str(StringBuilder::with_capacity(n, n * 8)),
            })
            .collect();
        self.lines = Vec::with_capacity(n);
        while self.lines.len() < n {
            let more = self
                .rdr
                .read_byte_record(&mut self.record)
                .map_err(|e| errors::csv(&self.path, e))?;
            if !more {
                self.done = true;
                break;
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            self.lines.push(line);
            for (b, &(f, _)) in builders.iter_mut().zip(&self.cols) {
                let v = &self.record[f];
                if v.is_empty() {
                    match b {
                        Builder::Int(b) => b.append_null(),
                        Builder::Float(b) => b.append_null(),
                        Builder::Str(b) => b.append_null(),
                    }
                    continue;
                }
                let name = || self.schema.field(b_index(&self.cols, f)).name().clone();
                let s = std::str::from_utf8(v).map_err(|_| utf8_error(line, f, &name()))?;
                let changed = || Error::Parse {
                    line: Some(line),
                    message: format!("column `{}` changed while it was being read", name()),
                };
                match b {
                    Builder::Int(b) => b.append_value(s.parse().map_err(|_| changed())?),
                    Builder::Float(b) => b.append_value(s.parse().map_err(|_| changed())?),
                    Builder::Str(b) => b.append_value(s),
                }
            }
        }
        if self.lines.is_empty() {
            return Ok(None);
        }
        let arrays: Vec<ArrayRef> = builders
            .into_iter()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Int(mut b) => Arc::new(b.finish()),
                    Builder::Float(mut b) => Arc::new(b.finish()),
                    Builder::Str(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        Ok(Some(RecordBatch::try_new(self.schema.clone(), arrays)?))
    }
}

fn b_index(cols: &[(usize, ColType)], f: usize) -> usize {
    cols.iter().position(|&(g, _)| g == f).unwrap_or(0)
}

impl Iterator for CsvBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
