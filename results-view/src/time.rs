//! Time in one place: the clock, RFC 3339 instants and the commune's offset.
//!
//! Every part of Urne that reads the clock or turns milliseconds since the
//! epoch into text goes through here, on the maintained `jiff` crate: no
//! hand-written calendar arithmetic, no hand-written summer-time rule.
//! The time-zone database is bundled (`tzdb-bundle-always`), so
//! `Europe/Paris` is right on a machine without `/usr/share/zoneinfo`.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Milliseconds since the epoch, now.
pub fn now_millis() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Parses an RFC 3339 instant with its offset (`2027-04-11T20:00:00+02:00`,
/// `…Z`; checked by `Election::check`) into milliseconds since the epoch.
pub fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    s.parse::<Timestamp>().ok().map(Timestamp::as_millisecond)
}

fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Milliseconds since the epoch as RFC 3339 UTC, to the second:
/// `2027-04-11T18:32:05Z`.
pub fn rfc3339_utc(millis: i64) -> String {
    timestamp(millis).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC), for tables.
pub fn utc_datetime(millis: i64) -> String {
    timestamp(millis).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// Milliseconds since the epoch as `HH:MM:SS` (UTC), for logs.
pub fn utc_time(millis: i64) -> String {
    timestamp(millis).strftime("%H:%M:%S").to_string()
}

/// The instant of milliseconds since the epoch, to the whole second.
pub fn system_time_secs(millis: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(millis.div_euclid(1000)).unwrap_or(0))
}

/// Today's date in Paris, `YYYY-MM-DD` (the date letters are signed on).
pub fn today_paris() -> String {
    Timestamp::now()
        .to_zoned(paris())
        .date()
        .strftime("%Y-%m-%d")
        .to_string()
}

/// The time zone of metropolitan France.
pub fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC)
}

/// The UTC offset of metropolitan France (CET/CEST) at an instant, in minutes.
pub fn paris_offset_minutes(millis: i64) -> i64 {
    i64::from(paris().to_offset(timestamp(millis)).seconds()) / 60
}

/// The UTC offset written in an RFC 3339 instant, in minutes
/// (`…+02:00` → 120, `…Z` → 0); `None` when it carries none.
pub fn offset_minutes_of(s: &str) -> Option<i64> {
    let zone = s.get(19..)?;
    // Fractional seconds come before the offset.
    let zone = zone.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h = zone.get(1..3)?.parse::<i64>().ok()?;
    let m = zone.get(4..6)?.parse::<i64>().ok()?;
    Some(sign * (h * 60 + m))
}

/// `HH:MM` of an instant in this machine's time zone (the kiosk's screens).
pub fn local_hhmm(millis: i64) -> String {
    timestamp(millis)
        .to_zoned(TimeZone::system())
        .strftime("%H:%M")
        .to_string()
}

/// `JJ/MM/AAAA HH:MM` of an instant in Paris time (the desk's screens).
pub fn paris_datetime(millis: i64) -> String {
    timestamp(millis)
        .to_zoned(paris())
        .strftime("%d/%m/%Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_instants() {
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_millis("2027-04-11T20:00:00+02:00"),
            Some(1_807_466_400_000)
        );
        assert_eq!(parse_rfc3339_millis("2027-04-11"), None);
        assert_eq!(rfc3339_utc(1_807_466_400_000), "2027-04-11T18:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(utc_datetime(1_807_466_400_999), "2027-04-11 18:00:00");
        assert_eq!(utc_time(1_807_466_405_000), "18:00:05");
    }

    #[test]
    fn paris_switches_on_the_last_sundays() {
        let at = |s: &str| parse_rfc3339_millis(s).unwrap_or(0);
        assert_eq!(paris_offset_minutes(at("2027-03-28T00:59:59Z")), 60);
        assert_eq!(paris_offset_minutes(at("2027-03-28T01:00:00Z")), 120);
        assert_eq!(paris_offset_minutes(at("2027-10-31T00:59:59Z")), 120);
        assert_eq!(paris_offset_minutes(at("2027-10-31T01:00:00Z")), 60);
        assert_eq!(offset_minutes_of("2027-04-11T20:00:00+02:00"), Some(120));
        assert_eq!(offset_minutes_of("2027-04-11T20:00:00-03:30"), Some(-210));
        assert_eq!(offset_minutes_of("2027-04-11T20:00:00Z"), Some(0));
        assert_eq!(offset_minutes_of("2027-04-11"), None);
    }
}
