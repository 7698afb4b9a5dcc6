//! The HAN of each Comms Hub as the ecosystem starts it: the devices on the CHF's device log
//! (the meters and the other HAN devices, each with its install code) and on the GPF's (the
//! GSME and the PPMIDs, with their types), and the device log backups the hub it replaced made
//! of the same premises, which the DSP holds for 8.12.1 and 8.12.2.

use dcc_model::{DeviceType, Eui64};
use device::HanDeviceLogEntry;
use gbcs::han::chf_device_log::PanBackup;
use gbcs::han::{DeviceLogEntry, HanDeviceType};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::{CommsHubSpec, EcosystemConfig};

/// A device's ZigBee install code (16 bytes), the same from the same seed.
pub fn install_code(seed: u64, device: Eui64) -> [u8; 16] {
    let mut code = [0u8; 16];
    ChaCha8Rng::seed_from_u64(seed ^ device.as_u64()).fill_bytes(&mut code);
    code
}

/// The devices on a hub's device logs as it starts: none for a hub awaiting installation
/// (8.11 adds them), else every device of the hub.
fn installed_devices(hub: &CommsHubSpec) -> Vec<crate::config::DeviceSpec> {
    if hub.awaiting_installation {
        return Vec::new();
    }
    hub.devices()
}

/// The devices on a CHF's device log: every device of the hub but its CHF and GPF.
fn chf_log_members(hub: &CommsHubSpec) -> Vec<Eui64> {
    installed_devices(hub)
        .into_iter()
        .filter(|device| {
            !matches!(
                device.device_type,
                DeviceType::CommunicationsHubFunction | DeviceType::GasProxyFunction
            )
        })
        .map(|device| device.device_id)
        .collect()
}

/// The devices on a GPF's device log: the GSME and the PPMIDs, with their types.
fn gpf_log_members(hub: &CommsHubSpec) -> Vec<DeviceLogEntry> {
    installed_devices(hub)
        .into_iter()
        .filter(|device| {
            matches!(
                device.device_type,
                DeviceType::GasSmartMeter | DeviceType::PrepaymentInterfaceDevice
            )
        })
        .map(|device| DeviceLogEntry {
            device: device.device_id,
            device_type: HanDeviceType::from(device.device_type),
        })
        .collect()
}

/// The CHF's device log, with each device's install code.
pub fn chf_device_log(seed: u64, hub: &CommsHubSpec) -> Vec<HanDeviceLogEntry> {
    chf_log_members(hub)
        .into_iter()
        .map(|device_id| HanDeviceLogEntry {
            device_id,
            install_code: install_code(seed, device_id).to_vec(),
            device_type: None,
        })
        .collect()
}

/// The GPF's device log (also the CHF's copy of it); empty for a hub without a GPF.
pub fn gpf_device_log(hub: &CommsHubSpec) -> Vec<HanDeviceLogEntry> {
    if hub.gas_proxy_function.is_none() {
        return Vec::new();
    }
    gpf_log_members(hub)
        .into_iter()
        .map(|entry| HanDeviceLogEntry {
            device_id: entry.device,
            install_code: Vec::new(),
            device_type: Some(entry.device_type.0),
        })
        .collect()
}

/// The backups the replaced hubs made: the replaced CHF's PAN (its extended PAN id is its
/// own EUI-64, as a ZigBee coordinator's is; the premises' devices with their install codes),
/// the replaced GPF's device log.
pub fn device_log_backups(config: &EcosystemConfig) -> dsp::DeviceLogBackups {
    let mut backups = dsp::DeviceLogBackups::default();
    for hub in &config.comms_hubs {
        let Some(replaced) = &hub.replaced_comms_hub else {
            continue;
        };
        let chf = replaced.communications_hub_function;
        let devices = chf_log_members(hub)
            .into_iter()
            .map(|device| (device, install_code(config.seed, device)))
            .collect();
        backups.communications_hub_functions.insert(
            chf,
            PanBackup {
                extended_pan_id: *chf.as_bytes(),
                devices,
            },
        );
        if let Some(gpf) = replaced.gas_proxy_function {
            backups
                .gas_proxy_functions
                .insert(gpf, gpf_log_members(hub));
        }
    }
    backups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        REPLACED_CHF, REPLACED_GPF, TEMPLATE_AUXILIARY_CONTROLLER, TEMPLATE_ESME, TEMPLATE_GSME,
        TEMPLATE_HCALCS, TEMPLATE_PPMID,
    };

    #[test]
    fn the_template_hub_logs_its_meters_and_han_devices_and_the_replaced_hub_backed_them_up() {
        let config = EcosystemConfig::default();
        let hub = &config.comms_hubs[0];
        let chf_log: Vec<Eui64> = chf_device_log(config.seed, hub)
            .iter()
            .map(|entry| entry.device_id)
            .collect();
        assert_eq!(
            chf_log,
            [
                TEMPLATE_ESME,
                TEMPLATE_GSME,
                TEMPLATE_PPMID,
                TEMPLATE_HCALCS,
                TEMPLATE_AUXILIARY_CONTROLLER
            ]
        );
        let gpf_log: Vec<(Eui64, Option<u8>)> = gpf_device_log(hub)
            .iter()
            .map(|entry| (entry.device_id, entry.device_type))
            .collect();
        assert_eq!(
            gpf_log,
            [(TEMPLATE_GSME, Some(0)), (TEMPLATE_PPMID, Some(5))]
        );
        let backups = device_log_backups(&config);
        let pan = &backups.communications_hub_functions[&REPLACED_CHF];
        assert_eq!(pan.extended_pan_id, *REPLACED_CHF.as_bytes());
        assert_eq!(pan.devices.len(), 5);
        assert_eq!(
            pan.devices[0],
            (TEMPLATE_ESME, install_code(config.seed, TEMPLATE_ESME))
        );
        assert_eq!(backups.gas_proxy_functions[&REPLACED_GPF].len(), 2);
        // The South hub replaced none.
        assert_eq!(backups.communications_hub_functions.len(), 1);
    }

    #[test]
    fn install_codes_follow_the_seed_and_the_device() {
        assert_eq!(
            install_code(1, TEMPLATE_ESME),
            install_code(1, TEMPLATE_ESME)
        );
        assert_ne!(
            install_code(1, TEMPLATE_ESME),
            install_code(2, TEMPLATE_ESME)
        );
        assert_ne!(
            install_code(1, TEMPLATE_ESME),
            install_code(1, TEMPLATE_GSME)
        );
    }
}
