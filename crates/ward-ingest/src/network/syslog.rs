//! Syslog envelopes around firewall messages: RFC 5424, RFC 3164 (with or without a year, as
//! Cisco ASA writes it), an ISO time followed by a host (MikroTik, rsyslog templates), or none.
//! Splitting uses no clock: an RFC 3164 time without a year stays [`HeaderTime::Undated`] until
//! the reader's year rule (`syslog_year.rs`) places it.

use ward_event::Timestamp;

/// A line split into its syslog header and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Syslog<'a> {
    /// Time from the header.
    pub time: HeaderTime,
    /// Reporting host, empty when absent.
    pub host: &'a str,
    /// Tag or app name without a `[pid]` suffix, empty when absent.
    pub app: &'a str,
    /// The message after the header (the whole line when there is no header).
    pub msg: &'a str,
}

/// The time a syslog header gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HeaderTime {
    /// No header, or an unreadable time.
    None,
    /// A full time (RFC 5424, ISO, or RFC 3164 with a year as Cisco writes it).
    Dated(Timestamp),
    /// RFC 3164 without a year.
    Undated(Undated),
}

/// An RFC 3164 time without its year (UTC).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Undated {
    month: i8,
    day: i8,
    time: jiff::civil::Time,
}

impl Undated {
    /// The time in `year`; `None` when the day does not exist in it (29 February).
    pub(crate) fn in_year(self, year: i16) -> Option<Timestamp> {
        at(year, self.month, self.day, self.time)
    }
}

fn at(year: i16, month: i8, day: i8, time: jiff::civil::Time) -> Option<Timestamp> {
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    let z = date
        .to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?;
    Some(Timestamp::from_jiff(z.timestamp()))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Splits a syslog line into its header and message.
pub(crate) fn split(line: &str) -> Syslog<'_> {
    let body = strip_priority(line);
    if let Some(s) = body.strip_prefix("1 ").and_then(split_5424) {
        return s;
    }
    if let Some((time, rest, bare)) = bsd_time(body) {
        // `HH:MM:SS: msg` (Cisco without a host): the message follows the time directly.
        if bare {
            return Syslog {
                time,
                host: "",
                app: "",
                msg: rest.trim_start(),
            };
        }
        return split_host_tag(time, rest);
    }
    if let Some((token, rest)) = body.split_once(' ')
        && token.len() >= 19
        && token.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Ok(t) = Timestamp::parse(token)
    {
        return split_host_tag(HeaderTime::Dated(t), rest);
    }
    Syslog {
        time: HeaderTime::None,
        host: "",
        app: "",
        msg: body,
    }
}

fn strip_priority(line: &str) -> &str {
    let Some(rest) = line.strip_prefix('<') else {
        return line;
    };
    match rest.split_once('>') {
        Some((pri, body))
            if !pri.is_empty() && pri.len() <= 3 && pri.bytes().all(|b| b.is_ascii_digit()) =>
        {
            body
        }
        _ => line,
    }
}

/// `TIMESTAMP HOST APP PROCID MSGID SD MSG`; `-` means absent.
fn split_5424(rest: &str) -> Option<Syslog<'_>> {
    let mut parts = rest.splitn(6, ' ');
    let time = Timestamp::parse(parts.next()?)
        .ok()
        .map_or(HeaderTime::None, HeaderTime::Dated);
    let host = nil(parts.next()?);
    let app = nil(parts.next()?);
    let _procid = parts.next()?;
    let _msgid = parts.next()?;
    let msg = skip_structured_data(parts.next().unwrap_or(""));
    Some(Syslog {
        time,
        host,
        app,
        msg,
    })
}

fn nil(s: &str) -> &str {
    if s == "-" { "" } else { s }
}

/// Skips `-` or one or more `[id k="v" ...]` elements (quotes may hold `]`).
fn skip_structured_data(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('-') {
        return rest.trim_start();
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while bytes.get(i) == Some(&b'[') {
        let mut in_quote = false;
        let mut escaped = false;
        i += 1;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_quote = !in_quote,
                b']' if !in_quote => break,
                _ => {}
            }
        }
    }
    s.get(i..).unwrap_or("").trim_start()
}

