//! Installed rule sets: `ward rules update`, `rollback`, `list` and `show`, and the set that
//! hunt, audit and monitor load by default.

pub mod fetch;
pub mod package;
pub mod profile;
pub mod store;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use ward_sigma::{Mapping, RuleSetBuilder};

use crate::cli::{RulesHomeArgs, RulesShowArgs, RulesUpdateArgs};
use crate::exit;
use store::{InstalledSet, Manifest};

/// Lines listed per kind of change before "… and N more".
const DIFF_LINES: usize = 40;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The installed set hunt, audit and monitor load, unless `skip` (`--no-default-rules`).
/// An unreadable set is an error: running silently without it would hide a broken install.
pub fn default_set(skip: bool, home: Option<&Path>) -> Result<Option<InstalledSet>> {
    if skip {
        return Ok(None);
    }
    let Ok(home) = store::home(home) else {
        return Ok(None);
    };
    store::current(&home)
}

/// How the case names the rules it ran: the installed set, or how to get one.
pub fn set_label(set: Option<&InstalledSet>, skipped: bool) -> String {
    match set {
        Some(set) => set.manifest.describe(),
        None if skipped => "no installed rule set (--no-default-rules)".to_string(),
        None => "no installed rule set: only Ward's own rules and -r; install SigmaHQ's with \
                 `ward rules update`"
            .to_string(),
    }
}

/// `ward rules update`: fetch, verify, unpack, install, and print what changed.
pub fn update(args: RulesUpdateArgs) -> Result<u8> {
    let home = store::home(args.home.rules_home.as_deref())?;
    let mut source = match &args.from {
        Some(location) => fetch::Source {
            location: location.clone(),
            sha256: None,
            version: fetch::version_from_url(location),
        },
        None => fetch::latest_sigmahq()?,
    };
    if let Some(pinned) = &args.sha256 {
        if !fetch::is_sha256(pinned) {
            bail!("--sha256 {pinned}: expected 64 hexadecimal digits");
        }
        source.sha256 = Some(pinned.to_ascii_lowercase());
    }
    if let Some(version) = &args.release {
        source.version = Some(version.clone());
    }
    eprintln!("ward: fetching {}", source.location);
    let bytes = fetch::read(&source.location)?;
    let actual = sha256_hex(&bytes);
    let expected = match source.sha256.clone() {
        Some(hash) => Some(hash),
        None => published_checksum(&args, &source.location)?,
    };
    let verified = match expected {
        Some(expected) => {
            fetch::verify(&actual, &expected, &source.location)?;
            true
        }
        None if args.insecure => {
            eprintln!(
                "ward: warning: installing {} unverified (--insecure); its SHA-256 is {actual}",
                source.location
            );
            false
        }
        None => bail!(
            "refusing {}: nothing to check its SHA-256 ({actual}) against; pin it with --sha256 \
             HEX, give a checksum file with --checksum URL|FILE, or install it unverified with \
             --insecure",
            source.location
        ),
    };

    let staged = store::staging_dir(&home)?;
    let result = stage(&bytes, &args, &source, &actual, verified, &staged);
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
    };
    if manifest.rules.is_empty() {
        let _ = std::fs::remove_dir_all(&staged);
        bail!(
            "{} holds no rule of profile {}; nothing was installed",
            source.location,
            args.profile.name()
        );
    }
    let old = store::current(&home).ok().flatten();
    let dir = store::install(&home, &staged, &manifest)?;
    println!(
        "Installed {} into {}: {} load, {} do not (`ward rules list --problems`).",
        manifest.describe(),
        dir.display(),
        manifest.loaded,
        manifest.not_loading.len()
    );
    match old {
        Some(old) => print_diff(&old.manifest, &manifest),
        None => println!("No earlier set: every rule is new."),
    }
    Ok(exit::OK)
}

/// The SHA-256 from `--checksum`, else from `<package URL>.sha256` when the source publishes one.
fn published_checksum(args: &RulesUpdateArgs, location: &str) -> Result<Option<String>> {
    let name = fetch::file_name(location);
    if let Some(checksum) = &args.checksum {
        let text = fetch::read(checksum)?;
        let hash = fetch::checksum_for(&String::from_utf8_lossy(&text), name)
            .with_context(|| format!("{checksum} names no SHA-256 for {name}"))?;
        return Ok(Some(hash));
    }
    let beside = format!("{location}.sha256");
    Ok(fetch::read(&beside)
        .ok()
        .and_then(|text| fetch::checksum_for(&String::from_utf8_lossy(&text), name)))
}

/// Unpacks the package into `staged` and records what loads.
fn stage(
    bytes: &[u8],
    args: &RulesUpdateArgs,
    source: &fetch::Source,
    sha256: &str,
    verified: bool,
    staged: &Path,
) -> Result<Manifest> {
    let unpacked = package::unpack(bytes, args.profile, staged)
        .with_context(|| format!("unpacking {}", source.location))?;
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    builder
        .add_path(staged)
        .with_context(|| format!("loading {}", staged.display()))?;
    let (_rules, report) = builder.build();
    let prefix = format!("{}/", staged.display());
    let mut not_loading = BTreeMap::new();
    for p in &report.problems {
        let key = p
            .rule_id
            .clone()
            .unwrap_or_else(|| p.origin.trim_start_matches(&prefix).to_string());
        not_loading.insert(key, format!("{}: {}", p.reason, p.detail));
    }
    Ok(Manifest {
        publisher: "SigmaHQ".to_string(),
        version: source
            .version
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", &sha256[..12])),
        profile: args.profile.name().to_string(),
        source: source.location.clone(),
        sha256: sha256.to_string(),
        verified,
        installed_at: jiff::Timestamp::now().to_string(),
        loaded: report.loaded,
        rules: unpacked.rules,
        not_loading,
    })
}

