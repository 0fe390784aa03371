//! The breached-password list is searched where it lies: a 10-million-line sorted file is
//! generated, a few hashes are looked up, and the cost is measured in reads and bytes.

mod common;
use common::*;
use std::io::{BufWriter, Write};
use std::time::Instant;
use ward_audit::BreachedList;

const LINES: u128 = 10_000_000;

/// NT hashes of `zebra-Lantern-42-quiet` (adm-jo in ntds.txt) and `Kestrel!Orchard!Drum` (drlee).
const ADM_JO: &str = "6318329f18663b95cb60039d08e90683";
const DRLEE: &str = "60e6900dbc6980754b3b77da7e143584";

fn hash(hex: &str) -> [u8; 16] {
    u128::from_str_radix(hex, 16).unwrap().to_be_bytes()
}

/// Writes `LINES` evenly spaced hashes (count = line number) plus `extra` (count 4242) in order.
fn write_list(path: &std::path::Path, extra: &[u128]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let step = u128::MAX / LINES;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut extra = extra.iter().copied().peekable();
    let mut line = [0u8; 64];
    let mut write = |out: &mut BufWriter<std::fs::File>, v: u128, count: u64| {
        for (i, slot) in line[..32].iter_mut().enumerate() {
            *slot = HEX[((v >> (124 - 4 * i)) & 0xF) as usize];
        }
        line[32] = b':';
        let digits = count.to_string();
        let end = 33 + digits.len();
        line[33..end].copy_from_slice(digits.as_bytes());
        line[end] = b'\n';
        out.write_all(&line[..=end]).unwrap();
    };
    for i in 0..LINES {
        let v = i * step + 7;
        while let Some(&x) = extra.peek().filter(|&&x| x < v) {
            write(&mut out, x, 4242);
            extra.next();
        }
        write(&mut out, v, i as u64 + 1);
    }
    for x in extra {
        write(&mut out, x, 4242);
    }
    out.flush().unwrap();
}

#[test]
fn ten_million_lines_are_searched_in_a_few_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pwned-passwords-ntlm-ordered-by-hash.txt");
    let mut extra = vec![u128::from_str_radix(ADM_JO, 16).unwrap()];
    extra.sort();
    let started = Instant::now();
    write_list(&path, &extra);
    let size = std::fs::metadata(&path).unwrap().len();
    eprintln!("wrote {size} bytes in {:?}", started.elapsed());
    assert!(size > 300_000_000, "10M lines expected, got {size} bytes");

    let mut list = BreachedList::open(&path).unwrap();
    let step = u128::MAX / LINES;
    let started = Instant::now();
    assert_eq!(list.lookup(&hash(ADM_JO)).unwrap(), Some(4242));
    assert_eq!(list.lookup(&hash(DRLEE)).unwrap(), None);
    assert_eq!(
        list.lookup(&(7u128).to_be_bytes()).unwrap(),
        Some(1),
        "first line"
    );
    assert_eq!(
        list.lookup(&((LINES - 1) * step + 7).to_be_bytes())
            .unwrap(),
        Some(10_000_000),
        "last line"
    );
    assert_eq!(
        list.lookup(&(5_000_000 * step + 7).to_be_bytes()).unwrap(),
        Some(5_000_001)
    );
    assert_eq!(
        list.lookup(&(5_000_000 * step + 8).to_be_bytes()).unwrap(),
        None,
        "between two lines"
    );
    assert_eq!(list.lookup(&[0xFF; 16]).unwrap(), None, "past the end");
    let took = started.elapsed();
    let stats = list.stats();
    eprintln!("7 lookups in {took:?}: {stats:?}");
    assert!(took.as_millis() < 500, "7 lookups took {took:?}");
    assert_eq!(stats.lookups, 7);
    // A few pages per lookup, never the file (409 MB): at most 8 reads and 24 KiB each on
    // average (measured: 38 reads, 119,557 bytes for the 7).
    assert!(stats.reads <= 7 * 8, "{stats:?}");
    assert!(stats.bytes_read <= 7 * 24 * 1024, "{stats:?}");

    // The same file through the auditor: adm-jo's password is breached, nobody else's.
    let mut a = auditor();
    a.add_file(&data("ntds.txt")).unwrap();
    a.set_breached_list(&path);
    let r = a.finish();
    let c = check(&r, "password-quality");
    assert!(
        has_line(c, &["password in the breached list (1): CLINIC\\adm-jo"]),
        "{:#?}",
        c.evidence
    );
}

#[test]
fn a_breached_list_given_as_a_file_is_sniffed_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hibp.txt");
    std::fs::write(
        &path,
        format!(
            "0000000000000000000000000000000A:3\n{}:12\nFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0:1\n",
            ADM_JO.to_uppercase()
        ),
    )
    .unwrap();
    let mut a = auditor();
    a.add_file(&path).unwrap();
    assert_eq!(
        a.inputs().breached_list.as_deref(),
        Some(path.display().to_string().as_str())
    );
    a.add_file(&data("ntds.txt")).unwrap();
    let r = a.finish();
    assert!(has_line(
        check(&r, "password-quality"),
        &["password in the breached list (1): CLINIC\\adm-jo"]
    ));
}
