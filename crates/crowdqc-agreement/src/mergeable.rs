//! Agreement counts that merge across shards: nominal Krippendorff's alpha and Fleiss'
//! kappa over data partitioned by item.
//!
//! Both coefficients are sums over items of terms that depend only on the item's
//! category counts `n_ic` and its number of ratings `r_i`, weighted by `1/(r_i − 1)`
//! or `1/r_i`. [`AgreementCounts`] keeps, per ratings count `r`, integer sums: items,
//! `Σ_i Σ_c n_ic²` and per category `Σ_i n_ic`. Integers merge exactly, so any
//! partitioning gives the same bits; the coefficient is then finished from the merged
//! sums (`Σ_r A_r / (r − 1)`, in ascending `r`).
//!
//! The values equal [`krippendorff_alpha`](crate::krippendorff_alpha) at
//! [`Level::Nominal`](crate::Level::Nominal) and [`fleiss_kappa`](crate::fleiss_kappa)
//! with identity weights up to floating-point rounding (the single-machine functions
//! add per-item fractions; here whole groups are divided once): within 1e-12 on the
//! tested datasets. Standard errors need per-item terms under the merged chance
//! agreement (a second pass) and are not given here.

use std::collections::BTreeMap;

use crowdqc_core::{Error, Result};

use crate::coefficient::{Coefficient, Estimate, Undefined};
use crate::counts::ItemCounts;

/// Integer sums of the items with `r` ratings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Group {
    /// Items (subjects).
    items: u64,
    /// `Σ_i Σ_c n_ic²`.
    squares: u128,
    /// `Σ_i n_ic` per category.
    per_category: Vec<u64>,
}

/// Mergeable sufficient counts of nominal alpha and Fleiss' kappa (see the module
/// docs). Size: `8 (k + 3)` bytes per distinct number of ratings per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementCounts {
    k: usize,
    groups: BTreeMap<u32, Group>,
}

impl AgreementCounts {
    /// Empty counts over `k` categories (codes `0..k`, the same on every shard: the
    /// global label dictionary).
    pub fn new(k: usize) -> AgreementCounts {
        AgreementCounts {
            k,
            groups: BTreeMap::new(),
        }
    }

    /// Number of categories.
    pub fn n_categories(&self) -> usize {
        self.k
    }

    /// Adds `multiplicity` identical items whose ratings have category counts
    /// `counts` (`(category, count)` pairs; a category may repeat).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `counts` for a category `>= k`.
    pub fn add_counts(
        &mut self,
        counts: impl IntoIterator<Item = (u32, u32)>,
        multiplicity: u64,
    ) -> Result<()> {
        let k = self.k;
        let mut per: BTreeMap<u32, u64> = BTreeMap::new();
        for (c, n) in counts {
            if c as usize >= k {
                return Err(Error::param(
                    "counts",
                    format!("category {c} is out of range for {k} categories"),
                ));
            }
            *per.entry(c).or_default() += u64::from(n);
        }
        let r: u64 = per.values().sum();
        if r == 0 || multiplicity == 0 {
            return Ok(());
        }
        let r = u32::try_from(r).map_err(|_| {
            Error::param(
                "counts",
                format!("an item has {r} ratings, more than 2^32 - 1"),
            )
        })?;
        let g = self.groups.entry(r).or_insert_with(|| Group {
            per_category: vec![0; k],
            ..Group::default()
        });
        g.items += multiplicity;
        for (&c, &n) in &per {
            g.squares += u128::from(n * n) * u128::from(multiplicity);
            g.per_category[c as usize] += n * multiplicity;
        }
        Ok(())
    }

    /// Adds one item from its ratings' category codes (one code per rating).
    ///
    /// # Errors
    /// As [`add_counts`](Self::add_counts).
    pub fn add_item(&mut self, labels: &[u32]) -> Result<()> {
        self.add_counts(labels.iter().map(|&c| (c, 1)), 1)
    }

    /// Every item of an [`ItemCounts`] (with its multiplicity), categories as coded
    /// there.
    pub fn from_item_counts(data: &ItemCounts) -> AgreementCounts {
        let mut out = AgreementCounts::new(data.n_categories());
        for i in 0..data.n_items() {
            out.add_counts(data.item(i), data.multiplicity(i))
                .expect("categories of the data");
        }
        out
    }

    /// Adds `other` into `self`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the numbers of categories differ.
    pub fn merge(&mut self, other: &AgreementCounts) -> Result<()> {
        if self.k != other.k {
            return Err(Error::param(
                "counts",
                format!(
                    "cannot merge counts over {} categories with counts over {}: code every \
                     shard with the same label dictionary",
                    self.k, other.k
                ),
            ));
        }
        for (&r, g) in &other.groups {
            let mine = self.groups.entry(r).or_insert_with(|| Group {
                per_category: vec![0; self.k],
                ..Group::default()
            });
            mine.items += g.items;
            mine.squares += g.squares;
            mine.per_category
                .iter_mut()
                .zip(&g.per_category)
                .for_each(|(a, b)| *a += b);
        }
        Ok(())
    }