/// Prints rules added, removed, changed, and those that loaded before and no longer do.
fn print_diff(old: &Manifest, new: &Manifest) {
    let added: Vec<&String> = new
        .rules
        .keys()
        .filter(|k| !old.rules.contains_key(*k))
        .collect();
    let removed: Vec<&String> = old
        .rules
        .keys()
        .filter(|k| !new.rules.contains_key(*k))
        .collect();
    let changed: Vec<&String> = new
        .rules
        .iter()
        .filter(|(k, r)| old.rules.get(*k).is_some_and(|o| o.sha256 != r.sha256))
        .map(|(k, _)| k)
        .collect();
    let broken: Vec<&String> = new
        .not_loading
        .keys()
        .filter(|k| old.rules.contains_key(*k) && !old.not_loading.contains_key(*k))
        .collect();
    println!(
        "Changes from {}: {} added, {} removed, {} changed, {} no longer load.",
        old.describe(),
        added.len(),
        removed.len(),
        changed.len(),
        broken.len()
    );
    let title = |m: &Manifest, k: &str| m.rules.get(k).map_or("", |r| r.title.as_str()).to_string();
    list_some("+", &added, |k| title(new, k));
    list_some("-", &removed, |k| title(old, k));
    list_some("~", &changed, |k| title(new, k));
    list_some("!", &broken, |k| {
        format!(
            "{}: {}",
            title(new, k),
            new.not_loading.get(k).map_or("", String::as_str)
        )
    });
}

fn list_some(mark: &str, keys: &[&String], text: impl Fn(&str) -> String) {
    for k in keys.iter().take(DIFF_LINES) {
        println!("  {mark} {k}  {}", text(k));
    }
    if keys.len() > DIFF_LINES {
        println!("  {mark} … and {} more", keys.len() - DIFF_LINES);
    }
}

/// `ward rules rollback`: the set before the last update becomes current again.
pub fn rollback(args: RulesHomeArgs) -> Result<u8> {
    let home = store::home(args.rules_home.as_deref())?;
    let (from, to) = store::rollback(&home)?;
    println!(
        "Rolled back from {} to {}.",
        from.manifest.describe(),
        to.manifest.describe()
    );
    print_diff(&from.manifest, &to.manifest);
    Ok(exit::OK)
}

/// `ward rules list`: the installed set's rules, or only those that do not load.
pub fn list(args: crate::cli::RulesListArgs) -> Result<u8> {
    let set = installed(args.home.rules_home.as_deref())?;
    let m = &set.manifest;
    println!(
        "# {} from {} ({}), installed {}",
        m.describe(),
        m.source,
        if m.verified {
            "SHA-256 verified"
        } else {
            "unverified"
        },
        m.installed_at
    );
    for (id, rule) in &m.rules {
        let problem = m.not_loading.get(id);
        if args.problems && problem.is_none() {
            continue;
        }
        println!(
            "{id}\t{}\t{}\t{}{}",
            rule.level.as_deref().unwrap_or("-"),
            rule.status.as_deref().unwrap_or("-"),
            rule.title,
            problem.map_or(String::new(), |p| format!("\t(does not load: {p})"))
        );
    }
    Ok(exit::OK)
}

/// `ward rules show ID`: one installed rule, as written, and whether it loads.
pub fn show(args: RulesShowArgs) -> Result<u8> {
    let set = installed(args.home.rules_home.as_deref())?;
    let m = &set.manifest;
    let Some(rule) = m.rules.get(&args.id) else {
        bail!(
            "no rule {} in {} (`ward rules list` lists them)",
            args.id,
            m.describe()
        );
    };
    let path = set.dir.join(&rule.path);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    println!("# {} ({})", path.display(), m.describe());
    match m.not_loading.get(&args.id) {
        Some(why) => println!("# does not load: {why}"),
        None => println!("# loads"),
    }
    print!("{text}");
    Ok(exit::OK)
}

fn installed(home: Option<&Path>) -> Result<InstalledSet> {
    let home = store::home(home)?;
    store::current(&home)?.with_context(|| {
        format!(
            "no rule set installed under {} (install one with `ward rules update`)",
            home.display()
        )
    })
}

/// The installed set's line for `ward --version`.
pub fn version_line() -> String {
    match default_set(
        false,
        std::env::var_os("WARD_RULES_HOME")
            .as_deref()
            .map(Path::new),
    ) {
        Ok(Some(set)) => format!("rules: {}", set.manifest.describe()),
        Ok(None) => "rules: none installed (`ward rules update`)".to_string(),
        Err(e) => format!("rules: unreadable ({e:#})"),
    }
}
