//! Indexes derived from a matrix's CSR columns: the worker index and the search for
//! repeated `(item, worker)` pairs.

use crate::codes::ClassCodes;
use crate::options::DuplicatePolicy;

/// CSR offsets of the worker index: judgments per worker, prefix-summed.
pub(crate) fn worker_offsets(worker: &[u32], n_workers: usize) -> Vec<usize> {
    let mut offsets = vec![0usize; n_workers + 1];
    for &w in worker {
        offsets[w as usize + 1] += 1;
    }
    for w in 0..n_workers {
        offsets[w + 1] += offsets[w];
    }
    offsets
}

/// Counting sort of positions by worker (ascending within a worker), given the
/// offsets of [`worker_offsets`].
pub(crate) fn worker_positions(worker: &[u32], offsets: &[usize]) -> Vec<u32> {
    let n_workers = offsets.len() - 1;
    let mut cursor = offsets[..n_workers].to_vec();
    let mut by_worker = vec![0u32; worker.len()];
    for (p, &w) in worker.iter().enumerate() {
        let c = &mut cursor[w as usize];
        by_worker[*c] = p as u32;
        *c += 1;
    }
    by_worker
}

/// Repeated `(item, worker)` pairs found by [`find_duplicates`].
pub(crate) struct Duplicates {
    pub(crate) pairs: u64,
    pub(crate) extra_rows: u64,
    pub(crate) conflicting: u64,
    pub(crate) first_pair: Option<(u32, u32)>,
    pub(crate) keep: Option<Vec<bool>>,
}

/// Finds repeated workers within each item's positions. A first pass marks each
/// worker with the last item it was seen on (linear, no sorting); only items where a
/// worker repeats are sorted to count and resolve their repeated pairs.
pub(crate) fn find_duplicates(
    offsets: &[usize],
    worker: &[u32],
    class: ClassCodes<'_>,
    n_workers: usize,
    policy: DuplicatePolicy,
) -> Duplicates {
    let mut d = Duplicates {
        pairs: 0,
        extra_rows: 0,
        conflicting: 0,
        first_pair: None,
        keep: None,
    };
    let mut buf: Vec<(u32, u32)> = Vec::new(); // (worker, position)
    // seen[w] = 1 + the last item on which worker w was seen (0: not yet)
    let mut seen = vec![0u64; n_workers];
    for i in 0..offsets.len() - 1 {
        let (a, b) = (offsets[i], offsets[i + 1]);
        if b - a < 2 {
            continue;
        }
        let mark = i as u64 + 1;
        let mut repeated = false;
        for &w in &worker[a..b] {
            let s = &mut seen[w as usize];
            repeated |= *s == mark;
            *s = mark;
        }
        if !repeated {
            continue;
        }
        buf.clear();
        buf.extend((a..b).map(|p| (worker[p], p as u32)));
        buf.sort_unstable();
        let mut k = 0;
        while k < buf.len() {
            let mut e = k + 1;
            while e < buf.len() && buf[e].0 == buf[k].0 {
                e += 1;
            }
            if e - k > 1 {
                d.pairs += 1;
                d.extra_rows += (e - k - 1) as u64;
                let c0 = class.get(buf[k].1 as usize);
                if buf[k..e].iter().any(|&(_, p)| class.get(p as usize) != c0) {
                    d.conflicting += 1;
                }
                if d.first_pair.is_none() {
                    d.first_pair = Some((i as u32, buf[k].0));
                }
                let keep_pos = match policy {
                    DuplicatePolicy::First => Some(buf[k].1),
                    DuplicatePolicy::Last => Some(buf[e - 1].1),
                    _ => None,
                };
                if let Some(kp) = keep_pos {
                    let keep = d.keep.get_or_insert_with(|| vec![true; worker.len()]);
                    for &(_, p) in &buf[k..e] {
                        keep[p as usize] = p == kp;
                    }
                }
            }
            k = e;
        }
    }
    d
}
