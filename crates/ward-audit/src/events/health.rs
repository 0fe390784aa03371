//! Anti-virus, Windows Update and OS-version facts from Windows logs.

use super::{Seen, merge_latest, text};
use std::collections::{BTreeMap, BTreeSet};
use ward_event::{Event, Fields, Timestamp};

/// Defender's operational channel.
pub(crate) const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";
/// Windows Update's operational channel.
pub(crate) const UPDATE_OPERATIONAL: &str = "Microsoft-Windows-WindowsUpdateClient/Operational";
const UPDATE_PROVIDER: &str = "Microsoft-Windows-WindowsUpdateClient";

/// Defender events: protection turned off (5001 real-time, 5010 anti-spyware, 5012 anti-virus).
const PROTECTION_OFF: [u32; 3] = [5001, 5010, 5012];
/// Defender: signature update failed (2001), engine update failed (2003), reverted to old
/// signatures after a failed load (2004).
const SIGNATURE_FAILURE: [u32; 3] = [2001, 2003, 2004];
/// Windows Update: install failed (20), scan failed (25), download failed (31).
const UPDATE_FAILURE: [u32; 3] = [20, 25, 31];

/// Counts of one kind of event per host, with the ids seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    /// When and how often.
    pub seen: Seen,
    /// Event ids seen.
    pub ids: BTreeSet<u32>,
    /// A sample detail (update title, threat name), never more than one.
    pub sample: Option<String>,
}

impl Tally {
    fn add(&mut self, event: &Event, id: u32, sample: Option<&str>) {
        let earliest = self.seen.add(event);
        self.ids.insert(id);
        if earliest || self.sample.is_none() {
            self.sample = sample.map(|s| s.chars().take(120).collect());
        }
    }
}

