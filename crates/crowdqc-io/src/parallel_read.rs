//! Parquet judgments read row group by row group on several threads: each thread
//! decodes a row group and encodes it against its own dictionaries
//! ([`crowdqc_core::EncodedPart`]), which it keeps across its row groups while their ids
//! recur ([`crowdqc_core::PartStream`]: workers, labels); the calling thread merges the
//! parts in file order ([`JudgmentMatrixBuilder::push_part`]), so codes, matrix and
//! errors do not depend on the number of threads.
//!
//! Item and worker columns stored as plain string pages without a dictionary page (as
//! Arrow writers store ids of many distinct values) are decoded from their pages by
//! [`plain_ids`] instead of the Arrow reader: per row group, its distinct ids and a key
//! per row, pushed as dictionary arrays that share the row group's values (ingest then
//! interns each distinct id once per row group, not once per row), or, for a column
//! more than half of whose rows were distinct in the thread's last row group, a plain
//! string array built from the pages. The Arrow reader reads the other columns; a row
//! group whose pages `plain_ids` declines is read by the Arrow reader whole.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};

use crowdqc_core::progress::Progress;
use crowdqc_core::{
    EncodedPart, Error, IngestOptions, JudgmentMatrixBuilder, MAX_STREAMS, PartStream, Result,
};

use crate::batch_reader::{BATCH_SIZE, BatchReader};
use crate::errors;
use crate::guard::guarded;
use crate::parquet_input::{self, Prepared};
use crate::plain_ids::{self, ChunkIds, Mode};

/// Threads that decode and encode row groups: the rayon pool's size (so
/// `RAYON_NUM_THREADS` sets it), at most one per row group.
fn decode_threads(row_groups: usize) -> usize {
    rayon::current_num_threads().clamp(1, row_groups.clamp(1, MAX_STREAMS))
}

