//! HAN services (8.7–8.12 and 9.1): joins and unjoins, device logs, customer identification number.

use super::Transform;

pub(super) const SERVICES: &[(&str, Transform)] = &[];
