//! The values of a ministry file, compared by value.
//!
//! Users open these files in a spreadsheet before anything else, and a
//! spreadsheet saves them again in its own way: `1,1` for `1,10`, `1` for
//! `1,00`, `1` for the code `0001`. The ministry itself, in its 2024 files,
//! rounds the binary floating-point ratio, so an exact tie such as
//! 205/800 = 25.625 % may be printed `25,62%`. This module reads what each of
//! them writes and says whether it is the value the counts give:
//! - [`parse_percent`]: `29,15`, `29,1`, `29`, `"29,15%"`, `29.15` → hundredths;
//! - [`percent_agrees`]: the exact half-up value, or on an exact tie at the
//!   third decimal the value below it;
//! - [`pad_code`]: a numeric code given its leading zeros back.

/// A printed percentage as hundredths of a percent: digits, then optionally a
/// decimal comma (or point) and one or two digits, then optionally `%`;
/// spaces around are ignored. `None` for anything else.
pub fn parse_percent(raw: &str) -> Option<u32> {
    let s = raw.trim();
    let s = s.strip_suffix('%').unwrap_or(s).trim_end();
    let (int, frac) = match s.find([',', '.']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 5 || !digits(int) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    if s.contains([',', '.']) && frac.is_empty() {
        return None;
    }
    let int: u32 = int.parse().ok()?;
    let frac: u32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u32>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    int.checked_mul(100)?.checked_add(frac)
}

/// Whether `hundredths` is what `part / whole` prints: the exact value
/// rounded half-up ([`crate::Percent::of`]), or, when the exact value is a
/// tie (its third decimal is a 5 and nothing follows), the value rounded
/// down, as a rounding of the binary floating-point ratio gives. `0` when
/// `whole` is 0.
pub fn percent_agrees(hundredths: u32, part: u64, whole: u64) -> bool {
    if whole == 0 {
        return hundredths == 0;
    }
    let expected = if part < (1 << 40) && whole < (1 << 40) {
        // The same half-up rounding as `Percent::of`, in 64 bits.
        let h = (2 * part * 10_000 + whole) / (2 * whole);
        u32::try_from(h).unwrap_or(u32::MAX)
    } else {
        crate::Percent::of(part, whole).map_or(0, crate::Percent::hundredths)
    };
    if hundredths == expected {
        return true;
    }
    // part × 10000 / whole = k + 1/2 exactly ⇔ (2 × part × 10000) mod (2 × whole) = whole.
    let tie = (2 * u128::from(part) * 10_000) % (2 * u128::from(whole)) == u128::from(whole);
    // (Only reached when the printed value is not the half-up one.)
    tie && hundredths + 1 == expected
}

/// A numeric code given back the leading zeros a spreadsheet dropped:
/// `1` → `0001` for `width` 4. Codes with a letter (`2A`), and codes already
/// `width` long or longer, are kept as they are.
pub fn pad_code(code: &str, width: usize) -> String {
    let code = code.trim();
    if !code.is_empty() && code.len() < width && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{code:0>width$}")
    } else {
        code.to_string()
    }
}

/// The bytes [`str::trim`] removes that are ASCII: tab to carriage return,
/// and space.
pub fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// A cell as [`str::trim`] gives it, when the cell is ASCII (then every
/// encoding reads it alike); `None` when it holds another byte.
pub fn ascii_trim(raw: &[u8]) -> Option<&[u8]> {
    if !raw.is_ascii() {
        return None;
    }
    let start = raw.iter().position(|&b| !is_space(b)).unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |e| e + 1);
    raw.get(start..end)
}

/// [`crate::formats::parse_count`] of a trimmed ASCII cell.
pub fn count_bytes(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some(v)
}

/// [`parse_percent`] of a trimmed ASCII cell, without a copy.
pub fn percent_bytes(s: &[u8]) -> Option<u32> {
    percent_plain(s).or_else(|| percent_any(s))
}

