//! Configuration services (3.x, 6.x except security credentials): messages, supplier name, PIN, event logs, device configuration reads and updates, clock, alert behaviours, MPxN, sub-GHz.

use super::Transform;

pub(super) const SERVICES: &[(&str, Transform)] = &[];
