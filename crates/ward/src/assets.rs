//! `ward generate-assets DIR` (hidden): the man pages and shell completions, generated from the
//! same clap definition the binary parses with, so they never drift from `--help`. The .deb
//! build runs it (packaging/build-deb.sh); no build script or xtask is involved.

use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;

use crate::cli::Cli;
use crate::exit;

/// Writes `DIR/man/ward.1.gz`, one page per subcommand (`ward-hunt.1.gz`, …; gzipped, as
/// Debian installs man pages)
/// and `DIR/completions/{ward.bash,_ward,ward.fish}`.
pub fn write(dir: &Path) -> Result<u8> {
    let man = dir.join("man");
    std::fs::create_dir_all(&man).with_context(|| format!("creating {}", man.display()))?;
    let mut cmd = Cli::command();
    cmd.build();
    write_pages(&cmd, &man)?;
    let completions = dir.join("completions");
    std::fs::create_dir_all(&completions)
        .with_context(|| format!("creating {}", completions.display()))?;
    use clap_complete::Shell;
    for (shell, name) in [
        (Shell::Bash, "ward.bash"),
        (Shell::Zsh, "_ward"),
        (Shell::Fish, "ward.fish"),
    ] {
        let path = completions.join(name);
        let mut file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        clap_complete::generate(shell, &mut Cli::command(), "ward", &mut file);
    }
    Ok(exit::OK)
}

/// One page for `cmd`, then one for each visible subcommand, named as clap displays it once
/// built (`ward-rules-update.1.gz`).
fn write_pages(cmd: &clap::Command, man: &Path) -> Result<()> {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name());
    let path = man.join(format!("{name}.1.gz"));
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    clap_mangen::Man::new(cmd.clone())
        .render(&mut gz)
        .and_then(|()| gz.finish().map(drop))
        .with_context(|| format!("writing {}", path.display()))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, man)?;
    }
    Ok(())
}
