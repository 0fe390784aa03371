//! Which command lines are discovery commands, and under what name they count. A table, so
//! adding a tool is adding a line.

/// Tools that are discovery whatever their arguments.
const ALWAYS: &[&str] = &[
    "ipconfig",
    "arp",
    "getmac",
    "hostname",
    "ver",
    "systeminfo",
    "netstat",
    "tasklist",
    "whoami",
    "nltest",
    "qwinsta",
    "quser",
    "nbtstat",
    "gpresult",
    "klist",
    "dsquery",
    "route",
    "net",
    "net1",
    "wmic",
    "query",
];

/// Tools that are discovery only with one of these arguments.
const WITH_ARG: &[(&str, &str)] = &[
    ("dir", "/s"),
    ("date", "/t"),
    ("time", "/t"),
    ("sc", "query"),
    ("reg", "query"),
    ("cmdkey", "/list"),
    ("set", ""),
    ("schtasks", "/query"),
    ("netsh", "show"),
    ("auditpol", "/get"),
    ("setspn", "-q"),
];

/// The name a discovery command counts under (`ipconfig`, `net view`, `wmic process`,
/// `dir /s`), or `None` when the command is not discovery. `cmd.exe /c "<command>" 2>nul`
/// counts as its inner command, however the image path precedes it.
pub fn recon_command(image: &str, command_line: &str) -> Option<String> {
    let line = command_line.trim().to_ascii_lowercase();
    let line = if line.is_empty() {
        super::base_name(image)
    } else {
        line
    };
    let (head, rest) = split_program(&line);
    if matches!(head.as_str(), "cmd" | "cmd.exe") {
        let inner = shell_payload(rest)?;
        let (h, r) = split_program(inner);
        return classify(&h, r);
    }
    classify(&head, rest)
}

/// Splits a command line into its program's base name (without `.exe`) and the rest.
fn split_program(line: &str) -> (String, &str) {
    let line = line.trim_start();
    let (program, rest) = if let Some(stripped) = line.strip_prefix('"') {
        match stripped.find('"') {
            Some(end) => (&stripped[..end], &stripped[end + 1..]),
            None => (stripped, ""),
        }
    } else {
        // An unquoted path with spaces: cut after `.exe` when present, else at the first space.
        match line.find(".exe") {
            Some(i) if !line[..i].contains(' ') || line[..i].contains('\\') => {
                (&line[..i + 4], &line[i + 4..])
            }
            _ => line.split_once([' ', '\t']).unwrap_or((line, "")),
        }
    };
    let base = super::base_name(program);
    let base = base.strip_suffix(".exe").unwrap_or(&base).to_string();
    (base, rest)
}

/// The command a shell was asked to run: what follows `/c` or `/k`, without quotes and
/// redirections.
fn shell_payload(rest: &str) -> Option<&str> {
    let i = rest.find("/c").or_else(|| rest.find("/k"))?;
    let mut inner = rest[i + 2..].trim();
    for cut in ["2>", ">>", ">", "|"] {
        if let Some(j) = inner.find(cut) {
            inner = &inner[..j];
        }
    }
    Some(inner.trim().trim_matches('"').trim())
}

fn classify(head: &str, rest: &str) -> Option<String> {
    let args: Vec<&str> = rest
        .split_whitespace()
        .map(|a| a.trim_matches('"'))
        .collect();
    match head {
        "net" | "net1" => {
            let sub = args.iter().find(|a| !a.starts_with('/'))?;
            let sub = match *sub {
                "users" => "user",
                "groups" => "group",
                s => s,
            };
            Some(format!("net {sub}"))
        }
        "wmic" => {
            let class = args
                .iter()
                .find(|a| !a.starts_with('/') && !a.contains(':'))?;
            Some(format!("wmic {class}"))
        }
        "set" => args.is_empty().then(|| "set".to_string()),
        "route" => args
            .first()
            .filter(|a| **a == "print")
            .map(|_| "route print".to_string()),
        h if ALWAYS.contains(&h) => Some(h.to_string()),
        h => {
            let (_, arg) = WITH_ARG.iter().find(|(t, _)| *t == h)?;
            args.iter().any(|a| a == arg).then(|| format!("{h} {arg}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::recon_command;

    #[test]
    fn shell_wrapped_commands_count_as_their_payload() {
        let img = r"C:\Windows\System32\cmd.exe";
        assert_eq!(
            recon_command(img, r#"cmd.exe /c "ipconfig /all" 2>nul"#).as_deref(),
            Some("ipconfig")
        );
        assert_eq!(
            recon_command(
                img,
                r#"C:\Windows\system32\cmd.exe /c "net localgroup administrators" 2>nul"#
            )
            .as_deref(),
            Some("net localgroup")
        );
        assert_eq!(
            recon_command(img, r#""C:\Windows\system32\cmd.exe" /C "net users""#).as_deref(),
            Some("net user")
        );
        assert_eq!(
            recon_command(img, r#"cmd /c "dir /s /a c:\ >> C:\Windows\TEMP\x.tmp""#).as_deref(),
            Some("dir /s")
        );
        assert_eq!(
            recon_command(img, r#"cmd.exe /c "date /t" 2>nul"#).as_deref(),
            Some("date /t")
        );
        assert_eq!(
            recon_command(img, r#"cmd.exe /c "set" 2>nul"#).as_deref(),
            Some("set")
        );
        assert_eq!(recon_command(img, r#"cmd.exe /c "copy a b""#), None);
    }

    #[test]
    fn direct_tools_are_classified() {
        assert_eq!(
            recon_command(
                r"C:\Windows\System32\wbem\WMIC.exe",
                "wmic /node:x process list"
            )
            .as_deref(),
            Some("wmic process")
        );
        assert_eq!(
            recon_command(r"C:\Windows\System32\ROUTE.EXE", "route print").as_deref(),
            Some("route print")
        );
        assert_eq!(
            recon_command(
                r"C:\Windows\System32\net.exe",
                r#""C:\Windows\system32\net.exe" view"#
            )
            .as_deref(),
            Some("net view")
        );
        assert_eq!(
            recon_command(r"C:\Windows\System32\whoami.exe", "").as_deref(),
            Some("whoami")
        );
        assert_eq!(
            recon_command(r"C:\Windows\notepad.exe", "notepad.exe a.txt"),
            None
        );
    }
}