/// [`percent_bytes`] of what the ministry and spreadsheets write —
/// 1 to 5 digits, optionally a comma or a point and 1 or 2 digits, then
/// optionally `%`, nothing else — in one pass; `None` for anything else.
fn percent_plain(s: &[u8]) -> Option<u32> {
    let s = s.strip_suffix(b"%").unwrap_or(s);
    let mut int = 0u32;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if !b.is_ascii_digit() || i == 5 {
            break;
        }
        int = int * 10 + u32::from(b - b'0');
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let frac = match s.get(i..)? {
        [] => 0,
        [b',' | b'.', d] if d.is_ascii_digit() => u32::from(d - b'0') * 10,
        [b',' | b'.', d, e] if d.is_ascii_digit() && e.is_ascii_digit() => {
            u32::from(d - b'0') * 10 + u32::from(e - b'0')
        }
        _ => return None,
    };
    Some(int * 100 + frac)
}

fn percent_any(s: &[u8]) -> Option<u32> {
    let s = match s.split_last() {
        Some((b'%', rest)) => {
            let end = rest
                .iter()
                .rposition(|&b| !is_space(b))
                .map_or(0, |e| e + 1);
            rest.get(..end)?
        }
        _ => s,
    };
    let sep = s.iter().position(|&b| b == b',' || b == b'.');
    let (int, frac) = match sep {
        Some(i) => (s.get(..i)?, s.get(i + 1..)?),
        None => (s, &[][..]),
    };
    let digits = |t: &[u8]| t.iter().all(u8::is_ascii_digit);
    if int.is_empty() || int.len() > 5 || !digits(int) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    if sep.is_some() && frac.is_empty() {
        return None;
    }
    let int = int.iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
    let frac = match frac {
        [] => 0,
        [d] => u32::from(d - b'0') * 10,
        [d, e] => u32::from(d - b'0') * 10 + u32::from(e - b'0'),
        _ => return None,
    };
    Some(int * 100 + frac)
}

/// [`percent_agrees`] without a division: `hundredths` agrees when
/// (2h − 1)·whole ≤ 20000·part ≤ (2h + 1)·whole — the lower bound and the
/// strict upper one are the half-up rounding, the upper bound reached is
/// the tie rounded down. The same answer for every `hundredths` below
/// `u32::MAX` (the largest printed percentage is far below it).
pub fn percent_agrees_fast(hundredths: u32, part: u64, whole: u64) -> bool {
    if whole == 0 {
        return hundredths == 0;
    }
    if whole < 1 << 32 && part < 1 << 40 && hundredths < 1 << 25 {
        // Every product below 2^58: the same bounds in 64 bits, as a
        // bureau's counts always are (u128 products cost several times more).
        let h = u64::from(hundredths);
        let scaled = 20_000 * part;
        return (h == 0 || (2 * h - 1) * whole <= scaled) && scaled <= (2 * h + 1) * whole;
    }
    let (h, part, whole) = (u128::from(hundredths), u128::from(part), u128::from(whole));
    let scaled = 20_000 * part;
    (h == 0 || (2 * h - 1) * whole <= scaled) && scaled <= (2 * h + 1) * whole
}

/// A trimmed ASCII code given its leading zeros back, as [`pad_code`]
/// does, in a buffer on the stack; `None` when longer than 32 bytes.
pub fn pad_bytes(code: &[u8], width: usize) -> Option<Code> {
    let mut out = Code::default();
    let pad = if !code.is_empty() && code.len() < width && code.iter().all(u8::is_ascii_digit) {
        width - code.len()
    } else {
        0
    };
    if pad + code.len() > out.buf.len() {
        return None;
    }
    for _ in 0..pad {
        out.push(b'0');
    }
    out.extend(code);
    Some(out)
}

/// A short code (at most 32 bytes) held without an allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Code {
    buf: [u8; 32],
    len: usize,
}

impl Code {
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends what fits (the callers check the length first).
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `self` followed by `more`, `None` when longer than 32 bytes.
    pub fn then(mut self, more: &[u8]) -> Option<Code> {
        if self.len + more.len() > self.buf.len() {
            return None;
        }
        self.extend(more);
        Some(self)
    }

    fn extend(&mut self, more: &[u8]) {
        for &b in more {
            self.push(b);
        }
    }

