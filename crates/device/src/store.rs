//! The object store: a device's data as the protocols address it. ESME and CHF data are COSEM
//! attributes keyed by (interface class, OBIS code, attribute); GSME, GPF and PPMID data are
//! ZCL attributes keyed by (cluster, attribute), and the payloads of the ZCL publish commands
//! (tariffs, calendars) the device was last sent, keyed by (cluster, command).

use std::collections::BTreeMap;

use gbcs::dlms::{CosemReference, Data};
use gbcs::zcl::ZclValue;

/// A COSEM attribute: interface class, logical name (OBIS) and attribute index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CosemAttribute {
    pub class_id: u16,
    pub obis: [u8; 6],
    pub attribute: u8,
}

impl CosemAttribute {
    pub const fn new(class_id: u16, obis: [u8; 6], attribute: u8) -> Self {
        Self {
            class_id,
            obis,
            attribute,
        }
    }
}

impl From<&CosemReference> for CosemAttribute {
    fn from(reference: &CosemReference) -> Self {
        Self::new(reference.class_id, reference.obis, reference.index)
    }
}

/// A ZCL attribute: cluster and attribute id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZclAttribute {
    pub cluster: u16,
    pub attribute: u16,
}

impl ZclAttribute {
    pub const fn new(cluster: u16, attribute: u16) -> Self {
        Self { cluster, attribute }
    }
}

/// The attributes a device holds, with their current values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectStore {
    cosem: BTreeMap<CosemAttribute, Data>,
    zcl: BTreeMap<ZclAttribute, ZclValue>,
    /// Per (cluster, command): what the last GBCS command publishing on it sent.
    published: BTreeMap<(u16, u8), Publication>,
}

/// The publish commands one GBCS command sent on a (cluster, command).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Publication {
    /// The GBCS command's counter.
    counter: u64,
    payloads: Vec<Vec<u8>>,
}

impl ObjectStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cosem(&self, attribute: CosemAttribute) -> Option<&Data> {
        self.cosem.get(&attribute)
    }

    pub fn set_cosem(&mut self, attribute: CosemAttribute, value: Data) {
        self.cosem.insert(attribute, value);
    }

    /// Whether the device has any attribute of this object.
    pub fn has_cosem_object(&self, class_id: u16, obis: [u8; 6]) -> bool {
        self.cosem
            .range(
                CosemAttribute::new(class_id, obis, 0)
                    ..=CosemAttribute::new(class_id, obis, u8::MAX),
            )
            .next()
            .is_some()
    }

    pub fn zcl(&self, attribute: ZclAttribute) -> Option<&ZclValue> {
        self.zcl.get(&attribute)
    }

    pub fn set_zcl(&mut self, attribute: ZclAttribute, value: ZclValue) {
        self.zcl.insert(attribute, value);
    }

    /// The payloads of the publish commands last sent on (cluster, command), in order.
    pub fn published(&self, cluster: u16, command: u8) -> &[Vec<u8>] {
        self.published
            .get(&(cluster, command))
            .map(|publication| publication.payloads.as_slice())
            .unwrap_or(&[])
    }

    /// Keeps a publish: it joins those of the same GBCS command (one command publishes several
    /// day profiles), and replaces those of an earlier one.
    pub fn publish(&mut self, cluster: u16, command: u8, counter: u64, payload: Vec<u8>) {
        let entry = self.published.entry((cluster, command)).or_default();
        if entry.counter != counter || entry.payloads.is_empty() {
            *entry = Publication {
                counter,
                payloads: Vec::new(),
            };
        }
        entry.payloads.push(payload);
    }

    /// Every COSEM attribute held, in key order.
    pub fn cosem_attributes(&self) -> impl Iterator<Item = (&CosemAttribute, &Data)> {
        self.cosem.iter()
    }

    /// Every ZCL attribute held, in key order.
    pub fn zcl_attributes(&self) -> impl Iterator<Item = (&ZclAttribute, &ZclValue)> {
        self.zcl.iter()
    }
}
