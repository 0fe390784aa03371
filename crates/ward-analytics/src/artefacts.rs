//! Where each artefact (service name, implant file name) was first seen on each host, and what
//! happened on a host afterwards (recon, rule hits): the raw material of infection times and
//! cluster verdicts. One record per host and artefact, not per event.

use crate::case::Evidence;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use ward_event::Timestamp;

/// File names too common to tie hops together or mark a host.
const GENERIC_IMAGES: &[&str] = &[
    "cmd.exe",
    "powershell.exe",
    "rundll32.exe",
    "svchost.exe",
    "%comspec%",
    "regsvr32.exe",
    "mshta.exe",
    "",
];

/// True when `file` (lower-case base name) can name an implant.
pub fn is_specific(file: &str) -> bool {
    !GENERIC_IMAGES.contains(&file)
}

/// The artefact key of a service name.
pub fn service_key(name: &str) -> String {
    format!("service:{}", name.to_ascii_lowercase())
}

/// The artefact key of an implant file name.
pub fn file_key(name: &str) -> String {
    format!("file:{}", name.to_ascii_lowercase())
}

/// First sightings per host and artefact, and later activity per host.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArtefactLog {
    first_seen: HashMap<(String, String), Evidence>,
    /// Lower-case file names of every service image installed: the only process images worth
    /// remembering.
    service_images: HashSet<String>,
    /// Per host and service: the service's image file there (Kwampirs names its implant
    /// differently on each host), so the file's earlier sightings date the infection.
    service_files: HashMap<(String, String), String>,
    /// Per host: first time of each kind of follow-up (`recon-burst`, a rule title), capped.
    follow_up: HashMap<String, BTreeMap<String, Timestamp>>,
}

const MAX_FOLLOW_UP_PER_HOST: usize = 64;

impl ArtefactLog {
    /// Records `key` on `host` unless seen earlier.
    pub fn saw(&mut self, host: &str, key: String, e: &Evidence) {
        let slot = self
            .first_seen
            .entry((host.to_string(), key))
            .or_insert_with(|| e.clone());
        if e.time < slot.time {
            *slot = e.clone();
        }
    }

    /// Records a service install: its name, and its image as a file worth tracking.
    pub fn service(&mut self, host: &str, service: &str, file: &str, e: &Evidence) {
        self.saw(host, service_key(service), e);
        if is_specific(file) {
            self.service_images.insert(file.to_string());
            self.saw(host, file_key(file), e);
            self.service_files
                .insert((host.to_string(), service_key(service)), file_key(file));
        }
    }

    /// Records a file seen running or written, when it is a known service image.
    pub fn file(&mut self, host: &str, file: &str, e: &Evidence) {
        if self.service_images.contains(file) {
            self.saw(host, file_key(file), e);
        }
    }

    /// Records later activity on a host (a recon burst, a rule hit).
    pub fn follow_up(&mut self, host: &str, what: &str, t: Timestamp) {
        let m = self.follow_up.entry(host.to_string()).or_default();
        if m.len() < MAX_FOLLOW_UP_PER_HOST || m.contains_key(what) {
            let slot = m.entry(what.to_string()).or_insert(t);
            *slot = (*slot).min(t);
        }
    }

    /// `keys` plus, for each service among them, its image file on `host`.
    fn expand(&self, host: &str, keys: &[String]) -> Vec<String> {
        let mut all = keys.to_vec();
        for k in keys {
            if let Some(f) = self.service_files.get(&(host.to_string(), k.clone()))
                && !all.contains(f)
            {
                all.push(f.clone());
            }
        }
        all
    }

    /// Earliest sighting on `host` of any of `keys` (or the image files of those services there).
    pub fn earliest(&self, host: &str, keys: &[String]) -> Option<&Evidence> {
        self.expand(host, keys)
            .iter()
            .filter_map(|k| self.first_seen.get(&(host.to_string(), k.clone())))
            .min_by_key(|e| e.time)
    }

    /// Number of sightings of `keys` on `host`.
    pub fn count(&self, host: &str, keys: &[String]) -> usize {
        self.expand(host, keys)
            .iter()
            .filter(|k| {
                self.first_seen
                    .contains_key(&(host.to_string(), (*k).clone()))
            })
            .count()
    }

    /// Follow-up activity on `host` at or after `t`, as `what (time)` lines.
    pub fn follow_up_since(&self, host: &str, t: Timestamp) -> Vec<String> {
        self.follow_up
            .get(host)
            .map(|m| {
                m.iter()
                    .filter(|(_, at)| **at >= t)
                    .map(|(w, _)| w.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Entries held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.first_seen.len()
            + self.service_images.len()
            + self.follow_up.values().map(BTreeMap::len).sum::<usize>()
    }
}
