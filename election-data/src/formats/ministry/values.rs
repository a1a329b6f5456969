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
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = parse_percent(&s);
        }
    }
}
