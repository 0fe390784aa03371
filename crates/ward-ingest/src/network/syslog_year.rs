//! The year of RFC 3164 syslog times, which carry none. It comes from the input and the
//! options, never the clock, so a file reads the same whatever the date:
//!
//! 1. [`ReadOptions::syslog_year`] when given (`ward hunt --year`): every undated time is in it;
//! 2. else the input's own times: the first dated header in its head (RFC 5424, ISO, Cisco's
//!    `Mmm dd yyyy`), then each time read — an undated time takes the year that puts it nearest
//!    the time before it, so a log running past New Year moves on to the next year;
//! 3. else [`ReadOptions::written`] (the file's mtime): the latest year that puts the first
//!    undated time no later than a day after it; the times after it follow as in 2;
//! 4. else 1970, the year of `Timestamp::UNKNOWN`: times stay in order and visibly undated.

use ward_event::Timestamp;

use super::syslog::{self, HeaderTime, Undated};
use crate::ReadOptions;

/// The year used when nothing else says it.
const UNKNOWN_YEAR: i16 = 1970;

/// Slack for a writer whose clock runs ahead of the file's mtime (time zones, drift).
const DAY_SECS: i64 = 86_400;

/// The year rule for one input.
pub(crate) struct SyslogYear {
    explicit: Option<i16>,
    /// The last time read, or before it the first dated time in the head.
    last: Option<Timestamp>,
    written: Option<Timestamp>,
}

impl SyslogYear {
    /// The rule for an input whose first bytes are `head`.
    pub(crate) fn new(options: &ReadOptions, head: &[u8]) -> Self {
        let last = if options.syslog_year.is_some() {
            None
        } else {
            String::from_utf8_lossy(head)
                .lines()
                .find_map(|line| match syslog::split(line).time {
                    HeaderTime::Dated(t) => Some(t),
                    _ => None,
                })
        };
        SyslogYear {
            explicit: options.syslog_year,
            last,
            written: options.written,
        }
    }

    /// The header's time with its year; `None` when the header has none (or the day does not
    /// exist in the chosen year).
    pub(crate) fn resolve(&mut self, time: HeaderTime) -> Option<Timestamp> {
        let resolved = match time {
            HeaderTime::None => return None,
            HeaderTime::Dated(t) => Some(t),
            HeaderTime::Undated(undated) => match (self.explicit, self.last, self.written) {
                (Some(year), _, _) => undated.in_year(year),
                (None, Some(last), _) => nearest(undated, last),
                (None, None, Some(written)) => latest_before(undated, written.add_secs(DAY_SECS)),
                (None, None, None) => undated.in_year(UNKNOWN_YEAR),
            },
        };
        if resolved.is_some() {
            self.last = resolved;
        }
        resolved
    }
}

fn year_of(t: Timestamp) -> i16 {
    t.to_jiff().to_zoned(jiff::tz::TimeZone::UTC).year()
}

/// The year around `reference` that puts `undated` nearest it.
fn nearest(undated: Undated, reference: Timestamp) -> Option<Timestamp> {
    let year = year_of(reference);
    [year - 1, year, year + 1]
        .into_iter()
        .filter_map(|y| undated.in_year(y))
        .min_by_key(|t| t.as_nanos().abs_diff(reference.as_nanos()))
}

/// The latest year that puts `undated` no later than `limit` (back four years for 29 February).
fn latest_before(undated: Undated, limit: Timestamp) -> Option<Timestamp> {
    let year = year_of(limit);
    (0..4).find_map(|back| undated.in_year(year - back).filter(|t| *t <= limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> HeaderTime {
        syslog::split(line).time
    }

    fn rfc3339(t: Option<Timestamp>) -> String {
        t.map_or_else(|| "none".into(), |t| t.to_rfc3339())
    }

    fn options(year: Option<i16>, written: Option<&str>) -> ReadOptions {
        ReadOptions {
            syslog_year: year,
            written: written.map(|w| Timestamp::parse(w).unwrap()),
            ..ReadOptions::default()
        }
    }

    #[test]
    fn an_explicit_year_wins() {
        let head = b"<134>1 2022-09-06T18:37:34Z fw filterlog - - - x\n";
        let mut rule = SyslogYear::new(&options(Some(2019), Some("2026-01-01T00:00:00Z")), head);
        let t = rule.resolve(header("Dec 30 10:09:23 fw kernel: x"));
        assert_eq!(rfc3339(t), "2019-12-30T10:09:23Z");
        let t = rule.resolve(header("Jan 2 10:09:23 fw kernel: x"));
        assert_eq!(rfc3339(t), "2019-01-02T10:09:23Z");
    }

    #[test]
    fn a_dated_line_in_the_head_dates_the_others() {
        let head =
            b"Sep 30 10:09:23 fw kernel: x\n<134>1 2022-09-06T18:37:34Z fw filterlog - - - x\n";
        let mut rule = SyslogYear::new(&options(None, Some("2026-12-07T00:00:00Z")), head);
        let t = rule.resolve(header("Sep 30 10:09:23 fw kernel: x"));
        assert_eq!(rfc3339(t), "2022-09-30T10:09:23Z");
    }

    #[test]
    fn the_mtime_dates_a_log_without_years_across_new_year() {
        let mut rule = SyslogYear::new(&options(None, Some("2025-01-03T08:00:00Z")), b"");
        let times: Vec<String> = ["Dec 30 23:59:00", "Dec 31 23:59:59", "Jan 1 00:00:01"]
            .iter()
            .map(|t| rfc3339(rule.resolve(header(&format!("{t} fw kernel: x")))))
            .collect();
        assert_eq!(
            times,
            [
                "2024-12-30T23:59:00Z",
                "2024-12-31T23:59:59Z",
                "2025-01-01T00:00:01Z"
            ]
        );
    }

    #[test]
    fn a_day_of_slack_after_the_mtime() {
        let mut rule = SyslogYear::new(&options(None, Some("2026-03-01T00:00:00Z")), b"");
        let t = rule.resolve(header("Mar 1 20:00:00 fw kernel: x"));
        assert_eq!(rfc3339(t), "2026-03-01T20:00:00Z");
        let mut rule = SyslogYear::new(&options(None, Some("2026-03-01T00:00:00Z")), b"");
        let t = rule.resolve(header("Mar 3 00:00:00 fw kernel: x"));
        assert_eq!(rfc3339(t), "2025-03-03T00:00:00Z");
    }

    #[test]
    fn nothing_to_go_by_is_1970() {
        let mut rule = SyslogYear::new(&ReadOptions::default(), b"Sep 30 10:09:23 fw kernel: x");
        let t = rule.resolve(header("Sep 30 10:09:23 fw kernel: x"));
        assert_eq!(rfc3339(t), "1970-09-30T10:09:23Z");
        assert_eq!(rule.resolve(HeaderTime::None), None);
    }
}
