//! Writes seeds for the `checkpoint` fuzz target into the folder given: the checkpoints of a
//! fresh host and network analyzer, each behind the byte that selects the decoder.

use ward_analytics::network::{NetworkAnalyzer, NetworkConfig};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets};

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: checkpoint_seeds DIR");
    std::fs::create_dir_all(&dir)?;
    let host = Analyzer::new(AnalyticsConfig::default(), Assets::default()).checkpoint();
    let network = NetworkAnalyzer::new(NetworkConfig::default()).checkpoint();
    std::fs::write(format!("{dir}/host"), [&[0u8][..], &host].concat())?;
    std::fs::write(format!("{dir}/network"), [&[1u8][..], &network].concat())?;
    Ok(())
}
