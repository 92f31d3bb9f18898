//! Scores a judgment dump through the library API (not the CLI): Dawid–Skene with
//! crowd-kit's defaults (gold items clamped when a gold file is given), then the
//! least reliable workers.
//!
//! `cargo run -p crowdqc-examples --bin score -- judgments.parquet [gold.csv]`
use crowdqc::aggregation::DawidSkene;
use crowdqc::core::IngestOptions;
use crowdqc::core::estimator::{Estimator, FittedModel};

fn main() -> crowdqc::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: score JUDGMENTS [GOLD]");
        std::process::exit(2);
    };
    let gold = args.get(1).map(std::path::Path::new);
    let m = crowdqc::io::read_judgments(path.as_ref(), &IngestOptions::default(), gold)?;
    let model = DawidSkene::params().clamp_gold(gold.is_some()).fit(&m)?;
    let r = model.fit_report();
    println!(
        "{} items, {} iterations, converged: {}, stop reason: {}",
        m.n_items(),
        r.iterations,
        r.converged,
        r.stop_reason
    );
    let (acc, spam) = (model.worker_accuracy(), model.spammer_scores());
    let mut workers: Vec<usize> = (0..m.n_workers()).collect();
    workers.sort_by(|&a, &b| acc[a].total_cmp(&acc[b]));
    for &w in workers.iter().take(5) {
        let id = m.workers().get(w as u32);
        println!("{id:<12} accuracy {:.3} spammer {:.3}", acc[w], spam[w]);
    }
    Ok(())
}
