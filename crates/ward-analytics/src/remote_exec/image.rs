//! Service image paths as the Service Control Manager logs them: quoted, with arguments, behind
//! `%COMSPEC%` or `%SystemRoot%` — which file runs, and whether it sits where remote-execution
//! tools put theirs.

use crate::recon::base_name;

/// Lower-case file name of a service's executable, from an image path that may be quoted,
/// carry arguments, or start with an environment variable.
pub fn image_file(image_path: &str) -> String {
    let p = image_path.trim();
    let first = p.split_whitespace().next().unwrap_or("");
    if first.eq_ignore_ascii_case("%comspec%") {
        return "cmd.exe".into();
    }
    let exe = if let Some(rest) = p.strip_prefix('"') {
        rest.split('"').next().unwrap_or(rest)
    } else {
        let lower = p.to_ascii_lowercase();
        match lower.find(".exe") {
            Some(i) => p.get(..i + 4).unwrap_or(p),
            None => p.split_whitespace().next().unwrap_or(p),
        }
    };
    // An unquoted path with spaces before `.exe` (`… /min powershell.exe`): the last word.
    let base = base_name(exe);
    base.rsplit(' ').next().unwrap_or(&base).to_string()
}

/// True for service images that remote-execution tools install: an executable straight in the
/// Windows folder (what `ADMIN$` exposes), an `ADMIN$` path, or a shell one-liner.
pub fn looks_remote_exec(image_path: &str) -> bool {
    let p = image_path.trim().trim_matches('"').to_ascii_lowercase();
    let in_windows_root = [
        "%systemroot%\\",
        "%windir%\\",
        "c:\\windows\\",
        "\\systemroot\\",
    ]
    .iter()
    .any(|root| {
        p.strip_prefix(root)
            .is_some_and(|rest| !rest.contains('\\') && rest.contains(".exe"))
    });
    let shell = [
        "%comspec%",
        "cmd.exe /c",
        "cmd /c",
        "cmd.exe /q /c",
        "powershell",
    ]
    .iter()
    .any(|s| p.starts_with(s) || p.contains(&format!("\\{s}")));
    in_windows_root || shell || p.contains("\\admin$\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_images_name_their_file() {
        assert_eq!(image_file(r"%SYSTEMROOT%\duKhLYUX.exe"), "dukhlyux.exe");
        assert_eq!(
            image_file(r"C:\Windows\System32\wmiapsrvex.exe ControlTrace -Embedding -k"),
            "wmiapsrvex.exe"
        );
        assert_eq!(
            image_file(r#""C:\Program Files\Tool\svc.exe" -run"#),
            "svc.exe"
        );
        assert_eq!(
            image_file("%COMSPEC% /b /c start /b /min powershell.exe -nop"),
            "cmd.exe"
        );
        assert_eq!(
            image_file(r"C:\Program Files\Vendor\agent.exe /svc"),
            "agent.exe"
        );
    }

    #[test]
    fn remote_exec_images_are_recognised() {
        assert!(looks_remote_exec(r"%SYSTEMROOT%\duKhLYUX.exe"));
        assert!(looks_remote_exec(r"%SystemRoot%\PSEXESVC.exe"));
        assert!(looks_remote_exec(
            r"%COMSPEC% /b /c start /b /min powershell.exe -nop"
        ));
        assert!(!looks_remote_exec(
            r"C:\Windows\System32\svchost.exe -k netsvcs"
        ));
        assert!(!looks_remote_exec(r"C:\Program Files\Vendor\agent.exe"));
    }
}