/// One threat on one host: last detection and last remediation.
/// Folds `from` into `into` per key: sightings add, ids join, the earliest sighting's sample
/// is kept.
fn merge_tallies(into: &mut BTreeMap<String, Tally>, from: BTreeMap<String, Tally>) {
    for (key, other) in from {
        let t = into.entry(key).or_default();
        if t.seen.merge(&other.seen) || t.sample.is_none() {
            t.sample = other.sample;
        }
        t.ids.extend(other.ids);
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Threat {
    /// Threat name.
    pub name: String,
    /// Latest 1116.
    pub detected: Option<Timestamp>,
    /// Where it was read.
    pub detected_origin: String,
    /// Latest 1117.
    pub remediated: Option<Timestamp>,
    /// Defender reported it could not act on it (1118 / 1119).
    pub action_failed: bool,
}

/// AV, update and OS facts by host.
#[derive(Debug, Default)]
pub(crate) struct HostHealth {
    /// Hosts that logged to Defender's channel.
    pub defender_hosts: BTreeSet<String>,
    /// Protection turned off, by host.
    pub protection_off: BTreeMap<String, Tally>,
    /// Last time protection was turned back on (5000/5011), by host.
    pub protection_on: BTreeMap<String, Timestamp>,
    /// Signature/engine update failures, by host.
    pub signature_failures: BTreeMap<String, Tally>,
    /// Latest successful signature update (2000), by host.
    pub signature_updated: BTreeMap<String, Timestamp>,
    /// Latest Defender event, by host (what signature age is measured against).
    pub defender_last: BTreeMap<String, Timestamp>,
    /// (host, threat id) → detection state.
    pub threats: BTreeMap<(String, String), Threat>,
    /// Hosts that logged any Windows Update client event.
    pub update_hosts: BTreeSet<String>,
    /// Windows Update failures, by host.
    pub update_failures: BTreeMap<String, Tally>,
    /// OS version (`6.1.7601`) by host, from System 6009, with when it was seen.
    pub os_versions: BTreeMap<String, (String, Timestamp)>,
}

impl HostHealth {
    /// Takes facts from a Windows event; returns at once for the many events that carry none.
    pub fn observe(&mut self, event: &Event) {
        let Some(id) = event.source.event_id else {
            return;
        };
        let channel = event.source.channel.as_deref().unwrap_or("");
        let provider = event.source.provider.as_deref().unwrap_or("");
        let host = event.host.short();
        if channel == DEFENDER {
            self.defender(event, id, host);
        } else if channel == UPDATE_OPERATIONAL
            || (channel == "System" && provider == UPDATE_PROVIDER)
        {
            self.update_hosts.insert(host.to_string());
            if UPDATE_FAILURE.contains(&id) {
                let title = text(event, &["updateTitle", "UpdateTitle"]);
                self.update_failures
                    .entry(host.to_string())
                    .or_default()
                    .add(event, id, title);
            }
        } else if let Some(v) = (channel == "System" && id == 6009)
            .then(|| os_version(event))
            .flatten()
        {
            // The latest boot tells the current version (ties: the higher version string).
            let slot = self
                .os_versions
                .entry(host.to_string())
                .or_insert_with(|| (v.clone(), event.time));
            if (event.time, v.as_str()) > (slot.1, slot.0.as_str()) {
                *slot = (v, event.time);
            }
        }
    }

    /// Adds what another observer saw, as if its events had been fed after these.
    pub fn merge(&mut self, other: HostHealth) {
        self.defender_hosts.extend(other.defender_hosts);
        merge_tallies(&mut self.protection_off, other.protection_off);
        merge_latest(&mut self.protection_on, other.protection_on);
        merge_tallies(&mut self.signature_failures, other.signature_failures);
        merge_latest(&mut self.signature_updated, other.signature_updated);
        merge_latest(&mut self.defender_last, other.defender_last);
        for (key, other) in other.threats {
            let t = self.threats.entry(key).or_default();
            if t.name.is_empty() {
                t.name = other.name;
            }
            t.action_failed |= other.action_failed;
            if let Some(time) = other.detected
                && t.detected.is_none_or(|s| time > s)
            {
                t.detected = Some(time);
                t.detected_origin = other.detected_origin;
            }
            if let Some(time) = other.remediated
                && t.remediated.is_none_or(|s| time > s)
            {
                t.remediated = Some(time);
            }
        }
        self.update_hosts.extend(other.update_hosts);
        merge_tallies(&mut self.update_failures, other.update_failures);
        for (host, (version, time)) in other.os_versions {
            let slot = self
                .os_versions
                .entry(host)
                .or_insert_with(|| (version.clone(), time));
            if (time, version.as_str()) > (slot.1, slot.0.as_str()) {
                *slot = (version, time);
            }
        }
    }

    fn defender(&mut self, event: &Event, id: u32, host: &str) {
        self.defender_hosts.insert(host.to_string());
        let last = self
            .defender_last
            .entry(host.to_string())
            .or_insert(event.time);
        *last = (*last).max(event.time);
        if PROTECTION_OFF.contains(&id) {
            self.protection_off
                .entry(host.to_string())
                .or_default()
                .add(event, id, None);
        } else if id == 5000 || id == 5011 {
            let on = self
                .protection_on
                .entry(host.to_string())
                .or_insert(event.time);
            *on = (*on).max(event.time);
        } else if SIGNATURE_FAILURE.contains(&id) {
            self.signature_failures
                .entry(host.to_string())
                .or_default()
                .add(event, id, None);
        } else if id == 2000 {
            let up = self
                .signature_updated
                .entry(host.to_string())
                .or_insert(event.time);
            *up = (*up).max(event.time);
        } else if (1116..=1119).contains(&id) {
            self.threat(event, id, host);
        }
    }

    fn threat(&mut self, event: &Event, id: u32, host: &str) {
        let name = text(event, &["Threat Name", "ThreatName"]).unwrap_or("unnamed threat");
        let key = text(event, &["Threat ID", "ThreatID"])
            .unwrap_or(name)
            .to_string();
        let t = self.threats.entry((host.to_string(), key)).or_default();
        if t.name.is_empty() {
            t.name = name.chars().take(120).collect();
        }
        // 1118 / 1119 (action failed) leave the threat in place: they count as a detection.
        let detection = id != 1117;
        t.action_failed |= id == 1118 || id == 1119;
        let slot = if detection {
            &mut t.detected
        } else {
            &mut t.remediated
        };
        if slot.is_none_or(|s| event.time > s) {
            *slot = Some(event.time);
            if detection {
                t.detected_origin = super::origin(event);
            }
        }
    }
}

/// `6.1.7601` from a 6009 event, whose unnamed data reads `6.01.`, `7601`, `Service Pack 1`, ….
fn os_version(event: &Event) -> Option<String> {
    let mut data: Vec<String> = Vec::new();
    event.get_all("Data", &mut |v| data.push(v.to_string()));
    let (kernel, build) = match (data.first(), data.get(1)) {
        (Some(k), Some(b)) => (k.clone(), b.clone()),
        _ => {
            // Some exports give only the rendered message.
            let msg = text(event, &["Message"])?;
            let rest = msg.split("(R)").nth(2)?.trim();
            let mut it = rest.split_whitespace();
            (it.next()?.to_string(), it.next()?.to_string())
        }
    };
    let mut nums = kernel
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().parse::<u32>());
    let major = nums.next()?.ok()?;
    let minor = nums.next()?.ok()?;
    let build: u32 = build.trim().parse().ok()?;
    Some(format!("{major}.{minor}.{build}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::{FieldList, LogSource, Value};

    fn boot(fields: &[(&str, &str)]) -> Event {
        let mut f = FieldList::default();
        for (k, v) in fields {
            f.push(*k, Value::from(*v));
        }
        Event::new(
            Timestamp::UNKNOWN,
            "h",
            LogSource::windows("System", "EventLog", 6009),
            f,
        )
    }

    #[test]
    fn os_versions_from_data_or_the_rendered_message() {
        let data = boot(&[
            ("Data", "6.01."),
            ("Data", "7601"),
            ("Data", "Service Pack 1"),
        ]);
        assert_eq!(os_version(&data).as_deref(), Some("6.1.7601"));
        let msg = "Microsoft (R) Windows (R) 6.01. 7601 Service Pack 1 Multiprocessor Free.";
        assert_eq!(
            os_version(&boot(&[("Message", msg)])).as_deref(),
            Some("6.1.7601")
        );
        assert_eq!(
            os_version(&boot(&[("Data", "10.00."), ("Data", "19045")])).as_deref(),
            Some("10.0.19045")
        );
        assert_eq!(os_version(&boot(&[("Data", "garbage")])), None);
    }
}
