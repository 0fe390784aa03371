//! Files followed as they grow: across rotation (the path now names another inode: the old
//! file is read to its end first) and truncation (the file shrank: start again at 0).
//! Each batch carries the offset just past its last complete line; on restart a file resumes
//! at the committed offset when its identity (device and inode) still matches.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::InputContext;
use crate::decode::Envelope;
use crate::metrics::DropReason;
use crate::pipeline::{Batch, Progress};
use crate::store::Offset;

const CHUNK: usize = 256 * 1024;

/// One file being followed.
struct Followed {
    file: File,
    origin: Arc<str>,
    identity: String,
    /// Offset just past the last complete line handed on.
    position: u64,
    /// Bytes of an unfinished last line.
    partial: Vec<u8>,
}

/// Spawns the polling task.
pub(super) fn start(
    path: PathBuf,
    suffix: Option<String>,
    poll_ms: u64,
    offsets: Arc<Vec<Offset>>,
    ctx: InputContext,
) {
    tokio::spawn(async move {
        let mut followed: HashMap<PathBuf, Followed> = HashMap::new();
        let poll = Duration::from_millis(poll_ms.max(10));
        loop {
            for file in list(&path, suffix.as_deref()).await {
                if follow(&file, &mut followed, &offsets, &ctx).await.is_err() {
                    return; // the queue closed: the monitor is stopping
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = ctx.shutdown.wait() => return,
            }
        }
    });
}

/// The files to follow: the path itself, or the folder's files ending with `suffix`.
async fn list(path: &Path, suffix: Option<&str>) -> Vec<PathBuf> {
    let Ok(meta) = tokio::fs::metadata(path).await else {
        return Vec::new();
    };
    if !meta.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    if let Ok(mut entries) = tokio::fs::read_dir(path).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name();
            let matches = suffix.is_none_or(|s| name.to_string_lossy().ends_with(s));
            if matches && entry.file_type().await.is_ok_and(|t| t.is_file()) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

fn identity(meta: &std::fs::Metadata) -> String {
    format!("{}:{}", meta.dev(), meta.ino())
}

/// Reads what is new in one path, handling rotation and truncation. Err when the queue closed.
async fn follow(
    path: &Path,
    followed: &mut HashMap<PathBuf, Followed>,
    offsets: &[Offset],
    ctx: &InputContext,
) -> Result<(), ()> {
    let key = format!("{}:{}", ctx.name, path.display());
    let current = tokio::fs::metadata(path).await.ok();
    if let Some(f) = followed.get_mut(path) {
        let same = current
            .as_ref()
            .is_some_and(|meta| identity(meta) == f.identity);
        // Truncation is judged before reading, against what had been read when the path was
        // looked at: judged after, a line appended in between made the stale length look
        // shorter than the new position, and the whole file was read again.
        if same && current.as_ref().is_some_and(|meta| meta.len() < f.position) {
            f.position = 0;
            f.partial.clear();
            if f.file.seek(std::io::SeekFrom::Start(0)).await.is_err() {
                followed.remove(path);
            }
        } else {
            // Finish what the old inode (or the current one) has before deciding anything.
            read_new(f, &key, ctx).await?;
            if same {
                return Ok(());
            }
            followed.remove(path); // rotated or gone: the old inode was read to its end
        }
    }
    if followed.contains_key(path) || current.is_none() {
        return read_again(path, followed, &key, ctx).await;
    }
    let Ok(mut file) = File::open(path).await else {
        return Ok(());
    };
    let Ok(meta) = file.metadata().await else {
        return Ok(());
    };
    let id = identity(&meta);
    // Resume where the last commit left this inode, if it is still the same file.
    let position = offsets
        .iter()
        .find(|o| o.input == key && o.identity == id)
        .map_or(0, |o| o.position)
        .min(meta.len());
    if file.seek(std::io::SeekFrom::Start(position)).await.is_err() {
        return Ok(());
    }
    let origin: Arc<str> = Arc::from(path.display().to_string());
    followed.insert(
        path.to_path_buf(),
        Followed {
            file,
            origin,
            identity: id,
            position,
            partial: Vec::new(),
        },
    );
    read_again(path, followed, &key, ctx).await
}

async fn read_again(
    path: &Path,
    followed: &mut HashMap<PathBuf, Followed>,
    key: &str,
    ctx: &InputContext,
) -> Result<(), ()> {
    match followed.get_mut(path) {
        Some(f) => read_new(f, key, ctx).await,
        None => Ok(()),
    }
}

/// Reads to the current end, handing on complete lines with the offset after them.
async fn read_new(f: &mut Followed, key: &str, ctx: &InputContext) -> Result<(), ()> {
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match f.file.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        let start_of_partial = f.position;
        f.partial
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        let Some(last_nl) = f.partial.iter().rposition(|b| *b == b'\n') else {
            if f.partial.len() > ctx.max_message {
                ctx.metrics.add_dropped(DropReason::Oversize, 1);
                f.position += f.partial.len() as u64;
                f.partial.clear();
            }
            continue;
        };
        let complete: Vec<u8> = f.partial.drain(..=last_nl).collect();
        let mut events = Vec::new();
        let mut line_start = start_of_partial;
        for line in complete.split(|b| *b == b'\n') {
            if !line.is_empty() {
                let envelope = Envelope {
                    origin: Some((&f.origin, line_start)),
                    host: None,
                    time: None,
                };
                ctx.decode(line, &envelope, &mut events);
            }
            line_start += line.len() as u64 + 1;
        }
        f.position = start_of_partial + complete.len() as u64;
        let offset = Offset {
            input: key.to_string(),
            identity: f.identity.clone(),
            position: f.position,
        };
        ctx.queue
            .send(Batch {
                events,
                progress: Progress::Offset(offset),
            })
            .await
            .map_err(|_| ())?;
    }
}