/// `Mmm dd HH:MM:SS` or `Mmm dd yyyy HH:MM:SS`, then the rest of the line.
fn bsd_time(s: &str) -> Option<(HeaderTime, &str, bool)> {
    let month = MONTHS.iter().position(|m| s.starts_with(m))? as i8 + 1;
    let rest = s.get(3..)?.trim_start();
    let (day, rest) = rest.split_once(' ')?;
    let day: i8 = day.parse().ok()?;
    let rest = rest.trim_start();
    let (first, after_first) = rest.split_once(' ').unwrap_or((rest, ""));
    let (year, clock, rest) = if first.len() == 4 && first.bytes().all(|b| b.is_ascii_digit()) {
        let (clock, rest) = after_first.split_once(' ').unwrap_or((after_first, ""));
        (first.parse::<i16>().ok(), clock, rest)
    } else {
        (None, first, after_first)
    };
    let bare = clock.ends_with(':');
    let clock = clock.trim_end_matches(':');
    let time = jiff::civil::Time::strptime("%H:%M:%S", clock)
        .or_else(|_| jiff::civil::Time::strptime("%H:%M:%S%.f", clock))
        .ok()?;
    let header_time = match year {
        Some(y) => HeaderTime::Dated(at(y, month, day, time)?),
        // A leap year, so that 29 February is a day; the reader's year rule checks it again.
        None => {
            at(2000, month, day, time)?;
            HeaderTime::Undated(Undated { month, day, time })
        }
    };
    Some((header_time, rest, bare))
}

/// After the time: `HOST TAG[pid]: MSG`, `HOST : MSG`, `TAG: MSG`, `: MSG` or `HOST MSG`.
fn split_host_tag(time: HeaderTime, rest: &str) -> Syslog<'_> {
    let rest = rest.trim_start();
    if let Some(msg) = rest.strip_prefix(':') {
        return Syslog {
            time,
            host: "",
            app: "",
            msg: msg.trim_start(),
        };
    }
    let (first, after) = rest.split_once(' ').unwrap_or((rest, ""));
    if let Some(tag) = first.strip_suffix(':') {
        return Syslog {
            time,
            host: "",
            app: strip_pid(tag),
            msg: after.trim_start(),
        };
    }
    let after = after.trim_start();
    if let Some(msg) = after.strip_prefix(':') {
        return Syslog {
            time,
            host: first,
            app: "",
            msg: msg.trim_start(),
        };
    }
    let (second, tail) = after.split_once(' ').unwrap_or((after, ""));
    match second.strip_suffix(':') {
        Some(tag) if !tag.is_empty() => Syslog {
            time,
            host: first,
            app: strip_pid(tag),
            msg: tail.trim_start(),
        },
        _ => Syslog {
            time,
            host: first,
            app: "",
            msg: after,
        },
    }
}

fn strip_pid(tag: &str) -> &str {
    tag.split_once('[').map_or(tag, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(t: HeaderTime) -> String {
        match t {
            HeaderTime::Dated(t) => t.to_rfc3339(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn bsd_header_leaves_the_year_open() {
        let s = split("Sep 30 10:09:23 scw-d95986 kernel: [1.5] IN=ens2");
        let HeaderTime::Undated(undated) = s.time else {
            panic!("{:?}", s.time)
        };
        assert_eq!(
            undated.in_year(2019).map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-09-30T10:09:23Z")
        );
        assert_eq!(
            (s.host, s.app, s.msg),
            ("scw-d95986", "kernel", "[1.5] IN=ens2")
        );
        let leap = split("Feb 29 10:09:23 fw filterlog: x");
        let HeaderTime::Undated(leap) = leap.time else {
            panic!("{:?}", leap.time)
        };
        assert!(leap.in_year(2023).is_none());
        assert!(leap.in_year(2024).is_some());
        assert_eq!(split("Feb 30 10:09:23 fw x").time, HeaderTime::None);
    }

    #[test]
    fn asa_headers_carry_a_year() {
        let s = split("Apr 24 2013 16:00:28 INT-FW01 : %ASA-6-106100: x");
        assert_eq!(dated(s.time), "2013-04-24T16:00:28Z");
        assert_eq!((s.host, s.msg), ("INT-FW01", "%ASA-6-106100: x"));
        let bare = split("Apr 29 2013 12:59:50: %ASA-6-302013: Built");
        assert_eq!((bare.host, bare.msg), ("", "%ASA-6-302013: Built"));
    }

    #[test]
    fn rfc5424_skips_structured_data() {
        let line = r#"<134>1 2022-09-06T18:37:34+02:00 opnsense filterlog 69805 - [meta sequenceId="2633353"] 10,,,x"#;
        let s = split(line);
        assert_eq!(dated(s.time), "2022-09-06T16:37:34Z");
        assert_eq!((s.host, s.app, s.msg), ("opnsense", "filterlog", "10,,,x"));
    }

    #[test]
    fn iso_time_then_host() {
        let s = split("2023-03-18T20:36:59.594792+01:00 10.120.127.1 firewall,info drop");
        assert_eq!(s.host, "10.120.127.1");
        assert_eq!(s.msg, "firewall,info drop");
        let none = split("IN=lo OUT= SRC=1.2.3.4");
        assert_eq!(
            (none.time, none.msg),
            (HeaderTime::None, "IN=lo OUT= SRC=1.2.3.4")
        );
    }
}
