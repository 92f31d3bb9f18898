//! Reading the project's small binary files (saved models, gold scheduler state): a
//! cursor over the file's bytes that never reads past the end and checks a declared
//! count against the bytes left before anything is allocated.

use crate::error::{Error, Result};

/// A little-endian cursor over `bytes`; its errors are [`Error::Parse`] messages that
/// start with the file kind (e.g. "invalid crowdqc model file").
#[derive(Debug)]
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    at: usize,
    kind: &'static str,
}

impl<'a> ByteReader<'a> {
    /// A cursor at offset `at` of `bytes`, a file of the given `kind`.
    pub fn new(bytes: &'a [u8], at: usize, kind: &'static str) -> Self {
        ByteReader { bytes, at, kind }
    }

    /// The error "`kind`: `message`".
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            line: None,
            message: format!("{}: {}", self.kind, message.into()),
        }
    }

    /// Bytes not read yet.
    pub fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// Bytes read so far (the offset of the next read).
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The next `n` bytes (`what` names them in the error when the file is shorter).
    ///
    /// # Errors
    /// Fewer than `n` bytes left.
    pub fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        let n =
            usize::try_from(n).map_err(|_| self.error(format!("{what}: length {n} too large")))?;
        let rest = self.left();
        if n > rest {
            return Err(self.error(format!(
                "truncated: {what} needs {n} bytes at offset {}, {rest} left",
                self.at
            )));
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    /// One byte.
    ///
    /// # Errors
    /// The file ends.
    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    /// A little-endian `u32`.
    ///
    /// # Errors
    /// The file ends.
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        let s = self.take(4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// A little-endian `u64`.
    ///
    /// # Errors
    /// The file ends.
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_le_bytes(a))
    }

    /// An `f64` from its little-endian bits.
    ///
    /// # Errors
    /// The file ends.
    pub fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_bits(self.u64(what)?))
    }

    /// A count (`u64`) of entries of at least `size` bytes each, checked against the
    /// bytes left.
    ///
    /// # Errors
    /// The file ends, or the entries could not fit in what is left.
    pub fn count(&mut self, size: usize, what: &str) -> Result<usize> {
        let n = self.u64(what)?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n.saturating_mul(size) <= self.left())
            .ok_or_else(|| self.error(format!("{what} = {n} does not fit the file")))
    }

    /// `n` little-endian `u32`s, checked against the bytes left before allocating.
    ///
    /// # Errors
    /// Fewer than `4 n` bytes left.
    pub fn u32s(&mut self, n: usize, what: &str) -> Result<Vec<u32>> {
        if n.saturating_mul(4) > self.left() {
            return Err(self.error(format!("truncated: {n} {what}")));
        }
        (0..n).map(|_| self.u32(what)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_refuses_to_read_past_the_end() {
        let b = [1u8, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
        let mut r = ByteReader::new(&b, 0, "invalid test file");
        assert_eq!(r.u8("tag").expect("u8"), 1);
        assert_eq!(r.u32("n").expect("u32"), 2);
        assert_eq!(r.u64("x").expect("u64"), 7);
        let e = r.u32("more").expect_err("past the end").to_string();
        assert!(
            e.contains("invalid test file: truncated: more needs 4 bytes at offset 13, 0 left"),
            "{e}"
        );
        let b = [1u8, 2, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9];
        let mut r = ByteReader::new(&b, 0, "k");
        let e = r
            .count(8, "entries")
            .expect_err("1 entry of 8 bytes is more than 5 left");
        assert!(
            e.to_string()
                .contains("entries = 513 does not fit the file"),
            "{e}"
        );
    }
}
