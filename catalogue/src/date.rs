//! A calendar date for the catalogue's rules: validity periods of
//! procurations and ages on the election day (openElec), deadlines of
//! tasks (openCourrier), the terms of concessions and the delays of a
//! reprise (openCimetière).
//!
//! The engine stores dates as `YYYY-MM-DD` text; the rules need to compare
//! them, count years and, for the fixture, add days. This small type does
//! that without a time-zone library (the catalogue depends on the engine
//! and serde only): a proleptic Gregorian (year, month, day), ordered as
//! dates are, converted to and from a count of days since 1970-01-01.

use std::fmt;

use serde::Serialize;

/// A day of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order is the order of dates (derived Ord).
    year: i32,
    month: u8,
    day: u8,
}

const fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date, if it exists.
    pub const fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if day >= 1 && day <= days_in_month(year, month) {
            Some(Date { year, month, day })
        } else {
            None
        }
    }

    /// A date as the engine stores it (`2027-04-11`) or as typed
    /// (`11/04/2027`).
    pub fn parse(s: &str) -> Option<Date> {
        let iso = module_engine::value::parse_date(s.trim())?;
        let mut it = iso.splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        // H. Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        // H. Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The date `n` days later (earlier when negative).
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// The same day `n` years earlier (28 February for a 29 February that
    /// does not exist that year).
    pub fn years_before(self, n: i32) -> Date {
        self.add_years(-n)
    }

    /// The same day `n` months later (earlier when negative), on the last
    /// day of the month when that day does not exist (31 January + 1
    /// month = 28 or 29 February), as terms « de date à date » are counted.
    pub fn add_months(self, n: i32) -> Date {
        let index = self.year * 12 + i32::from(self.month) - 1 + n;
        let year = index.div_euclid(12);
        let month = (index.rem_euclid(12) + 1) as u8;
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }

    /// The same day `n` years later (28 February for a 29 February that
    /// does not exist that year).
    pub fn add_years(self, n: i32) -> Date {
        self.add_months(n * 12)
    }

    /// The age in years accomplished on `on` (someone born on 29 February
    /// turns a year older on 1 March in a common year); 0 before birth.
    pub fn age_on(self, on: Date) -> u32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        u32::try_from(age).unwrap_or(0)
    }

    /// `11/04/2027`, as shown on French pages.
    pub fn fr(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// `2027-04-11`, as the engine stores it.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    #[test]
    fn reads_the_engines_dates_and_french_ones() {
        assert_eq!(d("2027-04-11"), Date::new(2027, 4, 11).expect("exists"));
        assert_eq!(d("11/04/2027"), d("2027-04-11"));
        assert_eq!(Date::parse("2027-02-29"), None);
        assert_eq!(Date::parse("demain"), None);
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(d("2027-04-01").fr(), "01/04/2027");
    }

    #[test]
    fn days_round_trip_and_order() {
        assert_eq!(d("1970-01-01").days(), 0);
        assert_eq!(d("2000-03-01").days() - d("2000-02-28").days(), 2);
        for n in (-80_000..80_000).step_by(997) {
            assert_eq!(Date::from_days(n).days(), n);
        }
        assert_eq!(d("2027-04-11").add_days(-11), d("2027-03-31"));
        assert!(d("2026-12-31") < d("2027-01-01"));
    }

    #[test]
    fn ages_count_accomplished_years() {
        let born = d("2009-04-12");
        assert_eq!(born.age_on(d("2027-04-11")), 17);
        assert_eq!(born.age_on(d("2027-04-12")), 18);
        let leap = d("2008-02-29");
        assert_eq!(leap.age_on(d("2026-02-28")), 17);
        assert_eq!(leap.age_on(d("2026-03-01")), 18);
        assert_eq!(d("2030-01-01").age_on(d("2027-01-01")), 0);
        assert_eq!(d("2024-02-29").years_before(1), d("2023-02-28"));
    }
}
