//! Compact per-judgment code columns: class codes stored in one byte when the class set
//! allows, and the chunked append-only columns the builder streams batches into.

/// Class codes of a matrix's positions, in the narrowest type the class set allows:
/// one byte per judgment when there are at most 256 classes, four otherwise.
///
/// ```
/// use crowdqc_core::{ClassCodes, IdRef, IngestOptions, JudgmentMatrixBuilder};
/// # fn main() -> crowdqc_core::Result<()> {
/// let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
/// b.push_row(IdRef::Str("t1"), IdRef::Str("w1"), IdRef::Str("b"))?;
/// b.push_row(IdRef::Str("t1"), IdRef::Str("w2"), IdRef::Str("a"))?;
/// let m = b.finish()?;
/// assert!(matches!(m.class_codes(), ClassCodes::U8(&[1, 0])));
/// assert_eq!(m.class_codes().get(0), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassCodes<'a> {
    /// One byte per position (at most 256 classes).
    U8(&'a [u8]),
    /// Four bytes per position (more than 256 classes).
    U32(&'a [u32]),
}

impl ClassCodes<'_> {
    /// Number of positions.
    pub fn len(&self) -> usize {
        match self {
            ClassCodes::U8(v) => v.len(),
            ClassCodes::U32(v) => v.len(),
        }
    }

    /// True when there is no position.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Class index at position `p`.
    ///
    /// # Panics
    /// If `p >= len()`.
    #[inline]
    pub fn get(&self, p: usize) -> u32 {
        match self {
            ClassCodes::U8(v) => u32::from(v[p]),
            ClassCodes::U32(v) => v[p],
        }
    }

    /// Class indices of positions `range`, widened to `u32` and appended to `out`.
    pub fn extend_into(&self, range: std::ops::Range<usize>, out: &mut Vec<u32>) {
        match self {
            ClassCodes::U8(v) => out.extend(v[range].iter().map(|&c| u32::from(c))),
            ClassCodes::U32(v) => out.extend_from_slice(&v[range]),
        }
    }
}

/// Owned class codes (see [`ClassCodes`]).
#[derive(Debug, Clone)]
pub(crate) enum ClassVec {
    U8(Vec<u8>),
    U32(Vec<u32>),
}

impl ClassVec {
    /// Empty codes with room for `n`, narrow when `n_classes <= 256`.
    pub(crate) fn with_capacity(n_classes: usize, n: usize) -> Self {
        if n_classes <= 256 {
            ClassVec::U8(Vec::with_capacity(n))
        } else {
            ClassVec::U32(Vec::with_capacity(n))
        }
    }

    /// `n` zeros (pages untouched until written), narrow when `n_classes <= 256`.
    pub(crate) fn zeros(n_classes: usize, n: usize) -> Self {
        if n_classes <= 256 {
            ClassVec::U8(vec![0; n])
        } else {
            ClassVec::U32(vec![0; n])
        }
    }

    pub(crate) fn view(&self) -> ClassCodes<'_> {
        match self {
            ClassVec::U8(v) => ClassCodes::U8(v),
            ClassVec::U32(v) => ClassCodes::U32(v),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, c: u32) {
        match self {
            // the constructor chose u8 only for class indices below 256
            ClassVec::U8(v) => v.push(c as u8),
            ClassVec::U32(v) => v.push(c),
        }
    }

    #[inline]
    pub(crate) fn set(&mut self, p: usize, c: u32) {
        match self {
            ClassVec::U8(v) => v[p] = c as u8,
            ClassVec::U32(v) => v[p] = c,
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            ClassVec::U8(v) => v.capacity(),
            ClassVec::U32(v) => v.capacity() * 4,
        }
    }
}

/// Elements per chunk of a [`Chunked`] column (4 MiB of `u32`).
pub(crate) const CHUNK: usize = 1 << 20;

/// An append-only column stored in fixed-size chunks: growing it never copies what it
/// holds (a `Vec` doubling would briefly hold the old and the new buffer), and the
/// chunks can be freed one by one as a consumer moves past them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chunked<T> {
    pub(crate) chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Chunked<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `values`.
    pub(crate) fn extend_from_slice(&mut self, mut values: &[T]) {
        while !values.is_empty() {
            let room = match self.chunks.last() {
                Some(c) if c.len() < CHUNK => CHUNK - c.len(),
                _ => {
                    self.chunks.push(Vec::with_capacity(CHUNK));
                    CHUNK
                }
            };
            let take = room.min(values.len());
            if let Some(c) = self.chunks.last_mut() {
                c.extend_from_slice(&values[..take]);
            }
            self.len += take;
            values = &values[take..];
        }
    }

    /// Appends one value.
    #[cfg(test)]
    pub(crate) fn push(&mut self, v: T) {
        self.extend_from_slice(std::slice::from_ref(&v));
    }

    /// The value at `p`.
    #[cfg(test)]
    pub(crate) fn get(&self, p: usize) -> T {
        self.chunks[p / CHUNK][p % CHUNK]
    }

    /// Iterates the values in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().copied())
    }

    /// The values from position `from` on, as slices.
    pub(crate) fn tail_slices(&self, from: usize) -> impl Iterator<Item = &[T]> + '_ {
        let (c0, o0) = (from / CHUNK, from % CHUNK);
        self.chunks
            .iter()
            .enumerate()
            .skip(c0)
            .map(move |(k, c)| if k == c0 { &c[o0..] } else { &c[..] })
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>()
    }

    /// Moves the values into one contiguous `Vec`, freeing each chunk once copied (the
    /// two copies never coexist beyond one chunk).
    pub(crate) fn into_vec(self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        for c in self.chunks {
            out.extend_from_slice(&c);
        }
        out
    }
}