    /// The code as text (always ASCII when built from ASCII cells).
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentages_in_every_written_form() {
        assert_eq!(parse_percent("29,15"), Some(2915));
        assert_eq!(parse_percent("1,1"), Some(110));
        assert_eq!(parse_percent("1"), Some(100));
        assert_eq!(parse_percent("78,13%"), Some(7813));
        assert_eq!(parse_percent(" 0,5 % "), Some(50));
        assert_eq!(parse_percent("29.15"), Some(2915));
        for bad in ["", "%", ",5", "1,", "1,234", "-1", "1,1,1", "a", "1 000"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
    }

    #[test]
    fn ties_may_round_down_and_nothing_else_may() {
        // 205/800 = 25.625 exactly: the ministry prints 25,62.
        assert!(percent_agrees(2563, 205, 800));
        assert!(percent_agrees(2562, 205, 800));
        assert!(!percent_agrees(2561, 205, 800));
        // 240/1005 = 23.8805…: no tie, only 23,88.
        assert!(percent_agrees(2388, 240, 1005));
        assert!(!percent_agrees(2387, 240, 1005));
        assert!(percent_agrees(0, 0, 0));
        assert!(!percent_agrees(1, 0, 0));
    }

    #[test]
    fn codes_get_their_zeros_back() {
        assert_eq!(pad_code("1", 4), "0001");
        assert_eq!(pad_code("0001", 4), "0001");
        assert_eq!(pad_code("12345", 4), "12345");
        assert_eq!(pad_code("2A", 3), "2A");
        assert_eq!(pad_code("", 3), "");
    }

    proptest! {
        #[test]
        fn what_percent_prints_reads_back(h in 0u32..1_000_000) {
            let p = crate::Percent::from_hundredths(h);
            prop_assert_eq!(parse_percent(&p.fr()), Some(h));
            prop_assert_eq!(parse_percent(&format!("{}%", p.fr())), Some(h));
        }

        #[test]
        fn the_exact_value_always_agrees(part in 0u64..100_000, extra in 0u64..100_000) {
            let whole = part + extra;
            let h = crate::Percent::of(part, whole).map_or(0, crate::Percent::hundredths);
            prop_assert!(percent_agrees(h, part, whole));
        }

        #[test]
        fn the_byte_readers_agree_with_the_text_ones(s in "[ 0-9,.%\\t\\x0b]{0,9}") {
            let trimmed = ascii_trim(s.as_bytes()).map(|t| t.to_vec());
            prop_assert_eq!(trimmed.as_deref(), Some(s.trim().as_bytes()));
            let t = s.trim().as_bytes();
            prop_assert_eq!(percent_bytes(t), parse_percent(&s));
            prop_assert_eq!(count_bytes(t), crate::formats::parse_count(s.trim()));
            if let Some(h) = percent_plain(t) {
                prop_assert_eq!(Some(h), percent_any(t));
            }
            // Untrimmed: a value only when there was nothing to trim.
            if let Some(h) = percent_bytes(s.as_bytes()) {
                prop_assert_eq!(Some(h), parse_percent(&s));
                prop_assert_eq!(s.trim(), s.as_str());
            }
            if count_bytes(s.as_bytes()).is_some() {
                prop_assert_eq!(s.trim(), s.as_str());
            }
            let padded = pad_bytes(t, 4).map(|c| c.as_bytes().to_vec());
            let want = pad_code(&s, 4);
            prop_assert_eq!(padded.as_deref(), Some(want.as_bytes()));
        }

        #[test]
        fn agreement_without_division_is_the_same(h in 0u32..10_000_000, part in 0u64..1 << 41, whole in 0u64..1 << 41, near in any::<bool>()) {
            // Near the value (the interesting boundaries) or anywhere.
            let h = if near && whole > 0 {
                let e = crate::Percent::of(part, whole).map_or(0, crate::Percent::hundredths);
                e.saturating_sub(1) + h % 3
            } else {
                h
            };
            prop_assert_eq!(percent_agrees_fast(h, part, whole), percent_agrees(h, part, whole));
        }

        #[test]
        fn agreement_on_ties(k in 0u64..2_000, whole in 1u64..5_000, h in 0u32..3) {
            // 20000 · part = (2k + 1) · whole: a tie when part is whole.
            let num = (2 * k + 1) * whole;
            if num % 20_000 == 0 {
                let part = num / 20_000;
                let e = crate::Percent::of(part, whole).map_or(0, crate::Percent::hundredths);
                let h = e.saturating_sub(1) + h;
                prop_assert_eq!(percent_agrees_fast(h, part, whole), percent_agrees(h, part, whole));
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = parse_percent(&s);
        }
    }
}
