//! UTC timestamps with nanosecond precision, parsed from the many spellings logs use.

use std::fmt;

/// A point in time, UTC, as nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

/// A time string that no known spelling fits.
#[derive(Debug, thiserror::Error)]
#[error("unrecognised time `{0}` (expected RFC 3339, `YYYY-MM-DD HH:MM:SS[.f]` or epoch seconds)")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// The Unix epoch, used when a record carries no time at all.
    pub const UNKNOWN: Timestamp = Timestamp(0);

    /// From nanoseconds since the epoch.
    pub const fn from_nanos(n: i64) -> Self {
        Timestamp(n)
    }

    /// From (possibly fractional) seconds since the epoch, as Zeek writes them. Rounded to the
    /// microsecond: an `f64` holds no more, and finer digits would only be float noise.
    pub fn from_epoch_secs_f64(s: f64) -> Self {
        Timestamp(((s * 1e6).round() as i64).saturating_mul(1_000))
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// This time plus `secs` seconds (negative to go back).
    pub fn add_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000_000)))
    }

    /// Parses RFC 3339 (`2020-09-20T16:16:09.362Z`, offsets allowed), the space-separated form
    /// without a zone (`2020-09-20 12:16:06[.123]`, taken as UTC), and epoch seconds.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let t = s.trim();
        if let Ok(ts) = t.parse::<jiff::Timestamp>() {
            return Ok(Self::from_jiff(ts));
        }
        if let Ok(z) = t
            .parse::<jiff::civil::DateTime>()
            .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC))
        {
            return Ok(Self::from_jiff(z.timestamp()));
        }
        if let Ok(z) = t
            .parse::<jiff::civil::Date>()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
        {
            return Ok(Self::from_jiff(z.timestamp()));
        }
        if let Some(ts) = Self::parse_epoch(t) {
            return Ok(ts);
        }
        Err(TimestampError(s.chars().take(64).collect()))
    }

    /// Epoch seconds with an optional fraction, parsed exactly (no float rounding).
    fn parse_epoch(t: &str) -> Option<Self> {
        let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
        if secs.is_empty()
            || !secs.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let secs: i64 = secs.parse().ok()?;
        let mut nanos: i64 = 0;
        for (i, b) in frac.bytes().take(9).enumerate() {
            nanos += i64::from(b - b'0') * 10i64.pow(8 - i as u32);
        }
        Some(Timestamp(
            secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
        ))
    }

    /// From a `jiff` timestamp (the `evtx` crate's type).
    pub fn from_jiff(ts: jiff::Timestamp) -> Self {
        Timestamp(i64::try_from(ts.as_nanosecond()).unwrap_or(i64::MAX))
    }

    /// As a `jiff` timestamp.
    pub fn to_jiff(self) -> jiff::Timestamp {
        jiff::Timestamp::from_nanosecond(i128::from(self.0)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// RFC 3339 in UTC with the precision the value needs, e.g. `2020-09-20T16:16:09.362Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_jiff())
    }
}

/// RFC 3339 in human-readable formats (the JSON report), nanoseconds in binary ones (the
/// analytics checkpoints), as `std` does for `IpAddr`.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i64(self.0)
        }
    }
}

/// The inverse of `Serialize`: any spelling [`Timestamp::parse`] takes, or nanoseconds.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            Timestamp::parse(&s).map_err(serde::de::Error::custom)
        } else {
            i64::deserialize(d).map(Timestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spellings_logs_use() {
        let a = Timestamp::parse("2020-09-20T16:16:09.362Z").unwrap();
        assert_eq!(a.to_rfc3339(), "2020-09-20T16:16:09.362Z");
        let b = Timestamp::parse("2020-09-20 16:16:09.362").unwrap();
        assert_eq!(a, b);
        let c = Timestamp::parse("2020-09-20T18:16:09.362+02:00").unwrap();
        assert_eq!(a, c);
        let d = Timestamp::parse("1600618569.362").unwrap();
        assert_eq!(a, d);
        assert!(Timestamp::parse("yesterday").is_err());
        let z = Timestamp::from_epoch_secs_f64(1772445809.849999);
        assert_eq!(z.to_rfc3339(), "2026-03-02T10:03:29.849999Z");
    }

    #[test]
    fn serde_round_trips_as_text() {
        let t = Timestamp::parse("2020-09-20T16:16:09.362000001Z").unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2020-09-20T16:16:09.362000001Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}
