//! "What to do now": the standard response to a worm, filled in with this case's devices and
//! accounts so each step names what to act on.

use super::Page;
use crate::overview::{Overview, Verdict};
use ward_analytics::Case;
use ward_event::Level;

/// The steps, in the order to take them.
pub(super) fn section(page: &mut Page, case: &Case, o: &Overview) {
    page.section("todo", "What to do now");
    match o.verdict {
        Verdict::NothingFound => {
            page.raw(
                "<p>Nothing to act on from these logs. Keep collecting them (Security, System, Sysmon and \
                 network logs) and run Ward again on the next export.</p></section>",
            );
            return;
        }
        Verdict::Alerts => alerts(page, case),
        Verdict::Outbreak => spread(page, case, o),
        Verdict::SuspiciousSpread => look(page, case, o),
    }
    page.raw("</section>");
}

fn alerts(page: &mut Page, case: &Case) {
    let hosts: std::collections::BTreeSet<String> = case
        .detections
        .iter()
        .filter(|d| d.level >= Level::High)
        .map(|d| d.host.clone())
        .chain(
            case.findings
                .iter()
                .filter(|f| f.level >= Level::High)
                .map(|f| f.host.clone()),
        )
        .collect();
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    page.raw("<ol class=\"todo\">");
    if hosts.is_empty() {
        page.raw("<li>Review the findings and detections below; none is high or critical.</li>");
    } else {
        step(
            page,
            "Investigate the hosts with high or critical alerts first:",
            &hosts,
        );
    }
    page.raw("<li>Keep monitoring these logs; run Ward again on the next export.</li></ol>");
}

fn spread(page: &mut Page, case: &Case, o: &Overview) {
    let clinical: Vec<&str> = o
        .affected_devices
        .iter()
        .filter(|d| d.clinical)
        .map(|d| d.host.as_str())
        .collect();
    let other: Vec<&str> = o
        .affected_devices
        .iter()
        .filter(|d| !d.clinical)
        .map(|d| d.host.as_str())
        .collect();
    let reset: Vec<&str> = case
        .accounts
        .reset
        .iter()
        .map(|a| a.account.as_str())
        .collect();
    let hop_accounts: Vec<&str> = case
        .accounts
        .reset
        .iter()
        .chain(&case.accounts.review)
        .filter(|a| a.logon_types.iter().any(|t| t == "hop"))
        .map(|a| a.account.as_str())
        .collect();
    let shared: Vec<&str> = case
        .accounts
        .reset
        .iter()
        .filter(|a| a.hosts.len() > 1)
        .map(|a| a.account.as_str())
        .collect();
    page.raw("<ol class=\"todo\">");
    step(
        page,
        "Isolate the affected devices from the network (keep them powered on for forensics):",
        &other,
    );
    if !clinical.is_empty() {
        step(
            page,
            "Clinical devices: agree isolation with clinical engineering and the vendor first, so patient care \
             is not interrupted:",
            &clinical,
        );
    }
    if reset.is_empty() {
        page.raw("<li>No account was found exposed on an affected device; check the accounts to review.</li>");
    } else {
        step(
            page,
            "Reset these passwords from a clean computer, never from an affected device, and sign the \
             accounts out everywhere:",
            &reset,
        );
    }
    let all: Vec<&str> = o.affected_devices.iter().map(|d| d.host.as_str()).collect();
    step(
        page,
        "Patch and rebuild or clean the affected devices before reconnecting them; for clinical devices on \
         unsupported systems, ask the vendor for a supported fix:",
        &all,
    );
    if !hop_accounts.is_empty() {
        step(
            page,
            "These accounts carried the spread. Give administrators separate admin accounts and keep daily \
             accounts non-admin:",
            &hop_accounts,
        );
    }
    if shared.is_empty() {
        page.raw("<li>Use unique, long passwords per device for local administrators (e.g. Windows LAPS).</li>");
    } else {
        step(
            page,
            "Password policy: these accounts were exposed on more than one device. Use unique local \
             administrator passwords per device (e.g. Windows LAPS) and long passphrases:",
            &shared,
        );
    }
    if !o.needs_a_look.clusters.is_empty() {
        page.raw(
            "<li>Ask who ran the spread under <a href=\"#needs-a-look\">Needs a look</a>; if nobody did, \
             treat its devices and accounts as part of this outbreak.</li>",
        );
    }
    page.raw(
        "<li>Keep monitoring: run <code>ward monitor</code> on these devices' logs for at least 30 days and \
         watch for the same artefacts returning.</li></ol>",
    );
}

/// No worm, only suspicious spread: find out who ran it before acting on the devices.
fn look(page: &mut Page, case: &Case, o: &Overview) {
    let artefacts: Vec<&str> = case
        .spread
        .clusters
        .iter()
        .filter(|c| o.needs_a_look.clusters.contains(&c.id))
        .map(|c| c.artefact.as_str())
        .collect();
    let devices: Vec<&str> = o
        .needs_a_look
        .devices
        .iter()
        .map(|d| d.host.as_str())
        .collect();
    let accounts: Vec<&str> = case
        .accounts
        .reset_if_confirmed
        .iter()
        .map(|a| a.account.as_str())
        .collect();
    page.raw("<ol class=\"todo\">");
    step(
        page,
        "Ask your IT team and vendors who installed these, from where and why (details under Needs a look):",
        &artefacts,
    );
    step(
        page,
        "If nobody did, treat it as an outbreak: isolate these devices (clinical ones with clinical \
         engineering and the vendor first):",
        &devices,
    );
    step(
        page,
        "…and reset these passwords from a clean computer, never from one of those devices:",
        &accounts,
    );
    page.raw(
        "<li>If it was administration, note who did it. Give the management server its role in the assets \
         file (for example <code>deployment</code>) so Ward weighs its pushes as administration next time.</li>\
         <li>Keep monitoring: run <code>ward monitor</code> on these devices' logs and watch for the same \
         artefacts spreading further.</li></ol>",
    );
}

/// One step: the advice, then the hosts or accounts it applies to.
fn step(page: &mut Page, advice: &str, items: &[&str]) {
    if items.is_empty() {
        return;
    }
    page.raw("<li>");
    page.text(advice);
    page.raw(" <span class=\"items\">");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            page.raw(", ");
        }
        page.el("code", "", item);
    }
    page.raw("</span></li>");
}
