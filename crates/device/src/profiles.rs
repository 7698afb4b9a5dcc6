//! Profile generic buffers (logs and profile data) read with selective access.

use gbcs::dlms::Data;

use crate::date_time::DeviceDateTime;
use crate::dlms_exec::{result, RequestOutcome};
use crate::engine::Device;
use crate::store::CosemAttribute;

/// A buffer read by range or by entry: the whole buffer the store holds (filtering comes with
/// the consumption model).
pub(crate) fn read(
    device: &Device,
    attribute: CosemAttribute,
    selector: u8,
    parameters: &Data,
    now: DeviceDateTime,
) -> RequestOutcome {
    let _ = (selector, parameters, now);
    device
        .store
        .cosem(attribute)
        .cloned()
        .ok_or(result::OBJECT_UNDEFINED)
}
