//! Plays an annotation platform: simulated workers request tasks, the gold scheduler
//! (`crowdqc::gold::GoldScheduler`) decides whether each slot is gold, the access
//! policy (`crowdqc::policy`) decides after each gold answer, and every decision is
//! printed with its explanation.
//!
//! ```text
//! cargo run -p crowdqc-examples --bin platform -- [--policy policies/recommended.toml] [--requests 6000] [--seed 1]
//! ```

use std::path::PathBuf;

use clap::Parser;
use crowdqc::core::evidence::WorkerEvidence;
use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams, Slot};
use crowdqc::policy::explain::fmt_duration;
use crowdqc::policy::{Action, WorkerState, read_policy};

/// Command-line options.
#[derive(Debug, Parser)]
struct Args {
    /// Policy file (TOML).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/recommended.toml"))]
    policy: PathBuf,
    /// Task requests to play (spread over the workers at random).
    #[arg(long, default_value_t = 6000)]
    requests: u64,
    /// Gold items in the pool (each served at most once per worker).
    #[arg(long, default_value_t = 400)]
    gold_items: u32,
    /// Seed of the workers' answers and of the scheduler.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// SplitMix64: a small seeded generator.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A simulated worker: a name and how they answer gold.
struct Worker {
    name: &'static str,
    /// Accuracy as a function of the number of tasks done (None = uniform spammer).
    accuracy: fn(u64) -> Option<f64>,
}

fn main() -> crowdqc::Result<()> {
    let args = Args::parse();
    let policy = read_policy(&args.policy)?;
    for w in &policy.warnings {
        println!("warning: {w}");
    }
    let classes = 2u32;
    let pool = GoldPool::new((0..args.gold_items).map(|i| (i, i % classes)))?;
    let params = ScheduleParams::new().threshold(0.85).seed(args.seed);
    let mut scheduler = GoldScheduler::new(params, pool)?;
    let workers = [
        Worker {
            name: "ana (0.97)",
            accuracy: |_| Some(0.97),
        },
        Worker {
            name: "ben (0.92)",
            accuracy: |_| Some(0.92),
        },
        Worker {
            name: "chi (0.85)",
            accuracy: |_| Some(0.85),
        },
        Worker {
            name: "dev (0.70)",
            accuracy: |_| Some(0.70),
        },
        Worker {
            name: "eve (random clicks)",
            accuracy: |_| None,
        },
        Worker {
            name: "fay (0.95, then 0.65 after 600 tasks)",
            accuracy: |t| Some(if t < 600 { 0.95 } else { 0.65 }),
        },
    ];
    let mut rng = Mix(args.seed);
    let mut evidence = vec![WorkerEvidence::default(); workers.len()];
    let mut states: Vec<WorkerState> = workers
        .iter()
        .map(|_| WorkerState::new(&policy, 0))
        .collect();
    let mut tasks = vec![0u64; workers.len()];
    let start = policy.tiers.as_ref().map(|t| t.start);
    evidence.iter_mut().for_each(|e| e.tier = start);
    println!(
        "policy `{}`, {} workers, {} task requests, one every 10 s\n",
        policy.name,
        workers.len(),
        args.requests
    );
    for request in 0..args.requests {
        let now = request as i64 * 10_000;
        let w = (rng.next() % workers.len() as u64) as usize;
        if !states[w].active(now) {
            continue; // the platform turns the request away
        }
        tasks[w] += 1;
        evidence[w].judgments += 1;
        let Slot::Gold { item, .. } = scheduler.next(w as u32) else {
            continue; // regular work (or waiting for a quiz): nothing to score
        };
        let truth = item % classes;
        let answer = match (workers[w].accuracy)(tasks[w]) {
            Some(p) if rng.unit() < p => truth,
            Some(_) => (truth + 1) % classes,
            None => (rng.next() % u64::from(classes)) as u32,
        };
        let correct = answer == truth;
        scheduler.record(w as u32, item, correct)?;
        evidence[w].record_gold(correct);
        let snapshot = evidence[w].clone();
        if let Some(d) = policy.step(&mut states[w], &mut evidence[w], now) {
            let mut what = d.action.name().to_string();
            if let Some(ms) = d.duration_ms {
                what += &format!(" {}", fmt_duration(ms));
            }
            if d.untrust && d.action != Action::Untrust {
                what += " + untrust";
            }
            println!(
                "t={:>5}s  {:<38} {:<16} after {} of {} gold correct ({} tasks)",
                now / 1000,
                workers[w].name,
                what,
                snapshot.gold_correct,
                snapshot.gold_answered,
                tasks[w]
            );
            for x in policy.explain(&d, &snapshot) {
                println!("           {}", x.text());
            }
        }
    }
    println!("\nfinal state:");
    for (w, worker) in workers.iter().enumerate() {
        let st = &states[w];
        let e = &evidence[w];
        let tier = policy.tiers.as_ref().map_or_else(String::new, |t| {
            format!(", tier {}", t.levels[st.tier as usize].name)
        });
        // the clock after the last request (one every 10 s, in milliseconds)
        let status = crowdqc_examples::status_at(st, args.requests as i64 * 10_000);
        println!(
            "  {:<38} {status}{tier}{}; {} tasks, {} gold ({:.0}% of work), {} correct",
            worker.name,
            if st.untrusted { ", untrusted" } else { "" },
            tasks[w],
            e.gold_answered,
            100.0 * e.gold_answered as f64 / tasks[w].max(1) as f64,
            e.gold_correct
        );
    }
    Ok(())
}