/// Label codes while ingesting: one byte per row while the labels seen fit in a byte,
/// widened once to four bytes when a 257th distinct label appears.
#[derive(Debug, Clone)]
pub(crate) enum LabelChunks {
    U8(Chunked<u8>),
    U32(Chunked<u32>),
}

impl Default for LabelChunks {
    fn default() -> Self {
        LabelChunks::U8(Chunked::default())
    }
}

impl LabelChunks {
    /// Appends codes (`max` is the largest code in `codes`, or any bound of it).
    pub(crate) fn extend(&mut self, codes: &[u32], max: u32) {
        if max > u32::from(u8::MAX)
            && let LabelChunks::U8(c) = self
        {
            let mut wide = Chunked::default();
            for s in c.tail_slices(0) {
                let v: Vec<u32> = s.iter().map(|&x| u32::from(x)).collect();
                wide.extend_from_slice(&v);
            }
            *self = LabelChunks::U32(wide);
        }
        match self {
            LabelChunks::U8(c) => {
                let mut buf = [0u8; 4096];
                for part in codes.chunks(buf.len()) {
                    for (b, &x) in buf.iter_mut().zip(part) {
                        *b = x as u8;
                    }
                    c.extend_from_slice(&buf[..part.len()]);
                }
            }
            LabelChunks::U32(c) => c.extend_from_slice(codes),
        }
    }

    /// The code at row `r`.
    #[cfg(test)]
    pub(crate) fn get(&self, r: usize) -> u32 {
        match self {
            LabelChunks::U8(c) => u32::from(c.get(r)),
            LabelChunks::U32(c) => c.get(r),
        }
    }

    /// Rewrites every code `c` as `remap[c]`.
    pub(crate) fn remap(&mut self, remap: &[u32]) {
        match self {
            LabelChunks::U8(c) => {
                for ch in &mut c.chunks {
                    for x in ch.iter_mut() {
                        *x = remap[*x as usize] as u8;
                    }
                }
            }
            LabelChunks::U32(c) => {
                for ch in &mut c.chunks {
                    for x in ch.iter_mut() {
                        *x = remap[*x as usize];
                    }
                }
            }
        }
    }

    /// Chunk `k` widened into `out` (cleared first).
    pub(crate) fn chunk_into(&self, k: usize, out: &mut Vec<u32>) {
        out.clear();
        match self {
            LabelChunks::U8(c) => out.extend(c.chunks[k].iter().map(|&x| u32::from(x))),
            LabelChunks::U32(c) => out.extend_from_slice(&c.chunks[k]),
        }
    }

    /// Frees chunk `k` (its values must not be read again).
    pub(crate) fn free_chunk(&mut self, k: usize) {
        match self {
            LabelChunks::U8(c) => c.chunks[k] = Vec::new(),
            LabelChunks::U32(c) => c.chunks[k] = Vec::new(),
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            LabelChunks::U8(c) => c.heap_bytes(),
            LabelChunks::U32(c) => c.heap_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_columns_keep_order_across_chunks() {
        let mut c: Chunked<u32> = Chunked::default();
        let a: Vec<u32> = (0..(CHUNK as u32 + 10)).collect();
        c.extend_from_slice(&a[..5]);
        c.extend_from_slice(&a[5..]);
        c.push(7);
        assert_eq!(c.len(), a.len() + 1);
        assert_eq!(c.chunks.len(), 2);
        assert_eq!(c.get(CHUNK + 3), CHUNK as u32 + 3);
        assert_eq!(
            c.tail_slices(CHUNK - 1).map(<[u32]>::len).sum::<usize>(),
            12
        );
        let v = c.into_vec();
        assert_eq!(&v[..a.len()], &a[..]);
        assert_eq!(v[a.len()], 7);
    }

    #[test]
    fn labels_widen_when_a_code_needs_more_than_a_byte() {
        let mut l = LabelChunks::default();
        l.extend(&[3, 255, 0], 255);
        assert!(matches!(l, LabelChunks::U8(_)));
        l.extend(&[256, 1], 256);
        assert!(matches!(l, LabelChunks::U32(_)));
        let got: Vec<u32> = (0..5).map(|r| l.get(r)).collect();
        assert_eq!(got, [3, 255, 0, 256, 1]);
        let mut out = Vec::new();
        l.chunk_into(0, &mut out);
        assert_eq!(out, [3, 255, 0, 256, 1]);
    }
}
