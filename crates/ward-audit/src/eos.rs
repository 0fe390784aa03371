//! Ward's end-of-support table: a data file (`data/end_of_support.csv`), not code, so it can be
//! kept current without touching the checks.

use crate::matching::contains_words;
use crate::version::has_prefix;
use ward_event::Timestamp;

const BUILT_IN: &str = include_str!("../data/end_of_support.csv");

/// One product line and the day its vendor stopped fixing it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndOfSupport {
    /// `os` or `software`.
    pub kind: String,
    /// Product name as matched against inventories (`Windows 7`, `OpenSSL`).
    pub product: String,
    /// Version family (prefix); empty = every version.
    pub version: String,
    /// Last day of (extended) support.
    pub end: Timestamp,
    /// Where the date comes from.
    pub source: String,
}

/// The end-of-support table.
#[derive(Debug, Clone)]
pub struct EndOfSupportTable {
    rows: Vec<EndOfSupport>,
}

impl EndOfSupportTable {
    /// The table shipped with Ward.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN)
    }

    /// Reads a table in the shipped CSV shape; rows that do not parse are skipped.
    pub fn parse(text: &str) -> Self {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let rows = rdr
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| {
                Some(EndOfSupport {
                    kind: r.get(0)?.trim().to_string(),
                    product: r.get(1)?.trim().to_string(),
                    version: r.get(2)?.trim().to_string(),
                    end: Timestamp::parse(r.get(3)?).ok()?,
                    source: r.get(4).unwrap_or("").trim().to_string(),
                })
            })
            .collect();
        EndOfSupportTable { rows }
    }

    /// Reads a table in the shipped CSV shape from a file (to use dates newer than Ward's).
    pub fn from_file(path: &std::path::Path) -> Result<Self, crate::AuditError> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::AuditError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::parse(&text))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row for a product name (when known) and version: the most specific version family
    /// wins; with no name, among equally specific rows the latest end date wins, so an
    /// ambiguous build (client and server share kernel numbers) is never called out of support early.
    /// With no name, products sharing the winning version and date are joined
    /// (`Windows 7 / Windows Server 2008 R2`).
    pub fn lookup(&self, product: Option<&str>, version: &str) -> Option<EndOfSupport> {
        let named = |r: &&EndOfSupport| match product {
            Some(p) => contains_words(p, &r.product),
            None => r.kind == "os",
        };
        let mut candidates: Vec<&EndOfSupport> = self
            .rows
            .iter()
            .filter(named)
            .filter(|r| {
                has_prefix(version, &r.version) && (product.is_some() || !r.version.is_empty())
            })
            .collect();
        // A product name like "Windows Server 2008 R2" also contains "Windows Server 2008": prefer
        // the longest product name, then the most specific version.
        candidates.sort_by_key(|r| {
            (
                product.map_or(0, |_| r.product.len()),
                r.version.len(),
                r.end,
            )
        });
        let best = candidates.pop()?;
        if product.is_some() {
            return Some(best.clone());
        }
        let mut names: Vec<&str> = candidates
            .iter()
            .filter(|r| r.version == best.version && r.end == best.end)
            .map(|r| r.product.as_str())
            .collect();
        names.push(&best.product);
        Some(EndOfSupport {
            product: names.join(" / "),
            ..best.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_answers_os_and_software() {
        let t = EndOfSupportTable::built_in();
        assert!(t.len() >= 40);
        let w7 = t.lookup(None, "6.1.7601").unwrap();
        assert_eq!(w7.end, Timestamp::parse("2020-01-14").unwrap());
        assert_eq!(w7.product, "Windows 7 / Windows Server 2008 R2");
        let r2 = t
            .lookup(
                Some("Microsoft Windows Server 2008 R2 Standard"),
                "6.1.7601",
            )
            .unwrap();
        assert_eq!(r2.product, "Windows Server 2008 R2");
        // Build 14393 is both Windows 10 1607 and Server 2016: with no name, the later date wins.
        assert_eq!(
            t.lookup(None, "10.0.14393").unwrap().product,
            "Windows Server 2016"
        );
        assert_eq!(
            t.lookup(Some("OpenSSL"), "1.0.1e").unwrap().version,
            "1.0.1"
        );
        assert!(t.lookup(Some("OpenSSL"), "3.0.13").is_none());
        assert!(t.lookup(None, "1.0.1e").is_none());
    }
}
