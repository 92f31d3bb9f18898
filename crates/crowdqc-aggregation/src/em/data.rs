//! The judgments prepared for EM: active classes, worker slots, group indices, chunks.

use crowdqc_core::{ClassCodes, JudgmentMatrix};
use rayon::prelude::*;

use super::groups::{BLOCK, GroupIndex, add_counts};
use super::kernels::PREFETCH_ABOVE;
use crate::common::{ActiveClasses, NONE};

/// Largest per-chunk interleaved table (bytes): above, chunk tables hold the sums only
/// and the gathers read the shared `log2` confusion.
const INTERLEAVE_MAX_TABLE: usize = 8 << 20;
/// Chunk tables held at once, interleaved: at least this many chunks per wave...
const WAVE: usize = 8;
/// ...and more while their tables fit in this many bytes (small tables: every chunk in
/// one wave, so a pass costs two parallel regions instead of two per wave).
const WAVE_BYTES: usize = 32 << 20;
/// Sums-only (large) chunk tables held at once: as many as fit in this many bytes,
/// between 2 and [`WAVE`] (at 1M workers and 5 classes, 200 MB tables: 2 at a time).
const LARGE_WAVE_BYTES: usize = 512 << 20;
/// Large tables: chunks of at least a table's cells in judgments (adding a chunk's
/// table costs less than filling it) and at most `n / LARGE_CHUNKS` (parallelism).
const LARGE_CHUNKS: usize = 16;
/// Interleaved tables larger than a core's cache: chunks of up to this many judgments
/// per table cell (fewer tables to write, re-read and add: at 1e7 judgments, K = 5 and
/// 10,000 workers, 4 chunks instead of 10 took a tenth off the fit's CPU time)...
const LARGE_TABLE_JUDGMENTS: usize = 20;
/// ...but at least this many chunks (the threads' share of a pass).
const MIN_CHUNKS: usize = 4;
/// Most judgments for which the group index is precomputed (256 MB of them): beyond,
/// groups are computed on the fly so large inputs hold nothing per judgment.
const GROUP_INDEX_MAX: usize = 1 << 26;

/// The judgments prepared for EM over the active classes.
pub(crate) struct EmData<'a> {
    pub(crate) k: usize,
    pub(crate) n_items: usize,
    pub(crate) n_workers: usize,
    pub(crate) n_judgments: usize,
    pub(crate) n_nonempty: usize,
    pub(crate) offsets: &'a [usize],
    pub(crate) workers: &'a [u32],
    /// The matrix's class codes (one byte per judgment up to 256 classes).
    pub(crate) classes: ClassCodes<'a>,
    /// Matrix class → active class, when not the identity.
    pub(crate) map: Option<Vec<u32>>,
    /// Worker → slot: workers renumbered by descending judgment count (ties by id), so
    /// the rows of the busiest workers share a compact, cache-resident part of every
    /// per-worker table. All per-worker arrays of the engine are in slot order; the
    /// result is put back in worker order. Sums never depend on this order.
    pub(crate) slot: Vec<u32>,
    /// Slot → worker.
    pub(crate) by_slot: Vec<u32>,
    /// Up to [`GROUP_INDEX_MAX`] judgments: the group (`slot * k + active label`) of
    /// every position, computed once (4 bytes per judgment, or 2) so the passes read one
    /// index instead of a worker, a class and two lookups (see [`GroupIndex`]).
    pub(crate) group_of: Option<GroupIndex>,
    /// Judgments per `(slot, active label)`.
    pub(crate) wl_count: Vec<u32>,
    /// Use the run-time-`k` kernel for every class count (tests compare the two).
    pub(crate) force_dynamic: bool,
    /// Widest vectors the fixed-`K` pass may use, in bits: 256 (AVX2 when the CPU has
    /// it) or 128 (the x86-64 baseline); tests compare the two.
    pub(crate) vector_bits: u16,
    /// Gold active class per item (or [`NONE`]) when gold is clamped.
    pub(crate) gold: Option<Vec<u32>>,
    /// Items per chunk.
    pub(crate) chunk_items: usize,
    /// Chunks per wave.
    pub(crate) wave: usize,
    /// Chunk tables interleave each group's `log2` row with its sums (small tables);
    /// otherwise they hold the sums only.
    pub(crate) interleaved: bool,
}

