//! `checklist.md` and `checklist.html`: what to do in the first hour, the first day and the
//! first week, filled with this case's devices (clinical first), accounts (by how they are
//! reset), patient zero, C2 indicators, failed readiness checks and what needs a look. The
//! content is built once ([`Checklist`]) and rendered twice ([`markup`]).

pub mod markup;

use crate::isolate::{in_isolation_order, method};
use crate::kit::{AccountKind, IndicatorKind, Kit, ResetAccount};
use crate::{KitFile, KitOptions};

/// A piece of checklist text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// A name or file name, shown literally as code.
    Code(String),
    /// Case text that marks code with backticks (a readiness check's remediation).
    Prose(String),
}

/// One task, with the lines under it.
#[derive(Debug, Clone, Default)]
pub struct Item {
    /// The task.
    pub spans: Vec<Span>,
    /// Its details: one line each.
    pub sub: Vec<Vec<Span>>,
}

/// One phase: first hour, first day, first week.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading.
    pub title: &'static str,
    /// Tasks.
    pub items: Vec<Item>,
}

/// The checklist's content.
#[derive(Debug, Clone)]
pub struct Checklist {
    /// Page title.
    pub title: String,
    /// Paragraphs before the phases.
    pub summary: Vec<Vec<Span>>,
    /// The phases.
    pub sections: Vec<Section>,
}

fn t(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

fn c(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

fn item(spans: Vec<Span>) -> Item {
    Item {
        spans,
        sub: Vec::new(),
    }
}

/// The kit's checklist, as Markdown and HTML.
pub fn write(kit: &Kit, options: &KitOptions) -> Vec<KitFile> {
    let list = build(kit, options);
    [
        ("checklist.md", markup::markdown(&list)),
        ("checklist.html", markup::html(&list)),
    ]
    .into_iter()
    .map(|(path, text)| KitFile {
        path: path.into(),
        text,
        refused: Vec::new(),
        private: false,
    })
    .collect()
}

/// The checklist of a kit.
pub fn build(kit: &Kit, options: &KitOptions) -> Checklist {
    let kind = |k: AccountKind| kit.accounts.iter().filter(move |a| a.kind == k);
    let clinical = kit.devices.iter().filter(|d| d.clinical).count();
    let c2 = c2_count(kit);
    let mut summary = vec![vec![t(format!(
        "Case of {}: {} devices to isolate ({clinical} clinical), {} accounts to reset \
         ({} people, {} service, {} local), {c2} C2 addresses, domains and URLs to block.",
        kit.case_time,
        kit.devices.len(),
        kit.accounts.len(),
        kind(AccountKind::Person).count(),
        kind(AccountKind::Service).count(),
        kind(AccountKind::Local).count(),
    ))]];
    if !kit.patient_zero.is_empty() {
        let mut p = vec![t("Patient zero: ")];
        p.extend(names(kit.patient_zero.iter().map(String::as_str)));
        p.push(t("."));
        summary.push(p);
    }
    summary.push(vec![t(
        "Work from a clean computer that is not in the isolation list, and write down the time of every action.",
    )]);
    Checklist {
        title: "Containment checklist".into(),
        summary,
        sections: vec![
            first_hour(kit, c2),
            first_day(kit, options),
            first_week(kit),
        ],
    }
}

fn c2_count(kit: &Kit) -> usize {
    [IndicatorKind::Ip, IndicatorKind::Domain, IndicatorKind::Url]
        .into_iter()
        .map(|k| kit.indicators_of(k).count())
        .sum()
}

/// `a`, `b`, `c` as code spans with commas between.
fn names<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(t(", "));
        }
        out.push(c(v));
    }
    out
}

fn accounts_line(label: &str, accounts: &[&ResetAccount]) -> Vec<Span> {
    let mut line = vec![t(format!("{label} ({}): ", accounts.len()))];
    line.extend(names(accounts.iter().map(|a| a.account.as_str())));
    line
}

fn first_hour(kit: &Kit, c2: usize) -> Section {
    let mut items = Vec::new();
    let mut isolate = item(vec![
        t("Isolate the devices in "),
        c("isolate.csv"),
        t(", clinical first:"),
    ]);
    for d in in_isolation_order(&kit.devices) {
        let mut line = vec![c(d.host.as_str())];
        let mut about: Vec<String> = d.role.iter().cloned().collect();
        if d.clinical {
            about.push("clinical".into());
        }
        if d.patient_zero {
            about.push("patient zero".into());
        }
        if !about.is_empty() {
            line.push(t(format!(" ({})", about.join(", "))));
        }
        line.push(t(format!(": {}", method(d))));
        isolate.sub.push(line);
    }
    if kit.devices.is_empty() {
        isolate
            .sub
            .push(vec![t("No device is affected by a worm in this case.")]);
    }
    items.push(isolate);
    for p in &kit.patient_zero {
        items.push(item(vec![
            t("Keep patient zero "),
            c(p.as_str()),
            t(" powered on and isolated; copy its memory and disk before any clean-up: they show how the worm got in."),
        ]));
    }
    items.push(item(if c2 > 0 {
        vec![
            t(format!("Block the worm's call-home: {c2} C2 addresses, domains and URLs, ready for firewalls, proxies and DNS in ")),
            c("blocklist/"),
            t("."),
        ]
    } else {
        vec![t("No C2 address or domain was found in these logs: block what your threat intelligence names for this malware, and collect firewall and proxy logs.")]
    }));
    let mut reset = item(vec![
        t("From a clean computer, run "),
        c("reset-accounts.ps1 -WhatIf"),
        t(", read what it would change, then run it without "),
        c("-WhatIf"),
        t("."),
    ]);
    let by_kind = |k: AccountKind| -> Vec<&ResetAccount> {
        kit.accounts.iter().filter(|a| a.kind == k).collect()
    };
    for (k, label) in [
        (
            AccountKind::Person,
            "People, who choose a new password at next logon",
        ),
        (
            AccountKind::Service,
            "Service accounts: their services stop until updated",
        ),
        (
            AccountKind::Local,
            "Local accounts, reset once their device is clean",
        ),
    ] {
        let accounts = by_kind(k);
        if !accounts.is_empty() {
            reset.sub.push(accounts_line(label, &accounts));
        }
    }
    if kit.accounts.is_empty() {
        reset
            .sub
            .push(vec![t("No account was exposed on an affected device.")]);
    }
    items.push(reset);
    if kit.domain_controller_affected {
        items.push(item(vec![t(
            "A domain controller is affected: reset the krbtgt account now (first of two resets), as the worm may forge Kerberos tickets with its key.",
        )]));
    }
    items.push(item(vec![t(
        "Tell the incident lead, management, the data protection officer and the clinical leads of the affected clinical devices.",
    )]));
    Section {
        title: "First hour",
        items,
    }
}

