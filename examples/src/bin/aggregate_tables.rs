//! Every table `crowdqc aggregate` writes, and the summary it prints, from the library
//! in a few lines: the items table (`--out`), the workers table (`--workers-out`), the
//! evaluation against held-out gold (`--eval`) and the run summary; plus `inspect`'s
//! summary of the data.
//!
//! ```text
//! cargo run -p crowdqc-examples --bin aggregate_tables -- JUDGMENTS [EVAL_GOLD]
//! ```

use std::path::PathBuf;

use crowdqc::aggregation::registry::{self, RunOptions};
use crowdqc::aggregation::report::{self, AggregateSummary, EvalGold};
use crowdqc::core::{IngestOptions, MatrixSummary};
use crowdqc::{Error, Result};

fn main() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some(judgments) = args.first() else {
        return Err(Error::param(
            "JUDGMENTS",
            "usage: aggregate_tables JUDGMENTS [EVAL_GOLD]",
        ));
    };
    let opts = IngestOptions::default();
    let m = crowdqc::io::read_judgments(judgments, &opts, None)?;
    println!("{:#?}", MatrixSummary::of(&m)); // `crowdqc inspect`

    let model = registry::fit("ds", &m, &RunOptions::default())?;
    let items = report::items_table(&m, model.as_ref(), 0..m.n_items() as u32)?; // --out
    let workers = report::workers_table(&m, model.as_ref())?; // --workers-out
    let eval = match args.get(1) {
        Some(p) => {
            let t = crowdqc::io::read_table_with_lines(p)?;
            let gold =
                EvalGold::from_batches(t.batches(), &opts.columns).map_err(|e| t.locate(e))?;
            Some(gold.evaluate(&m, &model.labels(), false)) // --eval
        }
        None => None,
    };
    let summary = AggregateSummary::new(&m, model.as_ref(), None, eval);

    println!(
        "items table: {} rows, columns {:?}",
        items.num_rows(),
        names(&items)
    );
    println!(
        "workers table: {} rows, columns {:?}",
        workers.num_rows(),
        names(&workers)
    );
    println!("{summary:#?}");
    let dir = std::env::temp_dir();
    crowdqc::io::write_table(&dir.join("items.parquet"), &items)?;
    crowdqc::io::write_table(&dir.join("workers.csv"), &workers)?;
    println!("wrote {}", dir.join("items.parquet").display());
    Ok(())
}

fn names(b: &arrow_array::RecordBatch) -> Vec<String> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}
