//! The firewall files pass the real tools' checks — `nft -c -f`, `iptables-restore --test`,
//! `ip6tables-restore --test` — inside a network namespace made for the test, so the host's
//! firewall is never touched. Without root, `ip` or a tool, the check is skipped with a message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use ward_respond::{Indicator, IndicatorKind, Kit, KitOptions, blocklist};

/// A network namespace deleted when dropped.
struct Namespace(String);

impl Namespace {
    fn create() -> Result<Namespace, String> {
        Namespace::create_named("check")
    }

    /// `ward-test-<pid>-<purpose>`: tests of one run run in parallel, each in its own.
    fn create_named(purpose: &str) -> Result<Namespace, String> {
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| format!("id: {e}"))?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            return Err("not root, so no network namespace".into());
        }
        let name = format!("ward-test-{}-{purpose}", std::process::id());
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .map_err(|e| format!("ip netns add: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ip netns add {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Namespace(name))
    }

    /// Runs `tool args` in the namespace; None when the tool is not installed.
    fn run(&self, tool: &str, args: &[&str]) -> Option<Output> {
        let installed = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            return None;
        }
        let out = Command::new("ip")
            .args(["netns", "exec", &self.0, tool])
            .args(args)
            .output()
            .expect("run ip netns exec");
        Some(out)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn indicator(kind: IndicatorKind, value: &str) -> Indicator {
    Indicator {
        kind,
        value: value.into(),
        hash_type: None,
        hosts: BTreeSet::new(),
        sightings: 1,
        first_seen: None,
        last_seen: None,
        sources: BTreeSet::new(),
    }
}

/// Kits to check: the hostile one of `tests/blocklist.rs` in short, an empty one, a large one.
fn kits() -> Vec<(&'static str, Kit)> {
    let small = [
        (IndicatorKind::Ip, "185.141.27.90"),
        (IndicatorKind::Ip, "2001:db8::1"),
        (IndicatorKind::Domain, "c2.example.net"),
        (IndicatorKind::Ip, "1.2.3.4; rm -rf /"),
        (IndicatorKind::Domain, "evil.com\nflush ruleset"),
        (IndicatorKind::Domain, "a\"b"),
        (IndicatorKind::Ip, "$(x)"),
    ];
    let large = (0..300u32).flat_map(|n| {
        [
            indicator(
                IndicatorKind::Ip,
                &format!("203.0.{}.{}", n / 250, n % 250 + 1),
            ),
            indicator(IndicatorKind::Ip, &format!("2001:db8::{n:x}")),
        ]
    });
    vec![
        (
            "small",
            Kit {
                case_time: "2026-03-05T10:00:00Z".into(),
                indicators: small.iter().map(|(k, v)| indicator(*k, v)).collect(),
                ..Kit::default()
            },
        ),
        ("empty", Kit::default()),
        (
            "large",
            Kit {
                indicators: large.collect(),
                ..Kit::default()
            },
        ),
    ]
}

/// (file, tool, arguments before the file).
const CHECKS: &[(&str, &str, &[&str])] = &[
    ("nftables.nft", "nft", &["-c", "-f"]),
    ("iptables.rules", "iptables-restore", &["--test"]),
    ("ip6tables.rules", "ip6tables-restore", &["--test"]),
];

fn check(ns: &Namespace, tool: &str, args: &[&str], file: &Path) -> Option<Result<(), String>> {
    let path = file.to_str().expect("UTF-8 path");
    let all: Vec<&str> = args.iter().copied().chain([path]).collect();
    let out = ns.run(tool, &all)?;
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// The file with a rule an unchecked `1.2.3.4; rm -rf /` would have written.
fn injected(text: &str) -> String {
    if text.contains("COMMIT") {
        text.replace(
            "COMMIT",
            "-A WARD-BLOCK -d 1.2.3.4; rm -rf / -j DROP\nCOMMIT",
        )
    } else {
        text.replacen(
            "policy accept;\n",
            "policy accept;\n\t\tip daddr 1.2.3.4; rm -rf / drop\n",
            1,
        )
    }
}

#[test]
fn firewall_files_pass_the_real_tools() {
    let ns = match Namespace::create() {
        Ok(ns) => ns,
        Err(why) => {
            eprintln!("SKIPPED firewall syntax checks (nft -c, iptables-restore --test): {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    for (label, kit) in kits() {
        let files = blocklist::write(&kit, &KitOptions::default());
        for (name, tool, args) in CHECKS {
            let text = &files
                .iter()
                .find(|f| f.path == format!("blocklist/{name}"))
                .expect("file written")
                .text;
            let path: PathBuf = dir.path().join(format!("{label}-{name}"));
            std::fs::write(&path, text).expect("write");
            match check(&ns, tool, args, &path) {
                None => eprintln!(
                    "SKIPPED {name}: {tool} is not installed (scripts/install-test-deps.sh)"
                ),
                Some(result) => {
                    if let Err(e) = result {
                        panic!("{tool} refused the {label} kit's {name}: {e}\n{text}");
                    }
                    // The same check must fail on what an unchecked value would have made, or
                    // it proves nothing.
                    let broken = dir.path().join(format!("{label}-broken-{name}"));
                    std::fs::write(&broken, injected(text)).expect("write");
                    assert!(
                        matches!(check(&ns, tool, args, &broken), Some(Err(_))),
                        "{tool} accepted an injected {name}: the check proves nothing"
                    );
                }
            }
        }
    }
}

#[test]
fn nftables_script_applies_twice_and_leaves_one_table() {
    let ns = match Namespace::create_named("apply") {
        Ok(ns) => ns,
        Err(why) => {
            eprintln!("SKIPPED applying nftables.nft in a namespace: {why}");
            return;
        }
    };
    let (_, kit) = kits().remove(0);
    let files = blocklist::write(&kit, &KitOptions::default());
    let nft = &files
        .iter()
        .find(|f| f.path == "blocklist/nftables.nft")
        .expect("file")
        .text;
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("nftables.nft");
    std::fs::write(&path, nft).expect("write");
    let path = path.to_str().expect("UTF-8 path");
    for round in 1..=2 {
        let Some(out) = ns.run("nft", &["-f", path]) else {
            eprintln!("SKIPPED applying nftables.nft: nft is not installed");
            return;
        };
        assert!(
            out.status.success(),
            "nft -f, round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listed = ns.run("nft", &["list", "ruleset"]).expect("nft");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(
        listed.matches("table inet ward_block").count(),
        1,
        "{listed}"
    );
    assert!(listed.contains("185.141.27.90") && listed.contains("2001:db8::1"));
}
