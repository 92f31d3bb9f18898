//! Gold (known-answer) labels joined to a judgment matrix.

use crate::error::{Error, Result};

/// Known labels for some items of a [`JudgmentMatrix`](crate::JudgmentMatrix), by item
/// index and class index.
///
/// Gold is data, not a parameter: the same matrix can be scored against different gold
/// sets (e.g. after "forgiving" a bad gold item, see [`Gold::without`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gold {
    /// Per item: class index, or [`Gold::NONE`].
    labels: Vec<u32>,
    /// Items with gold, ascending.
    items: Vec<u32>,
}

impl Gold {
    /// Marker for "no gold label" in [`Gold::as_slice`].
    pub const NONE: u32 = u32::MAX;

    /// No gold for any of `n_items` items.
    pub fn empty(n_items: usize) -> Self {
        Gold {
            labels: vec![Self::NONE; n_items],
            items: Vec::new(),
        }
    }

    /// Gold from `(item, class)` pairs.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when an item or class index is out of range;
    /// [`Error::Conflict`] when one item is given two different classes.
    pub fn from_pairs(
        n_items: usize,
        n_classes: usize,
        pairs: impl IntoIterator<Item = (u32, u32)>,
    ) -> Result<Self> {
        let mut g = Self::empty(n_items);
        for (item, class) in pairs {
            if item as usize >= n_items {
                return Err(Error::value(
                    "item",
                    None,
                    format!("gold item index {item} >= {n_items} items"),
                ));
            }
            if class as usize >= n_classes {
                return Err(Error::value(
                    "label",
                    None,
                    format!("gold class index {class} >= {n_classes} classes"),
                ));
            }
            let slot = &mut g.labels[item as usize];
            if *slot != Self::NONE && *slot != class {
                return Err(Error::Conflict(format!(
                    "gold item index {item} has two different labels (classes {} and {class})",
                    *slot
                )));
            }
            *slot = class;
        }
        g.rebuild_items();
        Ok(g)
    }

    fn rebuild_items(&mut self) {
        self.items = (0..self.labels.len() as u32)
            .filter(|&i| self.labels[i as usize] != Self::NONE)
            .collect();
    }

    /// The gold class of `item`, if any.
    pub fn label(&self, item: u32) -> Option<u32> {
        self.labels
            .get(item as usize)
            .copied()
            .filter(|&c| c != Self::NONE)
    }

    /// Items that have gold, ascending.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// Per-item class index or [`Gold::NONE`]; length = number of items.
    pub fn as_slice(&self) -> &[u32] {
        &self.labels
    }

    /// Number of items with gold.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no item has gold.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A copy without gold for `item` (a dropped, "forgiven" gold question).
    #[must_use]
    pub fn without(&self, item: u32) -> Self {
        let mut g = self.clone();
        if let Some(slot) = g.labels.get_mut(item as usize) {
            *slot = Self::NONE;
        }
        g.rebuild_items();
        g
    }

    /// A copy with `item`'s gold set to `class` (a corrected gold answer).
    ///
    /// # Errors
    /// When `item` is out of range.
    pub fn with_label(&self, item: u32, class: u32) -> Result<Self> {
        let mut g = self.clone();
        let slot = g.labels.get_mut(item as usize).ok_or_else(|| {
            Error::value("item", None, format!("gold item index {item} out of range"))
        })?;
        *slot = class;
        g.rebuild_items();
        Ok(g)
    }
}

/// How gold input joined the judgments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GoldReport {
    /// Distinct gold items given.
    pub given: usize,
    /// Gold items that have at least one judgment (usable gold).
    pub joined: usize,
    /// Gold items with no judgment (counted, not an error).
    pub unknown_items: usize,
    /// Up to five of those ids, for the message.
    pub unknown_examples: Vec<String>,
    /// Gold rows that repeat an item with the same label.
    pub repeated_rows: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_conflicts_and_forgive() {
        let g = Gold::from_pairs(4, 2, [(2, 1), (0, 0), (2, 1)]).unwrap();
        assert_eq!(g.items(), &[0, 2]);
        assert_eq!(g.label(2), Some(1));
        assert_eq!(g.label(1), None);
        assert!(matches!(
            Gold::from_pairs(4, 2, [(2, 1), (2, 0)]),
            Err(Error::Conflict(_))
        ));
        assert!(Gold::from_pairs(4, 2, [(4, 0)]).is_err());
        assert!(Gold::from_pairs(4, 2, [(0, 2)]).is_err());
        let f = g.without(0);
        assert_eq!(f.items(), &[2]);
        let c = g.with_label(1, 1).unwrap();
        assert_eq!(c.items(), &[0, 1, 2]);
    }
}
