//! Parts that continue each other's dictionaries ([`PartStream`]): a thread that encodes
//! several parts keeps the dictionary of a column across them while its ids recur (busy
//! workers, labels), so the merge looks up in the global dictionary only the ids new to
//! the thread, once each, instead of every distinct id of every part.
//!
//! The codes stay those of [`push_batch`](JudgmentMatrixBuilder::push_batch): the parts
//! of a stream are merged in input order, so when a part is merged every id its stream
//! saw before already has a global code (kept in the builder's map of the stream); the
//! ids new to the stream in this part are interned in the order of their first
//! appearance in the part, which is their order in the input.

use crate::builder::JudgmentMatrixBuilder;
use crate::dict::{Id, IdDictionary};
use crate::error::{Error, Result};
use crate::options::IngestOptions;
use crate::parts::EncodedPart;

/// Which stream a part belongs to, and its place in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamTag {
    pub(crate) stream: usize,
    pub(crate) seq: u64,
}

/// The ids a column's dictionary gained in a part, in code order.
#[derive(Debug)]
pub(crate) enum NewIds {
    /// The dictionary itself (it is not kept by the stream), from the given code on.
    Dict(IdDictionary, usize),
    /// Copies of the new ids (the stream keeps the dictionary).
    List(Vec<Id>),
}

impl NewIds {
    /// Interns the new ids into `global` in code order, appending their global codes to
    /// `remap`.
    pub(crate) fn intern_into(self, global: &mut IdDictionary, remap: &mut Vec<u32>) {
        match self {
            NewIds::Dict(d, base) => global.intern_from(&d, base, remap),
            NewIds::List(ids) => remap.extend(ids.iter().map(|id| global.intern(id.as_ref()))),
        }
    }
}

/// Streams a builder keeps maps for ([`PartStream::new`] takes an index below this).
pub const MAX_STREAMS: usize = 1024;

/// A stream keeps a column's dictionary for its next part only while it holds at most
/// this many ids (the builder keeps a `u32` per id and stream).
const MAX_KEPT_IDS: usize = 1 << 23;

/// The dictionaries one thread keeps across the consecutive parts it encodes (see the
/// module docs of [`EncodedPart`]): begin each part with [`begin`](Self::begin), push
/// its batches, [`end`](Self::end) it, and merge the parts of all streams into one
/// builder in input order with [`push_part`](JudgmentMatrixBuilder::push_part). The
/// matrix is the same as with parts on their own ([`EncodedPart::new`]).
///
/// A column's dictionary is kept for the next part while at least a quarter of a part's
/// rows find ids of earlier parts in it (workers and labels, typically); otherwise (ids
/// that do not recur across parts, such as items in an input that is roughly grouped by
/// item) each part starts an empty one, as a part on its own does.
#[derive(Debug)]
pub struct PartStream {
    stream: usize,
    next: u64,
    kept: [Option<IdDictionary>; 3],
    /// Per column: keep the dictionary after a part that began empty (the verdict of the
    /// last part that began with ids; true until one did).
    reuse: [bool; 3],
    /// Per column: ids of the last part whose dictionary was not kept (the size its
    /// next fresh dictionary's table starts with).
    sizes: [usize; 3],
}

impl PartStream {
    /// Stream number `stream` (one per thread; below [`MAX_STREAMS`]). Starting a stream
    /// with a number already used restarts that stream (as for a second pass).
    pub fn new(stream: usize) -> Self {
        PartStream {
            stream,
            next: 0,
            kept: Default::default(),
            reuse: [true; 3],
            sizes: [0; 3],
        }
    }

    /// A new part that continues the dictionaries the stream kept.
    pub fn begin(&mut self, opts: &IngestOptions, parallel_columns: bool) -> EncodedPart {
        let mut part = EncodedPart::new(opts, parallel_columns);
        for (((kept, dict), base), &size) in self
            .kept
            .iter_mut()
            .zip(&mut part.dicts)
            .zip(&mut part.base)
            .zip(&self.sizes)
        {
            if let Some(d) = kept.take() {
                *base = d.len();
                *dict = d;
            } else {
                dict.set_capacity_hint(size);
            }
        }
        part.stream = Some(StreamTag {
            stream: self.stream,
            seq: self.next,
        });
        self.next += 1;
        part
    }

    /// Ends `part` (begun by this stream, all its batches pushed): the stream keeps the
    /// dictionaries worth keeping for its next part, and the part keeps what the merge
    /// needs. A part not ended is merged as it is, and the stream's next part starts
    /// empty dictionaries.
    pub fn end(&mut self, part: &mut EncodedPart) {
        if part.stream.map(|t| t.stream) != Some(self.stream) || part.news.is_some() {
            return;
        }
        let rows = part.rows();
        let failed = part.failed();
        part.news = Some(std::array::from_fn(|c| {
            let base = part.base[c];
            let dict = std::mem::take(&mut part.dicts[c]);
            if base > 0 {
                let old = part.codes[c]
                    .iter()
                    .filter(|&&x| (x as usize) < base)
                    .count();
                self.reuse[c] = old.saturating_mul(4) >= rows;
            }
            if self.reuse[c] && !failed && dict.len() <= MAX_KEPT_IDS {
                let ids = (base..dict.len())
                    .map(|k| Id::from(dict.get(k as u32)))
                    .collect();
                self.kept[c] = Some(dict);
                (NewIds::List(ids), false)
            } else {
                self.sizes[c] = dict.len();
                (NewIds::Dict(dict, base), true)
            }
        }));
    }
}

impl JudgmentMatrixBuilder {
    /// The maps (stream code → global code per column) of a stream, taken out of the
    /// builder while a part is merged; empty for the first part of a stream.
    pub(crate) fn take_stream_maps(&mut self, tag: StreamTag) -> Result<[Vec<u32>; 3]> {
        if tag.stream >= MAX_STREAMS {
            return Err(Error::param(
                "stream",
                format!(
                    "stream {} is not below {MAX_STREAMS}; number the streams (threads) from 0",
                    tag.stream
                ),
            ));
        }
        if self.streams.len() <= tag.stream {
            self.streams.resize_with(tag.stream + 1, Default::default);
        }
        let mut maps = std::mem::take(&mut self.streams[tag.stream]);
        if tag.seq == 0 {
            for m in &mut maps {
                m.clear();
            }
        }
        Ok(maps)
    }

    /// Puts back the maps taken by [`take_stream_maps`](Self::take_stream_maps).
    pub(crate) fn put_stream_maps(&mut self, tag: StreamTag, maps: [Vec<u32>; 3]) {
        if let Some(slot) = self.streams.get_mut(tag.stream) {
            *slot = maps;
        }
    }
}
