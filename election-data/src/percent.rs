//! Exact percentages.
//!
//! Published percentages are computed from integer counts and rounded half-up
//! to two decimals, as the ministry prints them. They are held as a whole
//! number of hundredths of a percent, so `37.88` is exactly `3788` and never
//! `37.879999…`. Floats appear only at the JSON boundary, where the shortest
//! decimal representation of `3788 / 100` is written as `37.88`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A percentage with two decimals, stored as hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(u32);

impl Percent {
    /// `part / whole × 100`, rounded half-up to two decimals; `None` when `whole` is 0.
    pub fn of(part: u64, whole: u64) -> Option<Percent> {
        if whole == 0 {
            return None;
        }
        // round_half_up(part × 10000 / whole) = ⌊(2 × part × 10000 + whole) / (2 × whole)⌋
        let num = 2 * u128::from(part) * 10_000 + u128::from(whole);
        let den = 2 * u128::from(whole);
        Some(Percent(u32::try_from(num / den).unwrap_or(u32::MAX)))
    }

    /// `part / whole × 100` rounded half-up to a whole percent (held as
    /// hundredths, a multiple of 100); `None` when `whole` is 0. For small
    /// samples, where two decimals would claim a precision the figures do
    /// not have (a trend on the first 100 ballots).
    pub fn whole_of(part: u64, whole: u64) -> Option<Percent> {
        if whole == 0 {
            return None;
        }
        // round_half_up(part × 100 / whole) = ⌊(2 × part × 100 + whole) / (2 × whole)⌋
        let num = 2 * u128::from(part) * 100 + u128::from(whole);
        let den = 2 * u128::from(whole);
        let units = u32::try_from(num / den).unwrap_or(u32::MAX / 100);
        Some(Percent(units.saturating_mul(100)))
    }

    /// The whole percent (`3788` hundredths → 37; truncated, see
    /// [`Percent::whole_of`] for a rounded one).
    pub const fn units(self) -> u32 {
        self.0 / 100
    }

    /// Builds a percentage from its hundredths (`3788` → `37.88`).
    pub const fn from_hundredths(h: u32) -> Percent {
        Percent(h)
    }

    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// French notation with a decimal comma: `37,88`.
    pub fn fr(self) -> String {
        format!("{},{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // f64 holds every value of hundredths / 100 closely enough that the
        // shortest round-trip representation is exactly the two-decimal string.
        s.serialize_f64(f64::from(self.0) / 100.0)
    }
}

/// Reads back what [`Serialize`] writes (the live frames, decoded by the
/// kiosk): the nearest hundredth of a non-negative number.
impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Percent, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v < 0.0 || v * 100.0 > f64::from(u32::MAX) {
            return Err(serde::de::Error::custom(format!(
                "percentage out of range: {v}"
            )));
        }
        // In range: the cast cannot truncate.
        Ok(Percent((v * 100.0).round() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_percentages_round_half_up() {
        assert_eq!(Percent::whole_of(1, 8), Some(Percent(1300))); // 12.5 → 13
        assert_eq!(Percent::whole_of(1249, 10_000), Some(Percent(1200))); // 12.49 → 12
        assert_eq!(Percent::whole_of(34, 97), Some(Percent(3500))); // 35.05 → 35
        assert_eq!(Percent::whole_of(97, 97), Some(Percent(10_000)));
        assert_eq!(Percent::whole_of(0, 97), Some(Percent(0)));
        assert_eq!(Percent::whole_of(1, 0), None);
        assert_eq!(Percent::whole_of(1, 8).map(Percent::units), Some(13));
    }

    #[test]
    fn reads_back_what_it_writes() {
        for h in [0, 1, 3788, 10_000, 2562] {
            let p = Percent::from_hundredths(h);
            let json = serde_json::to_string(&p).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Percent>(&json).ok(), Some(p));
        }
        assert!(serde_json::from_str::<Percent>("-1").is_err());
    }
    use proptest::prelude::*;

    #[test]
    fn rounds_half_up() {
        assert_eq!(
            Percent::of(1, 8).map(|p| p.to_string()),
            Some("12.50".into())
        );
        assert_eq!(
            Percent::of(1, 3).map(|p| p.to_string()),
            Some("33.33".into())
        );
        assert_eq!(
            Percent::of(2, 3).map(|p| p.to_string()),
            Some("66.67".into())
        );
        // 0.125 % exactly: half-up gives 0.13
        assert_eq!(
            Percent::of(1, 800).map(|p| p.to_string()),
            Some("0.13".into())
        );
        // 0.124875 % rounds down
        assert_eq!(
            Percent::of(999, 800_000).map(|p| p.to_string()),
            Some("0.12".into())
        );
        assert_eq!(
            Percent::of(3788, 10_000).map(|p| p.fr()),
            Some("37,88".into())
        );
        assert_eq!(
            Percent::of(5, 5).map(|p| p.to_string()),
            Some("100.00".into())
        );
        assert_eq!(
            Percent::of(0, 5).map(|p| p.to_string()),
            Some("0.00".into())
        );
        assert_eq!(Percent::of(1, 0), None);
    }

    #[test]
    fn serialises_as_short_decimal() {
        let json = serde_json::to_string(&Percent::from_hundredths(3788)).unwrap_or_default();
        assert_eq!(json, "37.88");
        let json = serde_json::to_string(&Percent::from_hundredths(7)).unwrap_or_default();
        assert_eq!(json, "0.07");
    }

    proptest! {
        #[test]
        fn matches_decimal_half_up(part in 0u64..10_000_000, extra in 0u64..10_000_000) {
            let whole = part + extra + 1;
            let p = Percent::of(part, whole).map(|p| p.hundredths()).unwrap_or(u32::MAX);
            // p is the integer h with h - 1/2 <= part*10000/whole < h + 1/2
            let x2 = 2 * u128::from(part) * 10_000;
            let w = u128::from(whole);
            prop_assert!((2 * u128::from(p)).saturating_sub(1) * w <= x2 || p == 0);
            prop_assert!(x2 < (2 * u128::from(p) + 1) * w);
        }

        #[test]
        fn serialisation_round_trips(h in 0u32..=1_000_000) {
            let json = serde_json::to_string(&Percent::from_hundredths(h)).unwrap_or_default();
            let expected = if h % 100 == 0 { format!("{}.0", h / 100) } else {
                Percent::from_hundredths(h).to_string().trim_end_matches('0').to_string()
            };
            prop_assert_eq!(json, expected);
        }
    }
}