/// Reads every row group of the Parquet file `path` into `builder` (one pass), with
/// progress by row group.
pub(crate) fn read_parquet_pass(
    path: &Path,
    opts: &IngestOptions,
    builder: &mut JudgmentMatrixBuilder,
    progress: &dyn Progress,
    note: &str,
) -> Result<()> {
    let prepared = guarded("Parquet", || {
        parquet_input::prepare_judgments(path, &opts.columns, BATCH_SIZE)
    })
    .map_err(|e| e.in_file(path))?;
    let groups = prepared.row_groups();
    let threads = decode_threads(groups);
    // with fewer decoding threads than the pool has, each batch's three id columns are
    // encoded as parallel tasks instead
    let parallel_columns = threads < rayon::current_num_threads();
    progress.start(
        &format!("reading {}{note}", path.display()),
        Some(prepared.rows),
    );
    let stop = AtomicBool::new(false);
    let read = std::thread::scope(|scope| -> Result<()> {
        let mut inboxes: Vec<Receiver<EncodedPart>> = Vec::with_capacity(threads);
        for t in 0..threads {
            // one finished part waits per thread while the next is decoded: memory
            // stays at about 2 × threads row groups of codes
            let (tx, rx) = sync_channel::<EncodedPart>(1);
            inboxes.push(rx);
            let (prepared, stop) = (&prepared, &stop);
            scope.spawn(move || {
                // the thread's dictionaries carry over its row groups (see PartStream)
                let mut stream = PartStream::new(t);
                // dictionary columns whose batches carried mostly distinct values: read
                // as plain strings from the thread's next row group on
                let mut plain: Vec<String> = Vec::new();
                // per column decoded from its pages: how its next row group is decoded
                let mut modes = vec![Mode::Distinct(0); prepared.fast.len()];
                for g in (t..groups).step_by(threads) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut part = stream.begin(opts, parallel_columns);
                    let dense = match plain_ids_group(prepared, g, &mut modes) {
                        Some(ids) => encode_group_with(&mut part, prepared, g, stop, &plain, ids),
                        None => encode_group(&mut part, prepared, g, path, stop, &plain),
                    };
                    for name in dense {
                        if !plain.contains(&name) {
                            plain.push(name);
                        }
                    }
                    stream.end(&mut part);
                    let failed = part.failed();
                    if tx.send(part).is_err() || failed {
                        break;
                    }
                }
            });
        }
        let merged = (|| {
            for g in 0..groups {
                let Ok(part) = inboxes[g % threads].recv() else {
                    // a thread stopped early: only after a failed part, reported above
                    break;
                };
                let row0 = builder.rows();
                builder.push_part(part).map_err(|e| e.in_file(path))?;
                progress.advance(builder.rows() - row0);
                progress.check()?;
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        drop(inboxes);
        merged
    });
    progress.finish();
    // the decoding threads' arenas still hold the parts they built (hundreds of MB at
    // 1e8): hand them back before the matrix's `finish` allocates its arrays
    crate::release_freed_heap();
    match read {
        // Which bad row is reported first depends, on the plain path, on how its
        // batches cut the file (each batch checks its item column, then worker, then
        // label...). Bad input is rare: find the plain path's error by reading the file
        // again as it does (counting only, no row kept), so messages and rows are
        // exactly those of the sequential read.
        Err(e) if !matches!(e, Error::Interrupted) => {
            Err(sequential_first_error(path, opts).unwrap_or(e))
        }
        r => r,
    }
}

/// The first error of the sequential read of `path` (every batch pushed in order into
/// a fresh builder that keeps no row), if any.
fn sequential_first_error(path: &Path, opts: &IngestOptions) -> Option<Error> {
    let mut builder = JudgmentMatrixBuilder::new(opts.clone()).ok()?;
    builder.set_two_pass().ok()?;
    let reader = BatchReader::open_judgments(path, &opts.columns).ok()?;
    for batch in reader {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => return Some(e.in_file(path)),
        };
        if let Err(e) = builder.push_batch(&batch) {
            return Some(e.in_file(path));
        }
    }
    None
}

/// Per dictionary column of a row group's batches: how many batches brought a
/// dictionary of their own (plain pages: the parquet crate deduplicates each batch's
/// values), and how many of those had more distinct values than half their rows.
#[derive(Default)]
struct Density {
    columns: Vec<(String, Option<ArrayRef>, usize, usize)>,
}

impl Density {
    fn see(&mut self, batch: &RecordBatch) {
        for (f, col) in batch.schema().fields().iter().zip(batch.columns()) {
            let Some(d) = col.as_any_dictionary_opt() else {
                continue;
            };
            let at = match self.columns.iter().position(|c| c.0 == *f.name()) {
                Some(at) => at,
                None => {
                    self.columns.push((f.name().clone(), None, 0, 0));
                    self.columns.len() - 1
                }
            };
            let (_, last, own, dense) = &mut self.columns[at];
            let values = d.values();
            if last.as_ref().is_some_and(|v| Arc::ptr_eq(v, values)) {
                continue;
            }
            *own += 1;
            if values.len() * 2 > col.len() && col.len() >= DENSE_MIN_ROWS {
                *dense += 1;
            }
            *last = Some(Arc::clone(values));
        }
    }

    /// Columns most of whose batches (at least two) had dense dictionaries of their own.
    fn dense(self) -> Vec<String> {
        self.columns
            .into_iter()
            .filter(|&(_, _, own, dense)| own >= 2 && dense * 2 > own)
            .map(|c| c.0)
            .collect()
    }
}

/// Batches shorter than this do not count as dense ([`Density`]).
const DENSE_MIN_ROWS: usize = 4096;

/// Row groups of more rows than this are read by the Arrow reader (a column decoded by
/// [`plain_ids`] holds a 4-byte key per row of its row group at once: 16 MiB here).
const PLAIN_IDS_MAX_ROWS: usize = 1 << 22;

/// The columns of row group `g` that [`plain_ids`] decodes (root index and ids), or
/// `None` when there are none or it declines one of them (then the row group is read
/// by the Arrow reader whole). `modes` holds, per such column, how to decode it, from
/// what its last row group held: its distinct ids, or every row's id once more than
/// half a row group's rows were distinct (mostly new ids: the workers of a large crowd),
/// updated.
fn plain_ids_group(
    prepared: &Prepared,
    g: usize,
    modes: &mut [Mode],
) -> Option<Vec<(usize, ChunkIds)>> {
    if prepared.fast.is_empty() {
        return None;
    }
    let rg = prepared.metadata().row_groups().get(g)?;
    let rows = usize::try_from(rg.num_rows())
        .ok()
        .filter(|&r| r <= PLAIN_IDS_MAX_ROWS)?;
    let file = Arc::new(std::fs::File::open(prepared.path()).ok()?);
    let mut out = Vec::with_capacity(prepared.fast.len());
    for (&(root, leaf), mode) in prepared.fast.iter().zip(modes.iter_mut()) {
        let col = rg.columns().get(leaf)?;
        let ids = guarded("Parquet", || Ok(plain_ids::decode(&file, col, rows, *mode))).ok()??;
        if let Some(d) = ids.distinct() {
            *mode = if d * 2 > rows && rows >= DENSE_MIN_ROWS {
                Mode::Plain
            } else {
                Mode::Distinct(d)
            };
        }
        out.push((root, ids));
    }
    Some(out)
}

/// [`encode_group`] of row group `g` whose columns `ids` were decoded by
/// [`plain_ids`]: the Arrow reader reads the other columns, and each of its batches is
/// pushed with the decoded columns' rows alongside, as dictionary arrays over the row
/// group's distinct ids.
fn encode_group_with(
    part: &mut EncodedPart,
    prepared: &Prepared,
    g: usize,
    stop: &AtomicBool,
    plain: &[String],
    ids: Vec<(usize, ChunkIds)>,
) -> Vec<String> {
    let path = prepared.path();
    let skip: Vec<usize> = ids.iter().map(|&(r, _)| r).collect();
    let mut reader = match guarded("Parquet", || {
        prepared.reader_skipping(Some(g), plain, &skip)
    }) {
        Ok(r) => r,
        Err(e) => {
            part.fail(e.in_file(path));
            return Vec::new();
        }
    };
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let fields: Vec<Arc<Field>> = prepared
        .selected_fields()
        .into_iter()
        .zip(prepared.selected())
        .map(|(f, r)| match ids.iter().find(|(root, _)| root == r) {
            Some((_, ChunkIds::Dict { .. })) => {
                Arc::new(f.as_ref().clone().with_data_type(dict.clone()))
            }
            Some((_, ChunkIds::Plain(_))) => {
                Arc::new(f.as_ref().clone().with_data_type(DataType::Utf8))
            }
            None => f,
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let mut density = Density::default();
    let mut row = 0usize;
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let next = guarded("Parquet", || {
            Ok(reader
                .next()
                .map(|b| b.map_err(|e| errors::arrow_read("Parquet", path, e))))
        });
        let batch = match next {
            Ok(None) => break,
            Ok(Some(Ok(b))) => b,
            Ok(Some(Err(e))) | Err(e) => {
                part.fail(e.in_file(path));
                break;
            }
        };
        density.see(&batch);
        let n = batch.num_rows();
        let mut others = batch.columns().iter();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for r in prepared.selected() {
            match ids.iter().find(|(root, _)| root == r) {
                Some((_, c)) if row + n <= c.rows() => match c.slice(row, n) {
                    Ok(a) => columns.push(a),
                    Err(e) => {
                        part.fail(errors::arrow_read("Parquet", path, e));
                        return Vec::new();
                    }
                },
                Some(_) => {
                    part.fail(rows_differ().in_file(path));
                    return Vec::new();
                }
                None => columns.extend(others.next().cloned()),
            }
        }
        row += n;
        let batch = match RecordBatch::try_new(Arc::clone(&schema), columns) {
            Ok(b) => b,
            Err(e) => {
                part.fail(errors::arrow_read("Parquet", path, e));
                break;
            }
        };
        if !part.push(&batch) {
            break;
        }
    }
    if !stop.load(Ordering::Relaxed) && !part.failed() && ids.iter().any(|(_, c)| c.rows() != row) {
        part.fail(rows_differ().in_file(path));
    }
    density.dense()
}

/// The columns of a row group came with different numbers of rows.
fn rows_differ() -> Error {
    Error::BadFile {
        format: "Parquet".into(),
        source: "the columns of a row group hold different numbers of rows".into(),
    }
}

/// Decodes row group `g` and encodes its batches into `part` (a decoding error ends
/// the part and is reported when it is merged), with the columns named in `plain` read
/// as plain strings. Returns the dictionary columns whose batches came mostly with
/// dictionaries of their own, of more distinct values than half their rows: for those,
/// the parquet crate's per-batch deduplication costs more than interning the strings
/// (the codes are the same either way).
fn encode_group(
    part: &mut EncodedPart,
    prepared: &Prepared,
    g: usize,
    path: &Path,
    stop: &AtomicBool,
    plain: &[String],
) -> Vec<String> {
    let mut reader = match guarded("Parquet", || prepared.reader_with(Some(g), plain)) {
        Ok(r) => r,
        Err(e) => {
            part.fail(e.in_file(path));
            return Vec::new();
        }
    };
    let mut density = Density::default();
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let next = guarded("Parquet", || {
            Ok(reader
                .next()
                .map(|b| b.map_err(|e| errors::arrow_read("Parquet", path, e))))
        });
        let batch = match next {
            Ok(None) => break,
            Ok(Some(Ok(b))) => b,
            Ok(Some(Err(e))) | Err(e) => {
                part.fail(e.in_file(path));
                break;
            }
        };
        density.see(&batch);
        if !part.push(&batch) {
            break;
        }
    }
    density.dense()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};

    use super::{DENSE_MIN_ROWS, Density};

    fn column(keys: impl Iterator<Item = i32>, values: &ArrayRef) -> ArrayRef {
        let keys = Int32Array::from_iter_values(keys);
        Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::clone(values)).expect("dict"))
    }

    fn values(n: usize, tag: &str) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(
            (0..n).map(|i| format!("{tag}{i}")),
        ))
    }

    /// Only columns whose batches mostly bring dictionaries of their own, with more
    /// values than half their rows, are dense: a chunk's dictionary shared by its
    /// batches (dictionary pages) is not, however large, nor are batches of few
    /// distinct values, nor short batches.
    #[test]
    fn dense_columns_bring_large_dictionaries_of_their_own() {
        let rows = DENSE_MIN_ROWS;
        let shared = values(rows, "s");
        let mut d = Density::default();
        let n = rows as i32;
        for b in 0..3 {
            let own = values(rows * 3 / 4, &format!("w{b}-"));
            let few = values(rows / 4, &format!("i{b}-"));
            let short = values(100, &format!("t{b}-"));
            let batch = RecordBatch::try_from_iter([
                ("shared", column((0..n).rev(), &shared)),
                ("own", column((0..n).map(|r| r % (n * 3 / 4)), &own)),
                ("few", column((0..n).map(|r| r % (n / 4)), &few)),
            ])
            .expect("batch");
            d.see(&batch);
            let short =
                RecordBatch::try_from_iter([("short", column(0..100, &short))]).expect("batch");
            d.see(&short);
        }
        assert_eq!(d.dense(), vec!["own".to_string()]);
    }
}
