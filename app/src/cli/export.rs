//! `threadline export TRACE --format chrome --out FILE`.

use super::{ExportFormat, Failure, bad_input, other};
use sim_core::trace::Trace;
use std::path::Path;

/// Export `trace` in `format` to `out`, atomically.
pub fn export(trace: &Path, format: ExportFormat, out: &Path) -> Result<(), Failure> {
    let ExportFormat::Chrome = format;
    let t = Trace::load(trace).map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", trace.display())))?;
    let doc = sim_core::chrome::export(&t);
    sim_core::trace::save_atomically(out, |w| serde_json::to_writer(w, &doc).map_err(std::io::Error::other))
        .map_err(other)?;
    Ok(())
}
