//! `threadline export TRACE --format chrome|json --out FILE`.

use super::{ExportFormat, Failure, other};
use std::path::Path;

/// Export `trace` in `format` to `out`, atomically.
pub fn export(trace: &Path, format: ExportFormat, out: &Path) -> Result<(), Failure> {
    let t = super::load_trace(trace)?;
    match format {
        ExportFormat::Chrome => {
            let doc = sim_core::chrome::export(&t);
            sim_core::trace::save_atomically(out, |w| serde_json::to_writer(w, &doc).map_err(std::io::Error::other))
        }
        // The trace itself as JSON, whatever `out` is named.
        ExportFormat::Json => {
            sim_core::trace::save_atomically(out, |w| serde_json::to_writer(w, &t).map_err(std::io::Error::other))
        }
    }
    .map_err(other)?;
    Ok(())
}
