//! What a host is for, as the admin check needs it: a server, where a privileged logon is
//! administration; a dedicated admin workstation, where it belongs; or a workstation (kiosk,
//! clinical device), where it is day-to-day use. The assets file's role decides first; a host
//! without a known role is judged as before assets existed — a server OS in an inventory or a
//! server / admin-workstation name pattern, else a workstation.

use super::Context;
use crate::matching::{any_wildcard, wildcard};
use std::collections::BTreeSet;
use ward_case::assets::{Asset, Assets};

/// Asset roles of servers, normalised (lower case, words joined by `-`; `*` wildcard). A
/// privileged interactive or RDP logon to one of these is administration, not day-to-day use.
const SERVER_ROLES: &[&str] = &[
    "*server*",
    "domain-controller",
    "dc",
    "active-directory",
    "file",
    "nas",
    "sql",
    "mssql",
    "database",
    "db",
    "ehr",
    "emr",
    "pacs",
    "ris",
    "lis",
    "hl7",
    "interface-engine",
    "proxy",
    "web-proxy",
    "dns",
    "dhcp",
    "monitoring",
    "siem",
    "backup",
    "deployment",
    "sccm",
    "mecm",
    "wsus",
    "update",
    "av",
    "antivirus",
    "print",
    "web",
    "mail",
    "exchange",
    "hypervisor",
];

/// Asset roles of dedicated admin workstations and jump hosts, where privileged logons belong.
const ADMIN_WORKSTATION_ROLES: &[&str] = &[
    "admin-workstation",
    "paw",
    "privileged-access-workstation",
    "jump-host",
    "jumphost",
    "jump-box",
    "bastion",
];

/// Asset roles of ordinary workstations, kiosks and consoles. A device the assets file marks
/// clinical is a workstation too, whatever its role, unless that role is a server role.
const WORKSTATION_ROLES: &[&str] = &[
    "workstation",
    "*-workstation",
    "desktop",
    "laptop",
    "notebook",
    "tablet",
    "kiosk",
    "*-kiosk",
    "thin-client",
    "vdi",
    "*-console",
    "*-station",
    "*-viewer",
];

/// What a host is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostKind {
    /// A server: privileged logons there are administration.
    Server,
    /// A dedicated admin workstation or jump host.
    AdminWorkstation,
    /// A workstation, kiosk or clinical device the assets file names; `role` as normalised.
    Workstation {
        role: Option<String>,
        clinical: bool,
    },
    /// Nothing says what the host is: taken as a workstation.
    Unknown,
}

/// Classifies hosts from the assets file, server-OS inventories and name patterns.
pub(crate) struct HostRoles<'a> {
    ctx: &'a Context<'a>,
    server_os: BTreeSet<&'a str>,
}

impl<'a> HostRoles<'a> {
    /// The classifier for one judgement.
    pub fn new(ctx: &'a Context<'a>) -> Self {
        let server_os = ctx
            .facts
            .installed
            .iter()
            .filter(|i| i.is_os && i.product.to_lowercase().contains("server"))
            .map(|i| i.host.as_str())
            .collect();
        HostRoles { ctx, server_os }
    }

    /// True when an assets file named at least one host (so an unknown role is worth saying).
    pub fn assets_given(&self) -> bool {
        !self.ctx.assets.is_empty()
    }

    /// What `host` (upper-case short name or IP, as events carry it) is for.
    pub fn kind(&self, host: &str) -> HostKind {
        if let Some(kind) = asset(self.ctx.assets, host).and_then(kind_of_asset) {
            return kind;
        }
        let config = self.ctx.config;
        if self.server_os.contains(host) || any_wildcard(&config.server_name_patterns, host) {
            HostKind::Server
        } else if any_wildcard(&config.admin_workstation_patterns, host) {
            HostKind::AdminWorkstation
        } else {
            HostKind::Unknown
        }
    }

    /// The host as an evidence line names it: `workstation WS-042`, `kiosk KIOSK-3`,
    /// `clinical device MRI-01 (mri-console)`, `workstation WS-9 (not in the assets file)`.
    pub fn describe(&self, host: &str, kind: &HostKind) -> String {
        match kind {
            HostKind::Server => format!("server {host}"),
            HostKind::AdminWorkstation => format!("admin workstation {host}"),
            HostKind::Workstation {
                role: Some(role),
                clinical: true,
            } => format!("clinical device {host} ({role})"),
            HostKind::Workstation { clinical: true, .. } => format!("clinical device {host}"),
            HostKind::Workstation {
                role: Some(role), ..
            } => format!("{role} {host}"),
            HostKind::Workstation { role: None, .. } => format!("workstation {host}"),
            HostKind::Unknown => {
                let note = match asset(self.ctx.assets, host) {
                    _ if !self.assets_given() => return format!("workstation {host}"),
                    None => "not in the assets file".to_string(),
                    Some(Asset {
                        role: Some(role), ..
                    }) => format!("role `{role}` not known to Ward"),
                    Some(_) => "no role in the assets file".to_string(),
                };
                format!("workstation {host} ({note})")
            }
        }
    }
}

/// The asset behind a host name, or behind an address when the log named the host by IP.
fn asset<'a>(assets: &'a Assets, host: &str) -> Option<&'a Asset> {
    assets
        .host(host)
        .or_else(|| assets.host_of_ip(host).and_then(|h| assets.host(h)))
}

/// The kind the assets file gives, or `None` when its role (if any) is not one Ward knows and the
/// host is not clinical.
fn kind_of_asset(asset: &Asset) -> Option<HostKind> {
    let role = asset.role.as_deref().map(normalise);
    let is = |table: &[&str]| role.as_deref().is_some_and(|r| matches_any(table, r));
    if is(ADMIN_WORKSTATION_ROLES) {
        Some(HostKind::AdminWorkstation)
    } else if is(SERVER_ROLES) {
        Some(HostKind::Server)
    } else if asset.clinical || is(WORKSTATION_ROLES) {
        Some(HostKind::Workstation {
            role,
            clinical: asset.clinical,
        })
    } else {
        None
    }
}

fn matches_any(table: &[&str], role: &str) -> bool {
    table.iter().any(|p| wildcard(p, role))
}

/// `Domain Controller`, `domain_controller` and `DOMAIN-CONTROLLER` are one role.
fn normalise(role: &str) -> String {
    role.split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(role: &str, clinical: bool) -> Option<HostKind> {
        kind_of_asset(&Asset {
            host: "H".into(),
            role: Some(role.into()),
            clinical,
            ..Asset::default()
        })
    }

    #[test]
    fn roles_are_read_whatever_their_spelling() {
        assert_eq!(kind("Domain Controller", false), Some(HostKind::Server));
        assert_eq!(kind("SQL_Server", false), Some(HostKind::Server));
        assert_eq!(kind("ehr", false), Some(HostKind::Server));
        assert_eq!(kind("PAW", false), Some(HostKind::AdminWorkstation));
        assert_eq!(
            kind("Nurse Station", false),
            Some(HostKind::Workstation {
                role: Some("nurse-station".into()),
                clinical: false
            })
        );
        // A clinical PACS server is still a server; an unknown clinical role is a device.
        assert_eq!(kind("pacs", true), Some(HostKind::Server));
        assert!(matches!(
            kind("infusion-pump", true),
            Some(HostKind::Workstation { clinical: true, .. })
        ));
        assert_eq!(kind("lab-analyser", false), None);
    }
}
