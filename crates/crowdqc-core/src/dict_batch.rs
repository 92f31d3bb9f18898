//! Batches of string ids interned in hash-table bucket order (see
//! [`IdDictionary::intern_strs`](super::IdDictionary::intern_strs)).

use hashbrown::HashTable;
use std::hash::BuildHasher;

use super::{MAX_STORED_HASHES, StrStore, widen};

/// Ids ahead in the sweep whose table candidate is looked up and its offset prefetched.
const AHEAD: usize = 16;
/// Ids ahead whose string start in the arena is prefetched (`< AHEAD`).
const NEAR: usize = 8;
/// Ring of noted candidates (a power of two above `AHEAD`).
const RING: usize = 32;

/// Ids ahead in the sweep whose table bucket (control bytes and slot) is prefetched.
const FAR: usize = 32;
/// Ids ahead of an insert whose bucket is prefetched.
const INSERT_AHEAD: usize = 16;
/// Codes hashed at a time when a table is rebuilt larger.
const REBUILD_CHUNK: usize = 1024;

/// Hints the cache to load the byte at `addr`. Reads nothing the program can observe,
/// and cannot fault, whatever the address.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch_addr(addr: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing the program can observe and cannot fault,
        // whatever the address (a wrong one only wastes the hint); its only
        // requirement, SSE, is part of the x86-64 baseline. There is no safe prefetch
        // in stable Rust.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::without_provenance::<i8>(addr)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = addr;
}

/// Hints the cache to load `v[i]` (nothing when `i` is out of range).
#[inline(always)]
fn prefetch<T>(v: &[T], i: usize) {
    if i < v.len() {
        prefetch_addr(v.as_ptr().wrapping_add(i) as usize);
    }
}

/// `a == b`, with strings of up to 16 bytes compared by two overlapping word loads each
/// instead of a call to `memcmp` (most ids are short).
#[inline(always)]
pub(super) fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |x: &[u8], at: usize| x[at..at + 8].try_into().map(u64::from_ne_bytes).ok();
    let word4 = |x: &[u8], at: usize| x[at..at + 4].try_into().map(u32::from_ne_bytes).ok();
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

/// Radix digits of [`sort_by_bucket`] have at most this many bits.
const DIGIT_BITS: u32 = 11;

