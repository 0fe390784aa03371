//! A breached-password list (Have I Been Pwned NTLM `HASH:COUNT` lines, sorted by hash) searched
//! where it lies: interpolation and bisection over byte offsets, one page read per probe. The
//! file is tens of gigabytes; it is never loaded.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read per probe: one page holds dozens of lines.
const PAGE: u64 = 4096;

/// What the lookups cost, so a caller (or a test) can see the file was not read whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Hashes looked up.
    pub lookups: u64,
    /// Reads issued (one seek each).
    pub reads: u64,
    /// Bytes read.
    pub bytes_read: u64,
}

/// A sorted `HASH:COUNT` list opened for lookups.
#[derive(Debug)]
pub struct BreachedList<R> {
    input: R,
    len: u64,
    stats: LookupStats,
    buf: Vec<u8>,
}

impl BreachedList<File> {
    /// Opens a list on disk.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(BreachedList::from_reader(file, len))
    }
}

/// One line found at a byte offset: where it starts, where the next starts, its hash and count.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: u64,
    next: u64,
    hash: u128,
    count: u64,
}

impl<R: Read + Seek> BreachedList<R> {
    /// Wraps any seekable input of `len` bytes.
    pub fn from_reader(input: R, len: u64) -> Self {
        BreachedList {
            input,
            len,
            stats: LookupStats::default(),
            buf: Vec::new(),
        }
    }

    /// Costs so far.
    pub fn stats(&self) -> LookupStats {
        self.stats
    }

    /// The breach count of an NT hash, or `None` when the list does not hold it.
    pub fn lookup(&mut self, nt_hash: &[u8; 16]) -> io::Result<Option<u64>> {
        self.stats.lookups += 1;
        let target = u128::from_be_bytes(*nt_hash);
        // Invariant: a line holding `target` starts in [lo, hi); keys bound the hashes there.
        let (mut lo, mut hi) = (0u64, self.len);
        let (mut lo_key, mut hi_key) = (0u128, u128::MAX);
        let mut bisect = false;
        while hi - lo > 2 * PAGE {
            let probe = if bisect {
                lo + (hi - lo) / 2
            } else {
                interpolate(lo, hi, lo_key, hi_key, target)
            };
            // Alternate guesses with halvings so a skewed file still costs O(log n) probes.
            bisect = !bisect;
            match self.line_from(probe)? {
                Some(line) if line.start < hi => match line.hash.cmp(&target) {
                    std::cmp::Ordering::Equal => return Ok(Some(line.count)),
                    std::cmp::Ordering::Less => (lo, lo_key) = (line.next, line.hash),
                    std::cmp::Ordering::Greater => (hi, hi_key) = (probe, line.hash),
                },
                _ => hi = probe,
            }
        }
        self.scan(lo, hi, target)
    }

    /// The first whole line starting at or after `pos`.
    fn line_from(&mut self, pos: u64) -> io::Result<Option<Line>> {
        // Start one byte early so a line starting exactly at `pos` is seen after its newline.
        let at = pos.saturating_sub(1);
        self.read_at(at, PAGE)?;
        let skip = if pos == 0 {
            0
        } else {
            match self.buf.iter().position(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => return Ok(None),
            }
        };
        let start = at + skip as u64;
        Ok(parse_line(self.buf.get(skip..).unwrap_or(&[]), start))
    }

    /// Reads lines starting in [lo, hi) in one go and looks for `target`.
    fn scan(&mut self, lo: u64, hi: u64, target: u128) -> io::Result<Option<u64>> {
        let Some(first) = self.line_from(lo)? else {
            return Ok(None);
        };
        // A line is under 100 bytes; read past `hi` to finish the last one.
        self.read_at(first.start, hi.saturating_sub(first.start) + 128)?;
        let mut offset = 0usize;
        while let Some(line) = parse_line(
            self.buf.get(offset..).unwrap_or(&[]),
            first.start + offset as u64,
        ) {
            if line.start >= hi || line.hash > target {
                return Ok(None);
            }
            if line.hash == target {
                return Ok(Some(line.count));
            }
            offset = usize::try_from(line.next - first.start).unwrap_or(usize::MAX);
        }
        Ok(None)
    }

    fn read_at(&mut self, at: u64, want: u64) -> io::Result<()> {
        let want = want.min(self.len.saturating_sub(at));
        self.buf.clear();
        self.input.seek(SeekFrom::Start(at))?;
        (&mut self.input).take(want).read_to_end(&mut self.buf)?;
        self.stats.reads += 1;
        self.stats.bytes_read += self.buf.len() as u64;
        Ok(())
    }
}

/// Where `target` should sit if hashes spread evenly between the keys bounding [lo, hi).
fn interpolate(lo: u64, hi: u64, lo_key: u128, hi_key: u128, target: u128) -> u64 {
    let span = hi_key.saturating_sub(lo_key).max(1);
    let frac = (target.saturating_sub(lo_key) as f64) / (span as f64);
    let guess = lo + ((hi - lo) as f64 * frac.clamp(0.0, 1.0)) as u64;
    // Land a little early so the line holding the target is not skipped past.
    guess.saturating_sub(64).clamp(lo + 1, hi - 1)
}

/// Parses `HASH:COUNT` at the start of `bytes`; `None` when no whole line is there.
fn parse_line(bytes: &[u8], start: u64) -> Option<Line> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let text = std::str::from_utf8(bytes.get(..end)?)
        .ok()?
        .trim_end_matches('\r');
    let (hash, count) = text.split_once(':').unwrap_or((text, "0"));
    Some(Line {
        start,
        next: start + end as u64 + 1,
        hash: u128::from_str_radix(hash.trim(), 16).ok()?,
        count: count.trim().parse().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn list(hashes: &[u128]) -> BreachedList<Cursor<Vec<u8>>> {
        let mut text = String::new();
        for (i, h) in hashes.iter().enumerate() {
            text.push_str(&format!("{h:032X}:{}\r\n", i + 1));
        }
        let len = text.len() as u64;
        BreachedList::from_reader(Cursor::new(text.into_bytes()), len)
    }

    #[test]
    fn finds_first_last_and_middle_and_misses_gaps() {
        let hashes: Vec<u128> = (1..=5000u128).map(|i| i * 1_000_003).collect();
        let mut l = list(&hashes);
        for (i, h) in hashes.iter().enumerate().step_by(499) {
            assert_eq!(
                l.lookup(&h.to_be_bytes()).unwrap(),
                Some(i as u64 + 1),
                "hash #{i}"
            );
        }
        assert_eq!(l.lookup(&hashes[4999].to_be_bytes()).unwrap(), Some(5000));
        assert_eq!(l.lookup(&(hashes[10] + 1).to_be_bytes()).unwrap(), None);
        assert_eq!(l.lookup(&0u128.to_be_bytes()).unwrap(), None);
        assert_eq!(l.lookup(&u128::MAX.to_be_bytes()).unwrap(), None);
    }

    #[test]
    fn an_empty_or_tiny_list_answers_none() {
        assert_eq!(list(&[]).lookup(&[0; 16]).unwrap(), None);
        assert_eq!(list(&[7]).lookup(&7u128.to_be_bytes()).unwrap(), Some(1));
    }
}
