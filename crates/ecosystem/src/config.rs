//! The ecosystem's configuration: who is in it, where each party listens, which identities
//! it uses. Everything has an embedded default; a TOML file overrides any part.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use dcc_model::{CspRegion, DeviceType, Eui64, UserRole};
use serde::{Deserialize, Serialize};

/// Every party `dccsim serve` can run, by name.
pub const PARTIES: &[&str] = &[
    "tsp",
    "dsp",
    "csp-north",
    "csp-central-south",
    "rdp-electricity",
    "rdp-gas",
    "commshub",
    "smartmeter",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EcosystemConfig {
    /// Seed of the test PKI and of every other random choice.
    pub seed: u64,
    /// The DUIS front door (DCC Boxed: 8079).
    pub duis_address: SocketAddr,
    /// The SMKI repository (DCC Boxed: 8083).
    pub smki_repository_address: SocketAddr,
    /// Each party's gRPC address; port 0 picks a free port (under `--processes` the party's
    /// process reports it to its supervisor, which tells the others).
    pub grpc_addresses: BTreeMap<String, SocketAddr>,
    /// Where users' asynchronous responses go unless a user names its own.
    pub response_url: Option<String>,
    /// `keystore.json` of `@smartdcc/dccboxed-keystore`: use DCC Boxed's organisation identities.
    pub dccboxed_keystore: Option<PathBuf>,
    /// The `apikey` the SMKI repository demands; none accepts any.
    pub smki_api_key: Option<String>,
    /// A folder of DCCKI TLS material (`ca.pem`, `<party>.pem`, `<party>.key`): when set,
    /// every gRPC link uses mutual TLS with it. `dccsim up --processes` makes and sets it.
    pub dccki_directory: Option<PathBuf>,
    /// How often the RDPs send their registration data again, in seconds.
    pub registration_republish_seconds: f64,
    /// A folder of registration data files (`electricity/`, `gas/`; `dccsim rdp generate`
    /// makes one) the RDPs send to the DSP: a full refresh, then daily updates as they appear.
    /// The DSP is ready once both full refreshes are applied.
    pub registration_directory: Option<PathBuf>,
    /// The Comms Hubs' SM WAN: variants (`edmi`, `wnc-cellular`, `toshiba-cellular`,
    /// `toshiba-mesh`, `toshiba-mesh-2`), per-hub variant and outages, and whether latency,
    /// loss and availability are modelled (off by default: commands arrive at once).
    pub comms_hub_wan: csp::wan::WanConfig,
    /// `system` (the default) or `virtual`: a clock that moves only when told to
    /// (`POST /admin/clock?advance=SECONDS` on the DUIS port), shared by the parties of a
    /// process.
    pub clock: clock::ClockMode,
    /// Where a virtual clock starts (RFC 3339); the time of starting when absent. `up
    /// --processes` sets it, so that every party process's clock starts at one time.
    pub virtual_clock_start: Option<String>,
    /// Where the DSP keeps its state across restarts; in memory when absent.
    pub dsp_data_directory: Option<PathBuf>,
    /// How long the DSP waits for a device's response before answering with a DCC alert.
    pub dsp_response_time_out_seconds: f64,
    pub users: Vec<UserSpec>,
    pub comms_hubs: Vec<CommsHubSpec>,
    /// How many generated premises (`crate::fleet`) the ecosystem has besides `comms_hubs`
    /// (`dccsim up --fleet N`): every party knows them from their ids, and makes a device's
    /// keys, certificates and state when it first meets it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fleet: u32,
    /// Devices the DSP's inventory holds as pre-notified (Pending) that no Comms Hub has
    /// yet; no party hosts them, the TSP has their certificates. The default: the devices the
    /// RTDS templates join to the template devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prenotified_devices: Vec<DeviceSpec>,
    /// Faults in force on the links and parties from the start (`[[faults]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<crate::faults::FaultSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub id: Eui64,
    pub roles: Vec<UserRole>,
    #[serde(default)]
    pub response_url: Option<String>,
    /// What the user is suspended from (E3): everything, or some service reference variants.
    #[serde(default, skip_serializing_if = "is_active")]
    pub status: dsp::UserStatus,
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

fn is_active(status: &dsp::UserStatus) -> bool {
    *status == dsp::UserStatus::default()
}

/// A Comms Hub with the devices on its HAN, and who is registered for its meters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommsHubSpec {
    pub region: CspRegion,
    pub communications_hub_function: Eui64,
    pub gas_proxy_function: Option<Eui64>,
    pub electricity_meter: Option<MeterSpec>,
    pub gas_meter: Option<MeterSpec>,
    /// The Type 1 devices on the hub's HAN besides the meters (PPMIDs, HCALCSs), hosted by
    /// the smart meter party: governed by the meters' registrations, in the CHF's device log
    /// (a PPMID in the GPF's too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub han_devices: Vec<DeviceSpec>,
    /// The Comms Hub this one replaced: its CHF and GPF are Withdrawn, and the DSP holds the
    /// device log backups they made of this premises' devices (what 8.12.1 and 8.12.2
    /// restore).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_comms_hub: Option<ReplacedCommsHub>,
    /// The GBCS version of the hub's devices (the DSP's inventory's `DeviceGBCSVersion`, e.g.
    /// `3.2`): unset is the current version. A device of an earlier version than
    /// `gbcs::catalogue::FIRST_VERSION_OF_CURRENT_USE_CASES` gets the use cases GBCS has since
    /// superseded (ECS26d rather than ECS26l…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbcs_version: Option<String>,
    /// Delivered but not yet installed: the parties host its devices (their certificates are
    /// in the SMKI repository, the RDPs publish its meter points), but the DSP's inventory has
    /// only its CHF and GPF, Pending, as DCC logistics records a Comms Hub it delivers, and
    /// neither meter until a supplier pre-notifies it (12.2); its CHF's and GPF's device logs
    /// are empty until 8.11 adds the meters. Install and commission takes it into service.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_installation: bool,
}

/// A device by its id and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    pub device_id: Eui64,
    pub device_type: DeviceType,
}

