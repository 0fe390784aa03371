//! The optional assets file: `hostname,ip,role,clinical`, one host per line, which names hosts
//! behind IPs and marks clinical devices so they are listed first.

use std::collections::HashMap;
use std::io::Read;

/// A known host from the assets file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asset {
    /// Upper-case short name.
    pub host: String,
    /// Addresses (one per line in the file; a host may repeat).
    pub ips: Vec<String>,
    /// Role, e.g. `mri-console`.
    pub role: Option<String>,
    /// True for clinical devices.
    pub clinical: bool,
}

/// The hosts an organisation knows, by name and by address.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    by_host: HashMap<String, Asset>,
    by_ip: HashMap<String, String>,
}

/// A line of the assets file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    /// The CSV layer failed (bad quoting, I/O).
    #[error("assets file line {line}: {message}")]
    Csv {
        /// 1-based line number.
        line: u64,
        /// What went wrong.
        message: String,
    },
    /// A field did not parse.
    #[error("assets file line {line}: {message}")]
    Field {
        /// 1-based line number.
        line: u64,
        /// What went wrong.
        message: String,
    },
}

impl Assets {
    /// Reads `hostname,ip,role,clinical` with a header line; `ip`, `role` may be empty,
    /// `clinical` is `true/false/yes/no/1/0` or empty (false).
    pub fn from_csv_reader(input: impl Read) -> Result<Self, AssetsError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let mut assets = Assets::default();
        for record in reader.records() {
            let record = record.map_err(|e| AssetsError::Csv {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                message: e.to_string(),
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let field = |i: usize| record.get(i).map(str::trim).filter(|s| !s.is_empty());
            let Some(name) = field(0) else {
                return Err(AssetsError::Field {
                    line,
                    message: "empty hostname".into(),
                });
            };
            let ip = match field(1) {
                Some(raw) => Some(
                    raw.parse::<std::net::IpAddr>()
                        .map_err(|_| AssetsError::Field {
                            line,
                            message: format!("`{raw}` is not an IP address"),
                        })?
                        .to_string(),
                ),
                None => None,
            };
            let clinical = match field(3).map(str::to_ascii_lowercase).as_deref() {
                None | Some("false" | "no" | "0") => false,
                Some("true" | "yes" | "1") => true,
                Some(other) => {
                    return Err(AssetsError::Field {
                        line,
                        message: format!("clinical must be true or false, not `{other}`"),
                    });
                }
            };
            assets.add(name, ip, field(2).map(String::from), clinical);
        }
        Ok(assets)
    }

    fn add(&mut self, name: &str, ip: Option<String>, role: Option<String>, clinical: bool) {
        let host = ward_event::HostName::new(name).short().to_string();
        let entry = self.by_host.entry(host.clone()).or_insert_with(|| Asset {
            host: host.clone(),
            ..Asset::default()
        });
        if let Some(ip) = ip {
            if !entry.ips.contains(&ip) {
                entry.ips.push(ip.clone());
            }
            self.by_ip.insert(ip, host);
        }
        if role.is_some() {
            entry.role = role;
        }
        entry.clinical |= clinical;
    }

    /// The asset called `host` (upper-case short name).
    pub fn host(&self, host: &str) -> Option<&Asset> {
        self.by_host.get(host)
    }

    /// The host name behind `ip`.
    pub fn host_of_ip(&self, ip: &str) -> Option<&str> {
        self.by_ip.get(ip).map(String::as_str)
    }

    /// Every host with its entry.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Asset)> {
        self.by_host.iter().map(|(h, a)| (h.as_str(), a))
    }

    /// Number of hosts.
    pub fn len(&self) -> usize {
        self.by_host.len()
    }

    /// True when no host is known.
    pub fn is_empty(&self) -> bool {
        self.by_host.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hosts_and_flags() {
        let text = "hostname,ip,role,clinical\nmri-01.clinic.local,10.1.2.3,mri-console,true\nFS01,10.1.0.5,file-server,\n";
        let a = Assets::from_csv_reader(text.as_bytes()).unwrap();
        assert_eq!(a.len(), 2);
        let mri = a.host("MRI-01").unwrap();
        assert!(mri.clinical);
        assert_eq!(mri.role.as_deref(), Some("mri-console"));
        assert_eq!(a.host_of_ip("10.1.0.5"), Some("FS01"));
        assert!(!a.host("FS01").unwrap().clinical);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "hostname,ip,role,clinical\nA,10.0.0.1,x,true\nB,not-an-ip,y,false\n";
        let err = Assets::from_csv_reader(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "assets file line 3: `not-an-ip` is not an IP address");
        let text = "hostname,ip,role,clinical\nA,,x,maybe\n";
        let err = Assets::from_csv_reader(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "assets file line 2: clinical must be true or false, not `maybe`"
        );
    }
}
