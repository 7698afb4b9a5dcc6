//! Tariff services (1.1.x update tariff, 1.2.x update price, 1.5 meter balance is prepayment's): tariff and price commands ECS01x and GCS01x, sent as GBT when over 1,200 bytes.

use super::Transform;

pub(super) const SERVICES: &[(&str, Transform)] = &[];
