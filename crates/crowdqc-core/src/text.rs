//! Small helpers shared by the text renderings of the reports (`Display` impls):
//! thousands separators and cutting long ids so tables stay aligned.

/// `1234567` → `1,234,567`.
pub fn group_thousands(v: u64) -> String {
    let d = v.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `s` cut to at most `width` characters, ending in `…` when cut, so text tables stay
/// aligned with long ids.
pub fn fit_width(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_and_truncation() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(92_721), "92,721");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(fit_width("abcdef", 4), "abc…");
        assert_eq!(fit_width("abcd", 4), "abcd");
        assert_eq!(fit_width("ééééé", 3), "éé…");
    }
}
