//! Pay tables: what a task pays, what the platform keeps, which work is unpaid, and
//! the effective hourly pay that follows from the time workers actually spent.
//!
//! A pay table is a small TOML file (`--pay PAY.toml`):
//!
//! ```toml
//! currency = "USD"
//! rate = 0.05            # paid per task by the requester (default for every item)
//! platform_cut = 0.20    # share of each payment the platform keeps, in [0, 1)
//! hourly_floor = 7.25    # optional: the hourly pay every worker should reach
//!
//! [[pools]]              # optional: items paid at another rate
//! name = "long texts"
//! rate = 0.12
//! items = ["doc-7", "doc-9"]    # and/or items_file = "long.txt" (one id per line)
//!
//! [unpaid]               # optional: work that is not paid
//! items = ["train-1", "train-2"]  # training / qualification items, and/or items_file
//! qualification_gold = 10         # each worker's first 10 gold answers (in time order)
//! ```
//!
//! - A worker is paid `rate × (1 − platform_cut)` per paid task; the rate of an item
//!   is its pool's, or `rate` when it is in no pool.
//! - Unpaid work is what platforms can export: the item ids of training and
//!   qualification tasks (an MTurk qualification test, a Toloka training or exam
//!   pool) and, for platforms that admit workers after a gold quiz, the number of gold
//!   answers each worker gave before admission (`qualification_gold`: the first N
//!   gold answers in time order; needs a timestamp column).
//! - Effective hourly pay = pay for the timed paid tasks ÷ hours spent on all timed
//!   tasks, paid and unpaid, from the `duration_ms` column (tasks without a duration
//!   are left out of both and counted). The unpaid share is unpaid time ÷ all time.
//! - `items_file` paths are relative to the pay table's directory.
//!
//! Bad input is an error naming the line: a negative, non-finite or missing rate, a
//! cut outside [0, 1), a negative floor, an item in two pools or both paid and
//! unpaid, an unknown key.

mod compute;

use std::collections::HashMap;
use std::path::Path;

use crowdqc_core::{Error, Result};
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use compute::{WorkerPay, pay_by_worker};

/// Where an item's pay comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "pool")]
pub enum ItemPay {
    /// Paid at the table's default `rate`.
    Default,
    /// Paid at a pool's rate (the pool's index in [`PayTable::pools`]).
    Pool(usize),
    /// Training or qualification: never paid.
    Unpaid,
}

/// A group of items paid at their own rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayPool {
    /// Name (free text, shown in statements).
    pub name: String,
    /// Paid per task by the requester.
    pub rate: f64,
    /// Line of the pool in the file.
    pub line: usize,
}

/// A validated pay table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayTable {
    /// Currency code or symbol, shown with amounts (default `USD`).
    pub currency: String,
    /// Paid per task by the requester for items in no pool.
    pub rate: f64,
    /// Share of each payment the platform keeps, in [0, 1).
    pub platform_cut: f64,
    /// The hourly pay every worker should reach, if set.
    pub hourly_floor: Option<f64>,
    /// Pools with their own rates.
    pub pools: Vec<PayPool>,
    /// Each worker's first N gold answers (time order) are an unpaid qualification.
    pub qualification_gold: u64,
    /// Item id (as text) → pool index or unpaid; items not listed pay `rate`.
    #[serde(skip)]
    pub items: HashMap<String, ItemPay>,
}

impl PayTable {
    /// A table paying `rate` per task with a platform cut and nothing unpaid.
    ///
    /// # Errors
    /// A negative or non-finite rate, a cut outside [0, 1).
    pub fn flat(currency: &str, rate: f64, platform_cut: f64) -> Result<Self> {
        check_rate("rate", rate, None)?;
        check_cut(platform_cut, None)?;
        Ok(PayTable {
            currency: currency.to_string(),
            rate,
            platform_cut,
            hourly_floor: None,
            pools: Vec::new(),
            qualification_gold: 0,
            items: HashMap::new(),
        })
    }

    /// How an item (by its id as text) is paid.
    pub fn item(&self, id: &str) -> &ItemPay {
        self.items.get(id).unwrap_or(&ItemPay::Default)
    }

    /// What the requester pays for one task of this kind (0 when unpaid).
    pub fn gross(&self, pay: &ItemPay) -> f64 {
        match pay {
            ItemPay::Default => self.rate,
            ItemPay::Pool(i) => self.pools[*i].rate,
            ItemPay::Unpaid => 0.0,
        }
    }

    /// What the worker receives for one task of this kind (after the platform's cut).
    pub fn net(&self, pay: &ItemPay) -> f64 {
        self.gross(pay) * (1.0 - self.platform_cut)
    }

    /// An amount with the table's currency ([`money`]).
    pub fn money(&self, v: f64) -> String {
        money(v, &self.currency)
    }
}