impl<'a> EmData<'a> {
    /// Prepares the matrix.
    pub(crate) fn new(m: &'a JudgmentMatrix, active: &ActiveClasses, clamp_gold: bool) -> Self {
        let k = active.len();
        let map = (!active.is_identity()).then(|| active.to_active.clone());
        let (ws, cs) = (m.judgment_workers(), m.class_codes());
        let act = |c: u32| map.as_ref().map_or(c, |mp| mp[c as usize]) as usize;
        let groups = m.n_workers() * k;
        let cells = groups * k;
        let by_slot = {
            let per_worker = |w: usize| m.worker_offsets()[w + 1] - m.worker_offsets()[w];
            let mut v: Vec<u32> = (0..m.n_workers() as u32).collect();
            v.sort_by_key(|&w| (std::cmp::Reverse(per_worker(w as usize)), w));
            v
        };
        let mut slot = vec![0u32; m.n_workers()];
        for (i, &w) in by_slot.iter().enumerate() {
            slot[w as usize] = i as u32;
        }
        let n = cs.len();
        let group = |p: usize| slot[ws[p] as usize] as usize * k + act(cs.get(p));
        let (group_of, wl_count) = if n <= GROUP_INDEX_MAX {
            let (g, wl) = GroupIndex::build(n, groups, &group);
            (Some(g), wl)
        } else {
            // group counts only: integer sums, the same for any split
            let wl = (0..n.div_ceil(BLOCK))
                .into_par_iter()
                .with_min_len(n.div_ceil(BLOCK).div_ceil(8))
                .fold(
                    || vec![0u32; groups],
                    |mut wl, b| {
                        (b * BLOCK..((b + 1) * BLOCK).min(n)).for_each(|p| wl[group(p)] += 1);
                        wl
                    },
                )
                .reduce(|| vec![0u32; groups], add_counts);
            (None, wl)
        };
        let interleaved = cells * 16 <= INTERLEAVE_MAX_TABLE;
        // Chunk size depends on the data only.
        let target = if interleaved && cells * 16 > PREFETCH_ABOVE {
            // tables beyond the cache: every chunk's table is written (its `log2`
            // rows and zero sums), read back by the gathers from beyond L2 and added
            // into `S`, so chunks take up to `LARGE_TABLE_JUDGMENTS` judgments per
            // table cell, keeping at least `MIN_CHUNKS` chunks for the threads
            (4 * cells).max((LARGE_TABLE_JUDGMENTS * cells).min(n / MIN_CHUNKS))
        } else if interleaved {
            // about 4 judgments per table cell: adding the chunk's table then costs
            // little next to filling it, and large inputs still get enough chunks to
            // balance the threads
            (1usize << 13).max(4 * cells)
        } else {
            cells.max(n / LARGE_CHUNKS)
        };
        let per_item = (n as f64 / m.n_items().max(1) as f64).max(1.0);
        let chunk_items = ((target as f64 / per_item) as usize).max(64);
        let offsets = m.item_offsets();
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count();
        let gold = active.clamped_gold(m, clamp_gold);
        let n_chunks = m.n_items().div_ceil(chunk_items).max(1);
        let wave = if interleaved {
            (WAVE_BYTES / (cells * 16).max(1)).clamp(WAVE, n_chunks.max(WAVE))
        } else {
            (LARGE_WAVE_BYTES / (cells * 8).max(1)).clamp(2, WAVE)
        };
        EmData {
            k,
            n_items: m.n_items(),
            n_workers: m.n_workers(),
            n_judgments: n,
            n_nonempty,
            offsets,
            workers: ws,
            classes: cs,
            map,
            slot,
            by_slot,
            group_of,
            wl_count,
            force_dynamic: false,
            vector_bits: 256,
            gold,
            chunk_items,
            wave,
            interleaved,
        }
    }

    /// Values per chunk table.
    pub(crate) fn table_cells(&self) -> usize {
        let cells = self.n_workers * self.k * self.k;
        if self.interleaved { 2 * cells } else { cells }
    }

    /// Values of the chunk tables held at once.
    pub(crate) fn tables_len(&self) -> usize {
        let n = self.n_chunks();
        if !self.interleaved && n == 1 {
            0
        } else {
            self.wave.min(n) * self.table_cells()
        }
    }

    /// Group (`slot * k + active label`) of position `p`.
    #[inline(always)]
    pub(crate) fn group_at(&self, p: usize) -> usize {
        match &self.group_of {
            Some(g) => g.at(p),
            None => self.slot[self.workers[p] as usize] as usize * self.k + self.class_at(p),
        }
    }

    /// Active class of position `p`.
    #[inline(always)]
    pub(crate) fn class_at(&self, p: usize) -> usize {
        let c = self.classes.get(p);
        match &self.map {
            Some(m) => m[c as usize] as usize,
            None => c as usize,
        }
    }

    /// Number of item chunks.
    pub(crate) fn n_chunks(&self) -> usize {
        self.n_items.div_ceil(self.chunk_items).max(1)
    }

    /// Sets a gold item's row one-hot; true when it did.
    #[inline(always)]
    pub(crate) fn clamp(&self, t: usize, row: &mut [f64]) -> bool {
        if let Some(g) = &self.gold {
            let c = g[t];
            if c != NONE {
                row.fill(0.0);
                row[c as usize] = 1.0;
                return true;
            }
        }
        false
    }
}
