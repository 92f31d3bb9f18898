//! The precomputed group index (`slot * k + active label` of every judgment): two
//! bytes per judgment while every group fits in a `u16` (up to 65,536 groups, e.g.
//! 13,107 workers at 5 classes), else four. The passes read it once per judgment (and
//! once more [`AHEAD`] positions on, to prefetch), so the narrow index halves the
//! pass's one streamed array. The values are the same either way: results do not
//! depend on the width.

use rayon::prelude::*;

use super::EmData;
use super::kernels::AHEAD;

/// The group of every position, padded with [`AHEAD`] zeros (the passes read the
/// group `AHEAD` positions on to prefetch its row, without a bound per judgment).
pub(crate) enum GroupIndex {
    /// Every group below 65,536.
    Narrow(Vec<u16>),
    /// Any group.
    Wide(Vec<u32>),
}

/// An entry of a [`GroupIndex`]: the kernels are compiled for each width.
pub(crate) trait Group: Copy + Send + Sync + 'static {
    /// The group as an index.
    fn ix(self) -> usize;
    /// A group known to fit.
    fn of(g: usize) -> Self;
    /// `d`'s index when it has this width.
    fn slice<'d>(d: &'d EmData<'_>) -> Option<&'d [Self]>;
}

impl Group for u16 {
    #[inline(always)]
    fn ix(self) -> usize {
        usize::from(self)
    }
    #[inline(always)]
    fn of(g: usize) -> Self {
        g as u16
    }
    #[inline(always)]
    fn slice<'d>(d: &'d EmData<'_>) -> Option<&'d [Self]> {
        match &d.group_of {
            Some(GroupIndex::Narrow(g)) => Some(g),
            _ => None,
        }
    }
}

impl Group for u32 {
    #[inline(always)]
    fn ix(self) -> usize {
        self as usize
    }
    #[inline(always)]
    fn of(g: usize) -> Self {
        g as u32
    }
    #[inline(always)]
    fn slice<'d>(d: &'d EmData<'_>) -> Option<&'d [Self]> {
        match &d.group_of {
            Some(GroupIndex::Wide(g)) => Some(g),
            _ => None,
        }
    }
}

impl GroupIndex {
    /// The group at position `p`.
    #[inline(always)]
    pub(crate) fn at(&self, p: usize) -> usize {
        match self {
            GroupIndex::Narrow(g) => g[p].ix(),
            GroupIndex::Wide(g) => g[p].ix(),
        }
    }

    /// The groups `group(p)` of positions `0..n` (fewer than 65,536 groups: narrow),
    /// with the judgments per group (`groups` of them). Integer counts: the same for
    /// any split.
    pub(crate) fn build(
        n: usize,
        groups: usize,
        group: &(impl Fn(usize) -> usize + Sync),
    ) -> (Self, Vec<u32>) {
        if groups <= 1 << 16 {
            let (g, wl) = build_as::<u16>(n, groups, group);
            (GroupIndex::Narrow(g), wl)
        } else {
            let (g, wl) = build_as::<u32>(n, groups, group);
            (GroupIndex::Wide(g), wl)
        }
    }
}

/// Positions per task when building the index.
pub(crate) const BLOCK: usize = 1 << 16;

/// [`GroupIndex::build`] at one width.
fn build_as<G: Group + Default + Clone>(
    n: usize,
    groups: usize,
    group: &(impl Fn(usize) -> usize + Sync),
) -> (Vec<G>, Vec<u32>) {
    let mut g = vec![G::default(); n + AHEAD];
    let wl = g[..n]
        .par_chunks_mut(BLOCK)
        .enumerate()
        .with_min_len(n.div_ceil(BLOCK).div_ceil(8))
        .fold(
            || vec![0u32; groups],
            |mut wl, (b, gb)| {
                for (p, gp) in (b * BLOCK..).zip(gb.iter_mut()) {
                    let v = group(p);
                    *gp = G::of(v);
                    wl[v] += 1;
                }
                wl
            },
        )
        .reduce(|| vec![0u32; groups], add_counts);
    (g, wl)
}

/// Adds two count vectors.
pub(crate) fn add_counts(mut a: Vec<u32>, b: Vec<u32>) -> Vec<u32> {
    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
    a
}
