//! Report settings: the letterhead printed on every report, rendering bounds and the batch
//! worker.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// The school's name, printed at the top of every report.
    pub school_name: String,
    /// The school's address, printed under the name (optional).
    pub school_address: Option<String>,
    /// A PNG, JPEG or SVG logo printed beside the name (read once at start-up).
    pub logo_path: Option<PathBuf>,
    /// The address people reach Campus at (`https://campus.example.org`), printed on reports
    /// before `/verify/{code}`. Unset: the configured listen address (`server.host:port`);
    /// never a request's `Host` header, which a client chooses.
    pub public_url: Option<String>,
    /// Reports rendered at once per instance (CPU-bound, on the blocking pool); 0: one per
    /// core.
    pub max_concurrent: usize,
    /// How often each instance looks for a report batch to claim.
    pub batch_poll_secs: u64,
    /// How long a claimed batch stays with its worker without progress before another
    /// instance may take it over.
    pub batch_lease_secs: u64,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            school_name: "Campus School".to_owned(),
            school_address: None,
            logo_path: None,
            public_url: None,
            max_concurrent: 0,
            batch_poll_secs: 5,
            batch_lease_secs: 120,
        }
    }
}

impl ReportSettings {
    /// `max_concurrent`, with 0 meaning the number of cores.
    pub fn concurrency(&self) -> usize {
        match self.max_concurrent {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        }
    }
}
