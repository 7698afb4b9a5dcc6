//! Prepayment services (1.5, 1.6, 1.7, 2.x): meter balance, payment mode, block counters, prepayment configuration, top-ups, debt and emergency credit.

use super::Transform;

pub(super) const SERVICES: &[(&str, Transform)] = &[];
