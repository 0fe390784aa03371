//! `ward audit`: hunt the logs given, read the inventory, policy and hash exports beside them,
//! and check the controls that stop the next worm.

use anyhow::{Context, Result, bail};
use ward_audit::{AuditConfig, AuditError, Auditor};

use crate::cli::AuditArgs;
use crate::hunt::{display_paths, finish, hunt_case};

/// Runs `ward audit`.
pub fn run(args: AuditArgs) -> Result<u8> {
    let config = match args.as_of {
        Some(t) => AuditConfig::as_of(t),
        None => AuditConfig::default(),
    };
    let mut auditor = Auditor::new(config);
    if let Some(list) = &args.breached {
        if !list.is_file() {
            bail!("breached-password list {} is not a file", list.display());
        }
        auditor.set_breached_list(list);
    }
    let mut logs = Vec::new();
    for path in ward_ingest::discover(&args.paths)? {
        // Inventory and policy files go to the auditor; anything it does not know is read as a log.
        match auditor.add_file(&path) {
            Ok(()) => {}
            Err(AuditError::UnknownFormat { .. }) => logs.push(path),
            Err(e) => return Err(e).with_context(|| format!("auditing {}", path.display())),
        }
    }
    if logs.is_empty()
        && auditor.inputs().inventory_files.is_empty()
        && auditor.inputs().policy_files.is_empty()
        && auditor.inputs().hash_exports.is_empty()
    {
        bail!("nothing to audit under {}", display_paths(&args.paths));
    }
    let mut case = hunt_case(logs, &args.hunt, &mut auditor)?;
    case.readiness = Some(auditor.finish());
    finish(&case, &args.hunt)
}
