//! The audit log, read back: what happened to a request, hop by hop, with times
//! (`dccsim audit`, and `GET /admin/audit/{request_id}` on a running DSP).

use std::path::Path;

use crate::store::{AuditEvent, Store, StoreError};

/// The events of `request_id` in a DSP's data folder (the DSP must not be running: the store
/// admits one process at a time).
pub fn read(data_directory: &Path, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
    if !data_directory.join(crate::store::FILE_NAME).is_file() {
        return Err(StoreError::Database(format!(
            "no DSP store in {}",
            data_directory.display()
        )));
    }
    Store::open(data_directory)?.audit_of(request_id)
}

/// The events as a table: time, hop, what, outcome.
pub fn render(request_id: &str, events: &[AuditEvent]) -> String {
    let mut text = format!("{request_id}\n");
    if events.is_empty() {
        text.push_str("  no record of this request\n");
        return text;
    }
    let hop_width = events
        .iter()
        .map(|event| event.hop.len())
        .max()
        .unwrap_or(0);
    for event in events {
        text.push_str(&format!(
            "  {}  {:hop_width$}  {}{}\n",
            event.at,
            event.hop,
            event.what,
            event
                .outcome
                .as_ref()
                .map(|outcome| format!("  [{outcome}]"))
                .unwrap_or_default()
        ));
    }
    text
}