fn first_day(kit: &Kit, options: &KitOptions) -> Section {
    let mut items = Vec::new();
    let services: Vec<&ResetAccount> = kit
        .accounts
        .iter()
        .filter(|a| a.kind == AccountKind::Service)
        .collect();
    if !services.is_empty() {
        let mut update = item(vec![t(
            "Give every service and task that runs as a reset service account its new password:",
        )]);
        for a in services {
            let mut line = vec![c(a.account.as_str()), t(" on ")];
            line.extend(names(a.hosts.iter().map(String::as_str)));
            for (host, what) in &a.used_by {
                line.push(t("; "));
                line.push(c(format!("{host}: {what}")));
            }
            update.sub.push(line);
        }
        items.push(update);
    }
    if !kit.devices_if_confirmed.is_empty() || !kit.if_confirmed.is_empty() {
        let mut look = item(vec![
            t(
                "Needs a look: suspicious spread, not confirmed as the worm. Check it; if confirmed, isolate these devices and uncomment the suspicious block of ",
            ),
            c("reset-accounts.ps1"),
            t("."),
        ]);
        if !kit.devices_if_confirmed.is_empty() {
            let mut line = vec![t("Devices: ")];
            line.extend(names(
                kit.devices_if_confirmed.iter().map(|d| d.host.as_str()),
            ));
            look.sub.push(line);
        }
        if !kit.if_confirmed.is_empty() {
            let accounts: Vec<&ResetAccount> = kit.if_confirmed.iter().collect();
            look.sub
                .push(accounts_line("Accounts to reset if confirmed", &accounts));
        }
        items.push(look);
    }
    items.push(item(vec![
        t("Share the indicators ("),
        c("iocs.stix.json"),
        t(", "),
        c("misp-event.json"),
        t(format!(
            ", marked TLP:{}) with Health-ISAC or your national CERT.",
            options.tlp.to_ascii_uppercase()
        )),
    ]));
    items.push(item(vec![
        t("Collect fresh logs from every device and hunt again ("),
        c("ward hunt"),
        t("): no new device should be reached and no call-home should get through."),
    ]));
    items.push(item(vec![t(
        "Find how patient zero was reached (mail, vendor remote access, an exposed service) and close that way in.",
    )]));
    Section {
        title: "First day",
        items,
    }
}

fn first_week(kit: &Kit) -> Section {
    let mut items = Vec::new();
    let mut rebuild = item(vec![
        t(
            "Clean or rebuild each affected device (clinical devices with their vendor, from validated images), then reset its local accounts (",
        ),
        c("reset-accounts.ps1 -ResetLocalAccounts"),
        t(")."),
    ]);
    let locals: Vec<&ResetAccount> = kit
        .accounts
        .iter()
        .filter(|a| a.kind == AccountKind::Local)
        .collect();
    if !locals.is_empty() {
        rebuild.sub.push(accounts_line("Local accounts", &locals));
    }
    items.push(rebuild);
    if kit.domain_controller_affected {
        items.push(item(vec![t(
            "Reset krbtgt a second time, once replication has finished and at least the maximum ticket lifetime (10 hours by default) has passed since the first reset.",
        )]));
    }
    items.push(item(vec![t(
        "Patch: current security updates on every server and workstation (SMB and remote-execution fixes first), the vendor's approved patches on clinical devices, and a plan for any system past its end of support.",
    )]));
    let mut checks = item(vec![t("Fix the readiness checks the audit failed:")]);
    for (title, remediation) in &kit.failed_checks {
        checks.sub.push(vec![
            t(title.as_str()),
            t(": "),
            Span::Prose(remediation.clone()),
        ]);
    }
    if kit.failed_checks.is_empty() {
        checks
            .sub
            .push(vec![t("No readiness check failed in this case.")]);
    }
    items.push(checks);
    items.push(item(vec![
        t("Keep the blocklists in place and watch for the indicators ("),
        c("ward monitor"),
        t(") for months: this malware comes back through devices that were missed."),
    ]));
    Section {
        title: "First week",
        items,
    }
}