/// `keys` (`bucket << 32 | index`, indices increasing, buckets below `2^bits`) sorted:
/// a stable least-significant-digit radix sort by bucket, which gives the order of
/// sorting the whole keys, as keys of one bucket keep their increasing indices.
pub(super) fn sort_by_bucket(keys: Vec<u64>, bits: u32) -> Vec<u64> {
    let passes = bits.div_ceil(DIGIT_BITS);
    if passes == 0 || keys.len() < 2 {
        return keys;
    }
    let digit = bits.div_ceil(passes);
    let mask = (1u64 << digit) - 1;
    let mut src = keys;
    let mut dst = vec![0u64; src.len()];
    let mut count = vec![0usize; 1 << digit];
    for pass in 0..passes {
        let shift = 32 + pass * digit;
        count.fill(0);
        for &k in &src {
            count[((k >> shift) & mask) as usize] += 1;
        }
        let mut acc = 0;
        for c in &mut count {
            let x = *c;
            *c = acc;
            acc += x;
        }
        for &k in &src {
            let d = ((k >> shift) & mask) as usize;
            dst[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    src
}

/// Where a table's buckets lie in memory, to prefetch the bucket of a hash before it is
/// probed. hashbrown keeps the control bytes at `ctrl` (one per bucket) and bucket
/// `i`'s value just below them, at `ctrl - (i + 1) × 4`; a probe starts at bucket
/// `hash & mask`. Only a hint: were the layout different, the prefetches would load the
/// wrong lines, and the results would be the same.
#[derive(Clone, Copy)]
struct Buckets {
    ctrl: usize,
    mask: usize,
}

impl Buckets {
    /// The layout of `table` (`None` while it is empty).
    fn of(table: &HashTable<u32>) -> Option<Buckets> {
        let b = table.iter_buckets().next()?;
        let at = std::ptr::from_ref(table.get_bucket(b)?) as usize;
        Some(Buckets {
            ctrl: at + (b + 1) * 4,
            mask: table.num_buckets() - 1,
        })
    }

    /// Prefetches the control bytes and the slot where a probe for `hash` starts.
    #[inline(always)]
    fn prefetch(self, hash: u64) {
        let pos = hash as usize & self.mask;
        prefetch_addr(self.ctrl + pos);
        prefetch_addr(self.ctrl.wrapping_sub((pos + 1) * 4));
    }
}

impl StrStore {
    /// Interns `ids` (in order; equal ids allowed), appending their codes to `out`: the
    /// codes of interning them one by one, but with the table probed and filled in
    /// bucket order (one sweep through the table instead of a random access per id, which
    /// matters once the table is far larger than the cache). The table exists.
    pub(super) fn intern_many(&mut self, ids: &[&str], out: &mut Vec<u32>) {
        let n = ids.len();
        let hashes: Vec<u32> = ids.iter().map(|s| self.short_hash(s)).collect();
        let by_bucket = |table: &HashTable<u32>| {
            // hashbrown's bucket of a hash is its low bits under the bucket mask; at least
            // 2n keys, so that few ids share one (equal ids do)
            let buckets = (table.capacity() * 8 / 7).max(2 * n).next_power_of_two();
            let mask = (buckets - 1) as u64;
            let order: Vec<u64> = hashes
                .iter()
                .enumerate()
                .map(|(i, &h)| ((widen(h) & mask) << 32) | i as u64)
                .collect();
            sort_by_bucket(order, buckets.trailing_zeros())
        };
        let Some(table) = self.table.as_ref() else {
            unreachable!("only called once the table is built");
        };
        let order = by_bucket(table);
        let (arena, offsets) = (&self.arena, &self.offsets);
        let get = |c: u32| &arena[offsets[c as usize]..offsets[c as usize + 1]];
        let mut codes = vec![u32::MAX; n];
        // an id not in the table that equals an earlier one of `ids`: that one's index
        let mut same: Vec<(usize, usize)> = Vec::new();
        let mut run = 0;
        // Software pipeline over the sweep: the table itself is read in bucket order
        // (sequential), but a hit's id is compared through `offsets[c]` and the arena,
        // two dependent misses at random places. `AHEAD` ids ahead, the first candidate
        // code of the table is noted and its offset prefetched; `NEAR` ids ahead, the
        // start of its string in the arena is.
        let mut cand = [u32::MAX; RING];
        let note = |k: usize, cand: &mut [u32; RING]| {
            let j = (order[k] & 0xFFFF_FFFF) as usize;
            let mut first = u32::MAX;
            table.find(widen(hashes[j]), |&c| {
                if first == u32::MAX {
                    first = c;
                    prefetch(offsets, c as usize);
                }
                false
            });
            cand[k % RING] = first;
        };
        let near = |k: usize, cand: &[u32; RING]| {
            let c = cand[k % RING];
            if let Some(&at) = offsets.get(c as usize) {
                prefetch(arena.as_bytes(), at);
            }
        };
        let buckets = Buckets::of(table);
        let far = |k: usize| {
            if let Some(b) = buckets {
                b.prefetch(widen(hashes[(order[k] & 0xFFFF_FFFF) as usize]));
            }
        };
        for k in 0..FAR.min(n) {
            far(k);
        }
        for k in 0..AHEAD.min(n) {
            note(k, &mut cand);
        }
        for k in 0..NEAR.min(n) {
            near(k, &cand);
        }
        for (k, &o) in order.iter().enumerate() {
            let i = (o & 0xFFFF_FFFF) as usize;
            if k + FAR < n {
                far(k + FAR);
            }
            if k + AHEAD < n {
                note(k + AHEAD, &mut cand);
            }
            if k + NEAR < n {
                near(k + NEAR, &cand);
            }
            if k > 0 && order[k - 1] >> 32 != o >> 32 {
                run = k;
            }
            if let Some(&c) = table.find(widen(hashes[i]), |&c| same_str(get(c), ids[i])) {
                codes[i] = c;
                continue;
            }
            // equal ids share a key, and come in input order within it
            let earlier = order[run..k]
                .iter()
                .map(|&e| (e & 0xFFFF_FFFF) as usize)
                .find(|&j| hashes[j] == hashes[i] && same_str(ids[j], ids[i]));
            if let Some(j) = earlier {
                same.push((i, j));
                codes[i] = u32::MAX - 1;
            }
        }
        same.sort_unstable();
        let mut same = same.into_iter().peekable();
        // new ids get codes in input order
        let first = (self.offsets.len() - 1) as u32;
        let mut added = 0usize;
        for i in 0..n {
            if codes[i] == u32::MAX - 1 {
                if let Some((_, j)) = same.next_if(|&(k, _)| k == i) {
                    codes[i] = codes[j];
                }
            } else if codes[i] == u32::MAX {
                codes[i] = first + added as u32;
                added += 1;
                self.arena.push_str(ids[i]);
                self.offsets.push(self.arena.len());
            }
        }
        if added > 0 {
            let stored = self.store
                && self.hashes.len() == first as usize
                && self.hashes.len() + added <= MAX_STORED_HASHES;
            if stored {
                // each new code once, in code order (= input order of first appearance)
                let mut next = first;
                for (&c, &h) in codes.iter().zip(&hashes) {
                    if c == next {
                        self.hashes.push(h);
                        next += 1;
                    }
                }
            } else if self.store {
                self.drop_hashes();
            }
            let StrStore {
                arena,
                offsets,
                table,
                hashes: kept,
                hasher,
                ..
            } = self;
            let Some(table) = table.as_mut() else {
                unreachable!("checked above");
            };
            let rehash = |c: &u32| match kept.get(*c as usize) {
                Some(&h) => widen(h),
                None => {
                    let s = &arena[offsets[*c as usize]..offsets[*c as usize + 1]];
                    widen((hasher.hash_one(s) >> 32) as u32)
                }
            };
            let grow = table.capacity() - table.len() < added;
            if grow {
                // Grow by building the larger table in code order: the ids are hashed
                // while reading the arena front to back (hashbrown's own growth visits
                // them in bucket order, a random access into the arena per id).
                let want = (table.len() + added).max(table.capacity() * 2);
                let mut grown = HashTable::with_capacity(want);
                let mut chunk = Vec::with_capacity(REBUILD_CHUNK);
                let mut at = None;
                for start in (0..first).step_by(REBUILD_CHUNK) {
                    let end = first.min(start + REBUILD_CHUNK as u32);
                    chunk.clear();
                    chunk.extend((start..end).map(|c| rehash(&c)));
                    for (t, (&h, c)) in chunk.iter().zip(start..end).enumerate() {
                        if let (Some(b), Some(&ahead)) = (at, chunk.get(t + INSERT_AHEAD)) {
                            Buckets::prefetch(b, ahead);
                        }
                        grown.insert_unique(h, c, rehash);
                        if at.is_none() {
                            at = Buckets::of(&grown);
                        }
                    }
                }
                *table = grown;
            }
            // the probe's bucket order still holds unless the table grew (its buckets
            // moved): most batches insert without sorting again
            let order = if grow { by_bucket(table) } else { order };
            let mut next = first;
            let mut fresh = vec![false; n];
            for (i, &c) in codes.iter().enumerate() {
                if c == next {
                    fresh[i] = true;
                    next += 1;
                }
            }
            let ins: Vec<usize> = order
                .iter()
                .map(|&o| (o & 0xFFFF_FFFF) as usize)
                .filter(|&i| fresh[i])
                .collect();
            let at = Buckets::of(table);
            for (t, &i) in ins.iter().enumerate() {
                if let (Some(b), Some(&ahead)) = (at, ins.get(t + INSERT_AHEAD)) {
                    b.prefetch(widen(hashes[ahead]));
                }
                table.insert_unique(widen(hashes[i]), codes[i], rehash);
            }
        }
        out.extend_from_slice(&codes);
    }
}
