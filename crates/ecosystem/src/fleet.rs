//! Generated premises for volume runs (`dccsim up --fleet N`, `dccsim bench`): each a Comms Hub
//! (CHF and GPF) with an ESME and a GSME, spread over the three regions and the two default
//! suppliers, with meter point references the RDPs publish. Premises `n` always has the same
//! device ids, so a user's tooling can address them (`dccsim fleet list`).

use dcc_model::fleet::generated::{self, DeviceKind};
pub use dcc_model::fleet::generated::{locate, MAXIMUM_PREMISES};

use crate::config::{CommsHubSpec, MeterSpec};

fn device_id(premises: u32, kind: DeviceKind) -> dcc_model::Eui64 {
    generated::device_id(premises, kind)
}

/// Premises number `index` (from 0) of a generated fleet.
pub fn premises(index: u32) -> CommsHubSpec {
    let region = generated::region(index);
    let supplier = generated::registered_supplier(index);
    let meter = |kind: DeviceKind, meter_point_reference: String| {
        MeterSpec::registered_to(device_id(index, kind), meter_point_reference, supplier)
    };
    CommsHubSpec {
        region,
        communications_hub_function: device_id(index, DeviceKind::CommunicationsHubFunction),
        gas_proxy_function: Some(device_id(index, DeviceKind::GasProxyFunction)),
        electricity_meter: Some(meter(
            DeviceKind::ElectricitySmartMeter,
            format!("18{index:011}"),
        )),
        gas_meter: Some(meter(DeviceKind::GasSmartMeter, format!("39{index:08}"))),
        han_devices: Vec::new(),
        replaced_comms_hub: None,
        gbcs_version: None,
        awaiting_installation: false,
    }
}

/// The first `count` premises of the generated fleet.
pub fn generate(count: u32) -> Result<Vec<CommsHubSpec>, FleetError> {
    if count > MAXIMUM_PREMISES {
        return Err(FleetError::TooLarge(count));
    }
    Ok((0..count).map(premises).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FleetError {
    #[error("a fleet has at most {MAXIMUM_PREMISES} premises, not {0}")]
    TooLarge(u32),
}

/// One line per premises: index, region, CHF, GPF, ESME, MPAN, GSME, MPRN, registered supplier.
pub fn render_list(hubs: &[CommsHubSpec]) -> String {
    let mut out = String::from("premises region chf gpf esme mpan gsme mprn supplier\n");
    for (index, hub) in hubs.iter().enumerate() {
        let gpf = hub
            .gas_proxy_function
            .map(|id| id.to_string())
            .unwrap_or_else(|| "-".to_owned());
        let meter = |meter: Option<&MeterSpec>| {
            meter
                .map(|meter| format!("{} {}", meter.device_id, meter.meter_point_reference))
                .unwrap_or_else(|| "- -".to_owned())
        };
        let supplier = hub
            .electricity_meter
            .as_ref()
            .map(|meter| meter.registered_supplier.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "{index} {region} {chf} {gpf} {esme} {gsme} {supplier}\n",
            region = hub.region,
            chf = hub.communications_hub_function,
            esme = meter(hub.electricity_meter.as_ref()),
            gsme = meter(hub.gas_meter.as_ref()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premises_are_distinct_valid_and_spread_over_regions_and_suppliers() {
        let mut config = crate::EcosystemConfig::default();
        config.comms_hubs.extend(generate(300).unwrap());
        config.validate().unwrap();
        let default_devices = crate::EcosystemConfig::default().devices().len();
        assert_eq!(config.devices().len(), default_devices + 300 * 4);
        let hubs = generate(6).unwrap();
        let regions: std::collections::BTreeSet<String> =
            hubs.iter().map(|hub| hub.region.to_string()).collect();
        assert_eq!(regions.len(), 3);
        assert_ne!(
            hubs[0]
                .electricity_meter
                .as_ref()
                .unwrap()
                .registered_supplier,
            hubs[1]
                .electricity_meter
                .as_ref()
                .unwrap()
                .registered_supplier
        );
        assert_eq!(premises(5), hubs[5]);
        let esme = hubs[0].electricity_meter.as_ref().unwrap();
        assert_eq!(esme.meter_point_reference.len(), 13);
        assert_eq!(
            hubs[0]
                .gas_meter
                .as_ref()
                .unwrap()
                .meter_point_reference
                .len(),
            10
        );
    }

    #[test]
    fn a_fleet_too_large_for_its_ids_is_refused() {
        assert_eq!(
            generate(MAXIMUM_PREMISES + 1),
            Err(FleetError::TooLarge(MAXIMUM_PREMISES + 1))
        );
    }

    #[test]
    fn the_list_names_every_device_of_each_premises() {
        let hubs = generate(2).unwrap();
        let list = render_list(&hubs);
        assert_eq!(list.lines().count(), 3);
        let second = list.lines().nth(2).unwrap();
        for id in [
            hubs[1].communications_hub_function,
            hubs[1].gas_proxy_function.unwrap(),
            hubs[1].electricity_meter.as_ref().unwrap().device_id,
            hubs[1].gas_meter.as_ref().unwrap().device_id,
        ] {
            assert!(second.contains(&id.to_string()), "{second}");
        }
    }
}
