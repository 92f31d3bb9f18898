//! Batches of string ids interned in hash-table bucket order (see
//! [`IdDictionary::intern_strs`](super::IdDictionary::intern_strs)).

use hashbrown::HashTable;
use std::hash::BuildHasher;

use super::{MAX_STORED_HASHES, StrStore, widen};

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
            let mut order: Vec<u64> = hashes
                .iter()
                .enumerate()
                .map(|(i, &h)| ((widen(h) & mask) << 32) | i as u64)
                .collect();
            order.sort_unstable();
            order
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
        for (k, &o) in order.iter().enumerate() {
            let i = (o & 0xFFFF_FFFF) as usize;
            if k > 0 && order[k - 1] >> 32 != o >> 32 {
                run = k;
            }
            if let Some(&c) = table.find(widen(hashes[i]), |&c| get(c) == ids[i]) {
                codes[i] = c;
                continue;
            }
            // equal ids share a key, and come in input order within it
            let earlier = order[run..k]
                .iter()
                .map(|&e| (e & 0xFFFF_FFFF) as usize)
                .find(|&j| hashes[j] == hashes[i] && ids[j] == ids[i]);
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
            if table.capacity() - table.len() < added {
                // Grow by building the larger table in code order: the ids are hashed
                // while reading the arena front to back (hashbrown's own growth visits
                // them in bucket order, a random access into the arena per id).
                let want = (table.len() + added).max(table.capacity() * 2);
                let mut grown = HashTable::with_capacity(want);
                for c in 0..first {
                    grown.insert_unique(rehash(&c), c, rehash);
                }
                *table = grown;
            }
            let order = by_bucket(table);
            let mut next = first;
            let mut fresh = vec![false; n];
            for (i, &c) in codes.iter().enumerate() {
                if c == next {
                    fresh[i] = true;
                    next += 1;
                }
            }
            for &o in &order {
                let i = (o & 0xFFFF_FFFF) as usize;
                if fresh[i] {
                    table.insert_unique(widen(hashes[i]), codes[i], rehash);
                }
            }
        }
        out.extend_from_slice(&codes);
    }
}