/// An amount with a currency, e.g. `4.32 USD` (two decimals; three below 0.1).
pub fn money(v: f64, currency: &str) -> String {
    if v != 0.0 && v.abs() < 0.1 {
        format!("{v:.3} {currency}")
    } else {
        format!("{v:.2} {currency}")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayFile {
    currency: Option<String>,
    rate: Option<Spanned<f64>>,
    platform_cut: Option<Spanned<f64>>,
    hourly_floor: Option<Spanned<f64>>,
    #[serde(default)]
    pools: Vec<Spanned<PoolSpec>>,
    unpaid: Option<Spanned<UnpaidSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolSpec {
    name: String,
    rate: Option<f64>,
    #[serde(default)]
    items: Vec<toml::Value>,
    items_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnpaidSpec {
    #[serde(default)]
    items: Vec<toml::Value>,
    items_file: Option<String>,
    qualification_gold: Option<u64>,
}

fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn at(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

fn check_rate(name: &str, v: f64, line: Option<usize>) -> Result<f64> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::param(
            name,
            format!(
                "a rate must be a finite amount >= 0 per task, got {v}{}",
                at(line)
            ),
        ));
    }
    Ok(v)
}

fn check_cut(v: f64, line: Option<usize>) -> Result<f64> {
    if !(0.0..1.0).contains(&v) {
        return Err(Error::param(
            "platform_cut",
            format!(
                "the share the platform keeps must be in [0, 1) (0.2 = 20%), got {v}{}",
                at(line)
            ),
        ));
    }
    Ok(v)
}

/// Item ids from a TOML list (strings or integers) and an optional file of ids.
fn item_ids(
    key: &str,
    list: Vec<toml::Value>,
    file: Option<&str>,
    base: Option<&Path>,
    line: usize,
) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        match v {
            toml::Value::String(s) => out.push(s),
            toml::Value::Integer(i) => out.push(i.to_string()),
            other => {
                return Err(Error::param(
                    key,
                    format!(
                        "item ids are strings or integers, got {} (line {line})",
                        other.type_str()
                    ),
                ));
            }
        }
    }
    if let Some(f) = file {
        let path = base.map_or_else(|| Path::new(f).to_path_buf(), |b| b.join(f));
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    Ok(out)
}

/// Reads a pay table from TOML text; `items_file` paths are relative to `base`
/// (the current directory when `None`).
///
/// # Errors
/// [`Error::Parse`] with the line for malformed TOML or unknown keys;
/// [`Error::InvalidParameter`] naming the key and the line for a missing, negative or
/// non-finite rate, a cut outside [0, 1), a negative floor, an item listed twice;
/// [`Error::Io`] for an unreadable `items_file`.
pub fn parse_pay(src: &str, base: Option<&Path>) -> Result<PayTable> {
    let file: PayFile = toml::from_str(src).map_err(|e| Error::Parse {
        line: e.span().map(|s| line_of(src, s.start) as u64),
        message: format!("invalid pay table: {}", e.message().trim_end()),
    })?;
    let Some(rate) = file.rate else {
        return Err(Error::param(
            "rate",
            "missing: the pay table needs a top-level `rate` (paid per task, e.g. \
             `rate = 0.05`) at the top of the file, before any [[pools]] or [unpaid]",
        ));
    };
    let rate = check_rate(
        "rate",
        *rate.get_ref(),
        Some(line_of(src, rate.span().start)),
    )?;
    let platform_cut = match file.platform_cut {
        Some(c) => check_cut(*c.get_ref(), Some(line_of(src, c.span().start)))?,
        None => 0.0,
    };
    let hourly_floor = match file.hourly_floor {
        Some(f) => Some(check_rate(
            "hourly_floor",
            *f.get_ref(),
            Some(line_of(src, f.span().start)),
        )?),
        None => None,
    };
    let mut items: HashMap<String, ItemPay> = HashMap::new();
    let mut pools = Vec::with_capacity(file.pools.len());
    for p in file.pools {
        let line = line_of(src, p.span().start);
        let p = p.into_inner();
        let Some(r) = p.rate else {
            return Err(Error::param(
                "pools.rate",
                format!("pool `{}` has no rate (line {line})", p.name),
            ));
        };
        let r = check_rate("pools.rate", r, Some(line))?;
        let idx = pools.len();
        for id in item_ids("pools.items", p.items, p.items_file.as_deref(), base, line)? {
            if items.insert(id.clone(), ItemPay::Pool(idx)).is_some() {
                return Err(Error::param(
                    "pools.items",
                    format!("item `{id}` is listed twice (line {line}); an item has one rate"),
                ));
            }
        }
        pools.push(PayPool {
            name: p.name,
            rate: r,
            line,
        });
    }
    let mut qualification_gold = 0;
    if let Some(u) = file.unpaid {
        let line = line_of(src, u.span().start);
        let u = u.into_inner();
        qualification_gold = u.qualification_gold.unwrap_or(0);
        for id in item_ids("unpaid.items", u.items, u.items_file.as_deref(), base, line)? {
            if let Some(ItemPay::Pool(i)) = items.insert(id.clone(), ItemPay::Unpaid) {
                return Err(Error::param(
                    "unpaid.items",
                    format!(
                        "item `{id}` is both unpaid (line {line}) and in pool `{}` (line {})",
                        pools[i].name, pools[i].line
                    ),
                ));
            }
        }
    }
    Ok(PayTable {
        currency: file.currency.unwrap_or_else(|| "USD".into()),
        rate,
        platform_cut,
        hourly_floor,
        pools,
        qualification_gold,
        items,
    })
}

/// Reads a pay table file (see [`parse_pay`]); errors name the file.
///
/// # Errors
/// [`Error::Io`] when unreadable; those of [`parse_pay`], wrapped with the path.
pub fn read_pay(path: &Path) -> Result<PayTable> {
    let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_pay(&src, path.parent()).map_err(|e| e.in_file(path))
}