/// The Comms Hub a Comms Hub replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplacedCommsHub {
    pub communications_hub_function: Eui64,
    pub gas_proxy_function: Option<Eui64>,
}

impl CommsHubSpec {
    /// Every device of the hub with its type: CHF, GPF, meters, HAN devices (not the replaced
    /// hub's).
    pub fn devices(&self) -> Vec<DeviceSpec> {
        let device = |device_id, device_type| DeviceSpec {
            device_id,
            device_type,
        };
        let mut devices = vec![device(
            self.communications_hub_function,
            DeviceType::CommunicationsHubFunction,
        )];
        devices.extend(
            self.gas_proxy_function
                .map(|gpf| device(gpf, DeviceType::GasProxyFunction)),
        );
        devices.extend(
            self.electricity_meter
                .as_ref()
                .map(|meter| device(meter.device_id, DeviceType::ElectricitySmartMeter)),
        );
        devices.extend(
            self.gas_meter
                .as_ref()
                .map(|meter| device(meter.device_id, DeviceType::GasSmartMeter)),
        );
        devices.extend(self.han_devices.iter().copied());
        devices
    }

    /// The replaced hub's CHF and GPF.
    pub fn replaced_devices(&self) -> Vec<DeviceSpec> {
        let Some(replaced) = &self.replaced_comms_hub else {
            return Vec::new();
        };
        let mut devices = vec![DeviceSpec {
            device_id: replaced.communications_hub_function,
            device_type: DeviceType::CommunicationsHubFunction,
        }];
        devices.extend(replaced.gas_proxy_function.map(|gpf| DeviceSpec {
            device_id: gpf,
            device_type: DeviceType::GasProxyFunction,
        }));
        devices
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterSpec {
    pub device_id: Eui64,
    /// MPAN or MPRN.
    pub meter_point_reference: String,
    pub registered_supplier: Eui64,
    pub registered_network_operator: Eui64,
    /// The registered supplier agent the supplier appointed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_supplier_agent: Option<Eui64>,
    /// An ESME's variant as DUIS names it (`A` single element, `B` twin element, `C`
    /// polyphase…): unset is a single element ESME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esme_variant: Option<String>,
}

impl MeterSpec {
    /// A meter at `meter_point_reference` registered to `supplier` and the test network
    /// operator, without a supplier agent; an ESME of it is single element.
    pub fn registered_to(device_id: Eui64, meter_point_reference: String, supplier: Eui64) -> Self {
        Self {
            device_id,
            meter_point_reference,
            registered_supplier: supplier,
            registered_network_operator: TEST_NETWORK_OPERATOR,
            registered_supplier_agent: None,
            esme_variant: None,
        }
    }
}

pub use dcc_model::fleet::{
    JOIN_PARTNER_ESME, JOIN_PARTNER_GPF, JOIN_PARTNER_GSME, JOIN_PARTNER_HCALCS,
    JOIN_PARTNER_PPMID, LEGACY_CHF, LEGACY_ESME, LEGACY_GBCS_VERSION, LEGACY_GPF, LEGACY_GSME,
    REPLACED_CHF, REPLACED_GPF, SECOND_SUPPLIER, SOUTH_CHF, SOUTH_ESME, SOUTH_GPF, SOUTH_GSME,
    SPARE_CENTRAL_CHF, SPARE_CENTRAL_ESME, SPARE_CENTRAL_GPF, SPARE_CENTRAL_GSME, SPARE_NORTH_CHF,
    SPARE_NORTH_ESME, SPARE_NORTH_GPF, SPARE_NORTH_GSME, SPARE_SOUTH_CHF, SPARE_SOUTH_ESME,
    SPARE_SOUTH_GPF, SPARE_SOUTH_GSME, TEMPLATE_AUXILIARY_CONTROLLER, TEMPLATE_CHF, TEMPLATE_ESME,
    TEMPLATE_GPF, TEMPLATE_GSME, TEMPLATE_HCALCS, TEMPLATE_PPMID, TEST_NETWORK_OPERATOR,
    TEST_SUPPLIER,
};

/// The device type of a device of the default (DCC Boxed) fleet: the RTDS templates' devices,
/// their join partners and the replaced Comms Hub.
pub fn template_device_type(device: Eui64) -> Option<DeviceType> {
    EcosystemConfig::default().device_type(device)
}

/// A spare installation of the default fleet: a Comms Hub `[chf, gpf, esme, gsme]` awaiting
/// installation in `region`, its meter points registered to `supplier` (MPAN
/// `110000000000n`, MPRN `210000000n` with `n` = `meter_point`).
fn spare_installation(
    region: CspRegion,
    [chf, gpf, esme, gsme]: [Eui64; 4],
    supplier: Eui64,
    meter_point: u8,
) -> CommsHubSpec {
    let meter = |device_id, meter_point_reference| {
        MeterSpec::registered_to(device_id, meter_point_reference, supplier)
    };
    CommsHubSpec {
        region,
        communications_hub_function: chf,
        gas_proxy_function: Some(gpf),
        electricity_meter: Some(meter(esme, format!("110000000000{meter_point}"))),
        gas_meter: Some(meter(gsme, format!("210000000{meter_point}"))),
        han_devices: Vec::new(),
        replaced_comms_hub: None,
        gbcs_version: None,
        awaiting_installation: true,
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

impl Default for EcosystemConfig {
    fn default() -> Self {
        let grpc_addresses = PARTIES
            .iter()
            .zip(50_100u16..)
            .map(|(party, port)| ((*party).to_owned(), loopback(port)))
            .collect();
        Self {
            seed: 1,
            duis_address: loopback(8079),
            smki_repository_address: loopback(8083),
            grpc_addresses,
            response_url: None,
            dccboxed_keystore: None,
            smki_api_key: None,
            dccki_directory: None,
            registration_republish_seconds: 1.0,
            registration_directory: None,
            comms_hub_wan: csp::wan::WanConfig::default(),
            clock: clock::ClockMode::System,
            virtual_clock_start: None,
            dsp_data_directory: None,
            dsp_response_time_out_seconds: 300.0,
            users: vec![
                // As DCC Boxed's test user, which sends the templates of all four roles
                // (export registers 4.2, export MPAN 6.20.2, customer identification 9.1…).
                UserSpec {
                    id: TEST_SUPPLIER,
                    roles: vec![
                        UserRole::ImportSupplier,
                        UserRole::ExportSupplier,
                        UserRole::GasSupplier,
                        UserRole::OtherUser,
                    ],
                    response_url: None,
                    status: dsp::UserStatus::default(),
                },
                UserSpec {
                    id: TEST_NETWORK_OPERATOR,
                    roles: vec![UserRole::ElectricityDistributor, UserRole::GasTransporter],
                    response_url: None,
                    status: dsp::UserStatus::default(),
                },
                UserSpec {
                    id: SECOND_SUPPLIER,
                    roles: vec![UserRole::ImportSupplier, UserRole::GasSupplier],
                    response_url: None,
                    status: dsp::UserStatus::default(),
                },
            ],
            comms_hubs: vec![
                CommsHubSpec {
                    region: CspRegion::North,
                    communications_hub_function: TEMPLATE_CHF,
                    gas_proxy_function: Some(TEMPLATE_GPF),
                    electricity_meter: Some(MeterSpec {
                        device_id: TEMPLATE_ESME,
                        meter_point_reference: "1100000000001".into(),
                        registered_supplier: TEST_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: None,
                    }),
                    gas_meter: Some(MeterSpec {
                        device_id: TEMPLATE_GSME,
                        meter_point_reference: "2100000001".into(),
                        registered_supplier: TEST_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: None,
                    }),
                    han_devices: vec![
                        DeviceSpec {
                            device_id: TEMPLATE_PPMID,
                            device_type: DeviceType::PrepaymentInterfaceDevice,
                        },
                        DeviceSpec {
                            device_id: TEMPLATE_HCALCS,
                            device_type: DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
                        },
                        DeviceSpec {
                            device_id: TEMPLATE_AUXILIARY_CONTROLLER,
                            device_type: DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
                        },
                    ],
                    replaced_comms_hub: Some(ReplacedCommsHub {
                        communications_hub_function: REPLACED_CHF,
                        gas_proxy_function: Some(REPLACED_GPF),
                    }),
                    gbcs_version: None,
                    awaiting_installation: false,
                },
                CommsHubSpec {
                    region: CspRegion::South,
                    communications_hub_function: SOUTH_CHF,
                    gas_proxy_function: Some(SOUTH_GPF),
                    electricity_meter: Some(MeterSpec {
                        device_id: SOUTH_ESME,
                        meter_point_reference: "1100000000002".into(),
                        registered_supplier: SECOND_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: None,
                    }),
                    gas_meter: Some(MeterSpec {
                        device_id: SOUTH_GSME,
                        meter_point_reference: "2100000002".into(),
                        registered_supplier: SECOND_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: None,
                    }),
                    han_devices: Vec::new(),
                    replaced_comms_hub: None,
                    gbcs_version: None,
                    awaiting_installation: false,
                },
                CommsHubSpec {
                    region: CspRegion::North,
                    communications_hub_function: LEGACY_CHF,
                    gas_proxy_function: Some(LEGACY_GPF),
                    electricity_meter: Some(MeterSpec {
                        device_id: LEGACY_ESME,
                        meter_point_reference: "1100000000003".into(),
                        registered_supplier: TEST_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: Some("C".into()),
                    }),
                    gas_meter: Some(MeterSpec {
                        device_id: LEGACY_GSME,
                        meter_point_reference: "2100000003".into(),
                        registered_supplier: TEST_SUPPLIER,
                        registered_network_operator: TEST_NETWORK_OPERATOR,
                        registered_supplier_agent: None,
                        esme_variant: None,
                    }),
                    han_devices: Vec::new(),
                    replaced_comms_hub: None,
                    gbcs_version: Some(LEGACY_GBCS_VERSION.into()),
                    awaiting_installation: false,
                },
                spare_installation(
                    CspRegion::North,
                    [
                        SPARE_NORTH_CHF,
                        SPARE_NORTH_GPF,
                        SPARE_NORTH_ESME,
                        SPARE_NORTH_GSME,
                    ],
                    TEST_SUPPLIER,
                    4,
                ),
                spare_installation(
                    CspRegion::Central,
                    [
                        SPARE_CENTRAL_CHF,
                        SPARE_CENTRAL_GPF,
                        SPARE_CENTRAL_ESME,
                        SPARE_CENTRAL_GSME,
                    ],
                    TEST_SUPPLIER,
                    5,
                ),
                spare_installation(
                    CspRegion::South,
                    [
                        SPARE_SOUTH_CHF,
                        SPARE_SOUTH_GPF,
                        SPARE_SOUTH_ESME,
                        SPARE_SOUTH_GSME,
                    ],
                    SECOND_SUPPLIER,
                    6,
                ),
            ],
            prenotified_devices: [
                (JOIN_PARTNER_ESME, DeviceType::ElectricitySmartMeter),
                (JOIN_PARTNER_GSME, DeviceType::GasSmartMeter),
                (JOIN_PARTNER_PPMID, DeviceType::PrepaymentInterfaceDevice),
                (
                    JOIN_PARTNER_HCALCS,
                    DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
                ),
                (JOIN_PARTNER_GPF, DeviceType::GasProxyFunction),
            ]
            .into_iter()
            .map(|(device_id, device_type)| DeviceSpec {
                device_id,
                device_type,
            })
            .collect(),
            faults: Vec::new(),
            fleet: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid dccsim configuration: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl EcosystemConfig {
    /// The clock the parties of a process share: the system's, or a virtual one standing at
    /// [`EcosystemConfig::virtual_clock_start`] (else now).
    pub fn new_clock(&self) -> Result<clock::Clock, ConfigError> {
        let (clock::ClockMode::Virtual, Some(start)) = (self.clock, &self.virtual_clock_start)
        else {
            return Ok(clock::Clock::new(self.clock));
        };
        let start =
            time::OffsetDateTime::parse(start, &time::format_description::well_known::Rfc3339)
                .map_err(|error| {
                    ConfigError::Invalid(format!("virtual_clock_start {start:?}: {error}"))
                })?;
        Ok(clock::Clock::virtual_at(start))
    }

    pub fn from_toml(path: &std::path::Path, text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Every party has an address and every device appears once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for party in PARTIES {
            if !self.grpc_addresses.contains_key(*party) {
                return Err(ConfigError::Invalid(format!(
                    "grpc_addresses has no address for {party}"
                )));
            }
        }
        for fault in &self.faults {
            fault
                .validate()
                .map_err(|error| ConfigError::Invalid(error.to_string()))?;
        }
        if self.fleet > crate::fleet::MAXIMUM_PREMISES {
            return Err(ConfigError::Invalid(
                crate::fleet::FleetError::TooLarge(self.fleet).to_string(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for device in self.devices() {
            if crate::fleet::locate(device, self.fleet).is_some() {
                return Err(ConfigError::Invalid(format!(
                    "device {device} is a device of the generated fleet"
                )));
            }
            if !seen.insert(device) {
                return Err(ConfigError::Invalid(format!(
                    "device {device} appears more than once"
                )));
            }
        }
        for hub in &self.comms_hubs {
            let esme_variant = hub
                .electricity_meter
                .as_ref()
                .and_then(|meter| meter.esme_variant.as_deref());
            dsp::services::DeviceProfile::from_inventory(hub.gbcs_version.as_deref(), esme_variant)
                .map_err(|error| {
                    ConfigError::Invalid(format!(
                        "comms hub {}: {error}",
                        hub.communications_hub_function
                    ))
                })?;
            for device in &hub.han_devices {
                if !matches!(
                    device.device_type,
                    DeviceType::PrepaymentInterfaceDevice
                        | DeviceType::HanConnectedAuxiliaryLoadControlSwitch
                ) {
                    return Err(ConfigError::Invalid(format!(
                        "han device {} of comms hub {} is a {}: the HAN devices a hub hosts \
                         are PPMIDs and HCALCSs",
                        device.device_id, hub.communications_hub_function, device.device_type
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every device of the configuration with its type: the hubs' (their HAN devices too),
    /// the replaced hubs', and the pre-notified ones.
    pub fn device_specs(&self) -> Vec<DeviceSpec> {
        self.comms_hubs
            .iter()
            .flat_map(|hub| hub.devices().into_iter().chain(hub.replaced_devices()))
            .chain(self.prenotified_devices.iter().copied())
            .collect()
    }

    /// Every device of the configuration (each has certificates in the test PKI).
    pub fn devices(&self) -> Vec<Eui64> {
        self.device_specs()
            .into_iter()
            .map(|device| device.device_id)
            .collect()
    }

    /// The type of a device of the configuration.
    pub fn device_type(&self, device: Eui64) -> Option<DeviceType> {
        self.device_specs()
            .into_iter()
            .find(|spec| spec.device_id == device)
            .map(|spec| spec.device_type)
    }

    /// The same configuration with every listening port set to 0 (free ports), for tests.
    pub fn with_ephemeral_ports(mut self) -> Self {
        self.duis_address.set_port(0);
        self.smki_repository_address.set_port(0);
        for address in self.grpc_addresses.values_mut() {
            address.set_port(0);
        }
        self
    }

    pub fn grpc_address(&self, party: &str) -> Result<SocketAddr, ConfigError> {
        self.grpc_addresses.get(party).copied().ok_or_else(|| {
            ConfigError::Invalid(format!("grpc_addresses has no address for {party}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_through_toml() {
        let config = EcosystemConfig::default();
        let text = config.to_toml();
        let back = EcosystemConfig::from_toml(std::path::Path::new("x.toml"), &text).unwrap();
        assert_eq!(back.devices(), config.devices());
        // Three hubs of four, the template hub's PPMID and two HCALCSs, the hub it replaced,
        // the templates' five join partners, and three spare installations of four.
        assert_eq!(back.devices().len(), 12 + 3 + 2 + 5 + 12);
        let spare = back
            .comms_hubs
            .iter()
            .filter(|hub| hub.awaiting_installation)
            .map(|hub| hub.region)
            .collect::<Vec<_>>();
        assert_eq!(
            spare,
            [CspRegion::North, CspRegion::Central, CspRegion::South]
        );
        let legacy = back
            .comms_hubs
            .iter()
            .find(|hub| hub.communications_hub_function == LEGACY_CHF)
            .expect("the legacy hub");
        assert_eq!(legacy.gbcs_version.as_deref(), Some(LEGACY_GBCS_VERSION));
        assert_eq!(back.device_specs(), config.device_specs());
    }

    #[test]
    fn the_sm_wan_and_registration_folder_round_trip_through_toml() {
        let mut config = EcosystemConfig {
            registration_directory: Some("registration".into()),
            ..EcosystemConfig::default()
        };
        config.comms_hub_wan.modelled = true;
        config.comms_hub_wan.hubs.insert(
            TEMPLATE_CHF,
            csp::wan::HubWan {
                variant: Some("toshiba-mesh".into()),
                outages: vec![csp::wan::Outage {
                    from_unix_seconds: 10,
                    to_unix_seconds: 20,
                }],
            },
        );
        let text = config.to_toml();
        assert!(text.contains("[comms_hub_wan.hubs."), "{text}");
        let back = EcosystemConfig::from_toml(std::path::Path::new("x.toml"), &text).unwrap();
        assert_eq!(back.comms_hub_wan, config.comms_hub_wan);
        assert_eq!(back.registration_directory, config.registration_directory);
    }

    #[test]
    fn unknown_fields_and_duplicates_are_refused() {
        assert!(EcosystemConfig::from_toml(std::path::Path::new("x.toml"), "sed = 1").is_err());
        let mut config = EcosystemConfig::default();
        let hub = config.comms_hubs[0].clone();
        config.comms_hubs.push(hub);
        assert!(config.validate().is_err());
    }
}
