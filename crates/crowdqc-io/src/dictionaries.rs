//! Dictionary-encoded id columns: when reading them as Arrow dictionaries pays off.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::Schema;
use crowdqc_core::Result;

/// Replaces dictionary columns whose dictionary is large compared with the batch (more
/// than one entry per [`DICTIONARY_ROWS_PER_ENTRY`] rows) by plain arrays. Ingest maps a
/// dictionary by interning each entry used in the batch, which pays off only when
/// entries repeat often within the batch; a Parquet column chunk's dictionary can hold
/// far more entries than one batch uses (e.g. 100 000 worker ids).
pub(crate) fn plain_large_dictionaries(batch: RecordBatch) -> Result<RecordBatch> {
    let large = |c: &ArrayRef| {
        c.as_any_dictionary_opt()
            .is_some_and(|d| d.values().len() * DICTIONARY_ROWS_PER_ENTRY > c.len())
    };
    if !batch.columns().iter().any(large) {
        return Ok(batch);
    }
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        match c.as_any_dictionary_opt() {
            Some(d) if large(c) => {
                let plain = arrow_select::take::take(d.values().as_ref(), d.keys(), None)?;
                fields.push(Arc::new(
                    f.as_ref().clone().with_data_type(plain.data_type().clone()),
                ));
                columns.push(plain);
            }
            _ => {
                fields.push(f.clone());
                columns.push(c.clone());
            }
        }
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// A dictionary pays off in ingest when each entry is used by at least this many rows
/// of a batch (see [`plain_large_dictionaries`]).
pub(crate) const DICTIONARY_ROWS_PER_ENTRY: usize = 16;
