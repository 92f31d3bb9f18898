//! The class (label) set of a judgment matrix.

use crate::dict::{IdDictionary, IdKind, IdRef};

/// How the class order was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum ClassOrder {
    /// The caller declared the classes; their order is the class order.
    Declared,
    /// Observed labels sorted numerically (integer labels, or string labels that all
    /// parse as numbers; ties between equal numbers such as `-0`/`0` by string).
    Numeric,
    /// Observed labels sorted by their UTF-8 bytes.
    Lexicographic,
}

/// The classes of a [`JudgmentMatrix`](crate::JudgmentMatrix): class index `c`
/// (`0..len()`) ↔ external label.
///
/// Classes are the labels that occur in the judgments, sorted (numerically for numbers),
/// unless the caller declared the class set; gold labels can extend it when asked to.
#[derive(Debug, Clone)]
pub struct ClassSet {
    labels: IdDictionary,
    counts: Vec<u64>,
    order: ClassOrder,
}

impl ClassSet {
    pub(crate) fn new(labels: IdDictionary, counts: Vec<u64>, order: ClassOrder) -> Self {
        debug_assert_eq!(labels.len(), counts.len());
        ClassSet {
            labels,
            counts,
            order,
        }
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no class.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The label of class `c`.
    ///
    /// # Panics
    /// If `c >= self.len()`.
    pub fn label(&self, c: u32) -> IdRef<'_> {
        self.labels.get(c)
    }

    /// Iterates labels in class order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = IdRef<'_>> + '_ {
        self.labels.iter()
    }

    /// The class index of a label (`Int(1)` and `"1"` match each other).
    pub fn index_of(&self, label: IdRef<'_>) -> Option<u32> {
        self.labels.lookup(label)
    }

    /// Judgments per class (after the duplicate policy), indexed by class.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Classes that no judgment uses (declared, or added from gold).
    pub fn unseen(&self) -> Vec<u32> {
        (0..self.len() as u32)
            .filter(|&c| self.counts[c as usize] == 0)
            .collect()
    }

    /// How the order was decided.
    pub fn order(&self) -> ClassOrder {
        self.order
    }

    /// Whether labels are integers or strings.
    pub fn kind(&self) -> IdKind {
        self.labels.kind()
    }

    /// The numeric value of every class, in class order, or the first label that is not
    /// a number (for ordinal / interval / ratio computations).
    pub fn numeric_values(&self) -> Result<Vec<f64>, String> {
        self.iter()
            .map(|l| l.as_f64().ok_or_else(|| l.to_string()))
            .collect()
    }

    /// The underlying dictionary (code = class index).
    pub fn dictionary(&self) -> &IdDictionary {
        &self.labels
    }
}

/// Sort order for provisional label codes: returns `perm` with `perm[k]` = provisional
/// code of the k-th class in final order.
pub(crate) fn sorted_order(labels: &IdDictionary) -> (Vec<u32>, ClassOrder) {
    let n = labels.len() as u32;
    let mut perm: Vec<u32> = (0..n).collect();
    let numeric: Option<Vec<f64>> = labels.iter().map(|l| l.as_f64()).collect();
    match (labels.kind(), numeric) {
        (IdKind::Int, _) => {
            perm.sort_by_key(|&c| match labels.get(c) {
                IdRef::Int(v) => v,
                IdRef::Str(_) => 0,
            });
            (perm, ClassOrder::Numeric)
        }
        (IdKind::Str, Some(vals)) => {
            perm.sort_by(|&a, &b| {
                vals[a as usize]
                    .total_cmp(&vals[b as usize])
                    .then_with(|| labels.get(a).cmp(&labels.get(b)))
            });
            (perm, ClassOrder::Numeric)
        }
        (IdKind::Str, None) => {
            perm.sort_by(|&a, &b| labels.get(a).cmp(&labels.get(b)));
            (perm, ClassOrder::Lexicographic)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_of(ids: &[IdRef<'_>]) -> (Vec<String>, ClassOrder) {
        let mut d = IdDictionary::new();
        for id in ids {
            d.intern(*id);
        }
        let (perm, ord) = sorted_order(&d);
        (perm.iter().map(|&c| d.get(c).to_string()).collect(), ord)
    }

    #[test]
    fn numeric_and_lexicographic_orders() {
        let (o, k) = order_of(&[IdRef::Int(10), IdRef::Int(2), IdRef::Int(-1)]);
        assert_eq!(
            (o, k),
            (
                vec!["-1".into(), "2".into(), "10".into()],
                ClassOrder::Numeric
            )
        );
        let (o, k) = order_of(&[
            IdRef::Str("10"),
            IdRef::Str("2"),
            IdRef::Str("0"),
            IdRef::Str("-0"),
        ]);
        assert_eq!(o, ["-0", "0", "2", "10"]);
        assert_eq!(k, ClassOrder::Numeric);
        let (o, k) = order_of(&[
            IdRef::Str("parrot"),
            IdRef::Str("chicken"),
            IdRef::Str("goose"),
        ]);
        assert_eq!(
            (o, k),
            (
                vec!["chicken".into(), "goose".into(), "parrot".into()],
                ClassOrder::Lexicographic
            )
        );
    }
}