    /// Krippendorff's alpha at the nominal level, as
    /// [`krippendorff_alpha`](crate::krippendorff_alpha): items with one rating are
    /// not pairable and ignored. `observed` / `expected` and the SE are not computed
    /// (NaN / `None`).
    pub fn krippendorff_alpha_nominal(&self) -> Coefficient {
        let mut marg = vec![0u64; self.k];
        let (mut n_dot, mut n_items, mut do_sum) = (0u64, 0u64, 0.0);
        for (&r, g) in self.groups.range(2..) {
            let r64 = u64::from(r);
            n_dot += r64 * g.items;
            n_items += g.items;
            marg.iter_mut()
                .zip(&g.per_category)
                .for_each(|(a, b)| *a += b);
            // Σ_items (r² − Σ_c n_c²), exact in integers, then / (r − 1)
            let pairs = u128::from(r64 * r64) * u128::from(g.items) - g.squares;
            do_sum += pairs as f64 / (r64 - 1) as f64;
        }
        if n_dot < 2 {
            return Coefficient::Undefined(Undefined::NoPairableItems);
        }
        let sq: u128 = marg.iter().map(|&m| u128::from(m) * u128::from(m)).sum();
        let de_sum = (u128::from(n_dot) * u128::from(n_dot) - sq) as f64;
        if de_sum <= 0.0 {
            return Coefficient::Undefined(Undefined::NoExpectedDisagreement);
        }
        Coefficient::Defined(Estimate {
            value: 1.0 - (n_dot as f64 - 1.0) * do_sum / de_sum,
            observed: f64::NAN,
            expected: f64::NAN,
            se: None,
            n_items: n_items as usize,
        })
    }

    /// Fleiss' kappa with identity weights, as [`fleiss_kappa`](crate::fleiss_kappa)
    /// (items with one rating count in the category shares only), without its SE.
    pub fn fleiss_kappa(&self) -> Coefficient {
        let mut pi = vec![0.0; self.k];
        let (mut n, mut n2, mut pa) = (0u64, 0u64, 0.0);
        for (&r, g) in &self.groups {
            let rf = f64::from(r);
            n += g.items;
            for (p, &c) in pi.iter_mut().zip(&g.per_category) {
                *p += c as f64 / rf;
            }
            if r >= 2 {
                n2 += g.items;
                // Σ_items Σ_c n_c (n_c − 1) = squares − r · items
                let agree = g.squares - u128::from(r) * u128::from(g.items);
                pa += agree as f64 / (rf * (rf - 1.0));
            }
        }
        if n2 == 0 {
            return Coefficient::Undefined(Undefined::NoPairableItems);
        }
        pi.iter_mut().for_each(|p| *p /= n as f64);
        let pe: f64 = pi.iter().map(|p| p * p).sum();
        Coefficient::from_parts(pa / n2 as f64, pe, n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Level, WeightMatrix, fleiss_kappa, krippendorff_alpha};
    use crowdqc_core::IngestOptions;
    use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};

    fn close(a: &Coefficient, b: &Coefficient, what: &str) {
        let (x, y) = (a.value().expect("defined"), b.value().expect("defined"));
        assert!((x - y).abs() < 1e-12, "{what}: {x} vs {y}");
        assert_eq!(
            a.estimate().expect("e").n_items,
            b.estimate().expect("e").n_items,
            "{what}: n"
        );
    }

    /// Items split into 1, 3 and 8 shards: the same bits; the single-machine values.
    #[test]
    fn merged_counts_give_the_single_machine_coefficients() {
        let mut checked = 0;
        for name in ["zhou2012-dogs", "snow2008-rte", "gal-adultcontent2"] {
            let Some(dir) = dataset_dir(name) else { return };
            let m = load_dataset(&dir, IngestOptions::default(), false);
            let data = ItemCounts::from_matrix(&m);
            let alpha = krippendorff_alpha(&data, Level::Nominal).expect("alpha");
            let kappa =
                fleiss_kappa(&data, &WeightMatrix::identity(data.n_categories())).expect("k");
            let mut first: Option<(u64, u64)> = None;
            for shards in [1usize, 3, 8] {
                let mut parts = vec![AgreementCounts::new(data.n_categories()); shards];
                for i in 0..data.n_items() {
                    let s = (i * 2_654_435_761) % shards;
                    parts[s]
                        .add_counts(data.item(i), data.multiplicity(i))
                        .expect("add");
                }
                let mut merged = parts.pop().expect("one");
                for p in parts.iter().rev() {
                    merged.merge(p).expect("merge");
                }
                let (a, k) = (merged.krippendorff_alpha_nominal(), merged.fleiss_kappa());
                close(&a, &alpha, name);
                close(&k, &kappa, name);
                let bits = (
                    a.value().expect("a").to_bits(),
                    k.value().expect("k").to_bits(),
                );
                assert_eq!(*first.get_or_insert(bits), bits, "{name}: {shards} shards");
            }
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    /// Krippendorff (2011)'s nominal example with missing data: α = 0.743.
    #[test]
    fn krippendorff_2011_nominal_example() {
        // units 1..12 of the reliability data matrix (4 observers, values 1..5 →
        // codes 0..4, missing values left out); unit 12 has one value and is not
        // pairable
        let units: [&[u32]; 12] = [
            &[0, 0, 0],
            &[1, 1, 2, 1],
            &[2, 2, 2, 2],
            &[2, 2, 2, 2],
            &[1, 1, 1, 1],
            &[0, 1, 2, 3],
            &[3, 3, 3, 3],
            &[0, 0, 1, 0],
            &[1, 1, 1, 1],
            &[4, 4, 4],
            &[0, 0],
            &[2],
        ];
        let mut c = AgreementCounts::new(5);
        for u in units {
            c.add_item(u).expect("add");
        }
        let a = c.krippendorff_alpha_nominal().value().expect("alpha");
        assert!((a - 0.743).abs() < 5e-4, "{a}");
        assert!(c.add_item(&[5]).is_err());
        assert!(c.merge(&AgreementCounts::new(4)).is_err());
    }
}
