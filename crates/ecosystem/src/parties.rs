//! Builds any one party from the ecosystem configuration, given how to reach its peers.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use dcc_model::fleet::generated as fleet;

use dcc_model::{CspRegion, DeviceStatus, DeviceType, Eui64};
use dcc_proto::service::MountedService;
use dcc_proto::transport::GrpcTransport;
use smki::{KeyUsage, RemotePartyRole};

use crate::config::{CommsHubSpec, DeviceSpec, EcosystemConfig};
use crate::identities::{Identities, IdentityError};

/// How a party reaches the others: a transport per party name.
pub trait PeerDirectory {
    fn transport(&self, party: &str) -> GrpcTransport;
}

/// What building a party yields: its gRPC side, and the HTTP front of the DSP or TSP.
#[derive(Debug)]
pub struct BuiltParty {
    pub mounted: MountedService,
    pub http: Option<axum::Router>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("unknown party {0:?}; the parties are {parties}", parties = crate::config::PARTIES.join(", "))]
    UnknownParty(String),
    #[error("{party}: {message}")]
    Invalid {
        party: &'static str,
        message: String,
    },
}

/// Builds `party`; every party built in one process shares `clock`.
pub fn build(
    party: &str,
    config: &EcosystemConfig,
    identities: &Identities,
    peers: &dyn PeerDirectory,
    clock: &clock::Clock,
) -> Result<BuiltParty, BuildError> {
    let built = match party {
        "tsp" => build_tsp(config, identities, clock),
        "dsp" => build_dsp(config, identities, peers, clock)?,
        "csp-north" => only_grpc(build_csp(config, CspRegion::North, peers, clock)),
        "csp-central-south" => only_grpc(build_csp(config, CspRegion::Central, peers, clock)),
        "rdp-electricity" => only_grpc(build_rdp(config, rdp::Fuel::Electricity, peers)),
        "rdp-gas" => only_grpc(build_rdp(config, rdp::Fuel::Gas, peers)),
        "commshub" => only_grpc(build_commshub(config, identities, peers, clock)?),
        "smartmeter" => only_grpc(build_smartmeter(config, identities, peers, clock)?),
        other => return Err(BuildError::UnknownParty(other.to_owned())),
    };
    Ok(built)
}

fn only_grpc(mounted: MountedService) -> BuiltParty {
    BuiltParty {
        mounted,
        http: None,
    }
}

fn build_tsp(
    config: &EcosystemConfig,
    identities: &Identities,
    clock: &clock::Clock,
) -> BuiltParty {
    let tsp = tsp::new(tsp::TspConfig {
        pki: identities.pki.clone(),
        extra_identities: identities.dccboxed.clone(),
        api_key: config.smki_api_key.clone(),
        at_time: clock.unix_seconds(),
        fleet: config.fleet,
    });
    BuiltParty {
        mounted: tsp.grpc,
        http: Some(tsp.repository),
    }
}

fn region_party(region: CspRegion) -> &'static str {
    csp::party_name(region)
}

fn build_csp(
    config: &EcosystemConfig,
    region: CspRegion,
    peers: &dyn PeerDirectory,
    clock: &clock::Clock,
) -> MountedService {
    let party = region_party(region);
    let comms_hubs: BTreeSet<Eui64> = config
        .comms_hubs
        .iter()
        .filter(|hub| region_party(hub.region) == party)
        .map(|hub| hub.communications_hub_function)
        .collect();
    csp::new(
        csp::CspConfig {
            region,
            comms_hubs,
            fleet: config.fleet,
            wan: config.comms_hub_wan.clone(),
            coverage: None,
            clock: clock.clone(),
        },
        csp::CspPeers {
            comms_hubs: peers.transport("commshub"),
            dsp: peers.transport("dsp"),
        },
    )
}

/// What the DSP waits for before it is ready: each RDP's snapshot, and its full refresh when
/// there is a registration folder.
fn registration_sources(config: &EcosystemConfig) -> Vec<String> {
    let mut sources = Vec::new();
    for fuel in [rdp::Fuel::Electricity, rdp::Fuel::Gas] {
        sources.push(rdp::party_name(fuel).to_owned());
        if config.registration_directory.is_some() {
            sources.push(rdp::files_source_name(fuel));
        }
    }
    sources
}

fn build_rdp(
    config: &EcosystemConfig,
    fuel: rdp::Fuel,
    peers: &dyn PeerDirectory,
) -> MountedService {
    let meter_point = |hub: &CommsHubSpec| {
        match fuel {
            rdp::Fuel::Electricity => hub.electricity_meter.as_ref(),
            rdp::Fuel::Gas => hub.gas_meter.as_ref(),
        }
        .map(|meter| rdp::MeterPoint {
            meter_point_reference: meter.meter_point_reference.clone(),
            device_id: meter.device_id,
            registered_supplier: meter.registered_supplier,
            registered_network_operator: meter.registered_network_operator,
            registered_supplier_agent: meter.registered_supplier_agent,
        })
    };
    let meter_points = config
        .comms_hubs
        .iter()
        .filter_map(meter_point)
        .chain((0..config.fleet).filter_map(|index| meter_point(&crate::fleet::premises(index))))
        .collect();
    let republish_interval = Duration::try_from_secs_f64(config.registration_republish_seconds)
        .unwrap_or(Duration::from_secs(1));
    rdp::new(
        rdp::RdpConfig {
            fuel,
            meter_points,
            republish_interval,
            registration_directory: config.registration_directory.clone(),
        },
        peers.transport("dsp"),
    )
}

/// A device's inventory record, as the ecosystem configures it.
fn device_record(
    device: DeviceSpec,
    status: DeviceStatus,
    comms_hub: Eui64,
    region: CspRegion,
    details: dsp::DeviceDetails,
) -> dsp::DeviceRecord {
    dsp::DeviceRecord {
        device_id: device.device_id,
        device_type: device.device_type,
        status,
        comms_hub,
        region,
        manufacturer: "dccsim".to_owned(),
        model: format!("stub {}", device.device_type),
        details,
    }
}

/// The inventory: each hub's devices Commissioned; the devices of the hub it replaced
/// Withdrawn (returned); the pre-notified devices Pending, standing on their own as the DSP
/// records a pre-notification (their own hub, North); of a hub awaiting installation only its
/// CHF and GPF, Pending, in the care of the supplier it was delivered to (its meters' registered
/// supplier) until it has meters; its meters enter with their pre-notification.
fn inventory_records(config: &EcosystemConfig) -> Vec<dsp::DeviceRecord> {
    let mut records = Vec::new();
    for hub in config
        .comms_hubs
        .iter()
        .filter(|hub| hub.awaiting_installation)
    {
        for device in hub.devices().into_iter().filter(|device| {
            matches!(
                device.device_type,
                DeviceType::CommunicationsHubFunction | DeviceType::GasProxyFunction
            )
        }) {
            records.push(device_record(
                device,
                DeviceStatus::Pending,
                hub.communications_hub_function,
                hub.region,
                dsp::DeviceDetails {
                    prenotified_by: Some(registered(hub).0),
                    ..dsp::DeviceDetails::default()
                },
            ));
        }
    }
    for hub in config
        .comms_hubs
        .iter()
        .filter(|hub| !hub.awaiting_installation)
    {
        push_in_service(&mut records, hub);
    }
    records.reserve(config.fleet as usize * 4);
    for index in 0..config.fleet {
        push_in_service(&mut records, &crate::fleet::premises(index));
    }
    for device in &config.prenotified_devices {
        records.push(device_record(
            *device,
            DeviceStatus::Pending,
            device.device_id,
            CspRegion::North,
            dsp::DeviceDetails::default(),
        ));
    }
    records
}

/// The records of a hub in service: its devices Commissioned, those of the hub it replaced
/// Withdrawn.
fn push_in_service(records: &mut Vec<dsp::DeviceRecord>, hub: &CommsHubSpec) {
    for device in hub.devices() {
        let esme_variant = hub
            .electricity_meter
            .as_ref()
            .filter(|meter| meter.device_id == device.device_id)
            .and_then(|meter| meter.esme_variant.clone());
        let details = dsp::DeviceDetails {
            gbcs_version: hub.gbcs_version.clone(),
            esme_variant,
            ..dsp::DeviceDetails::default()
        };
        records.push(device_record(
            device,
            DeviceStatus::Commissioned,
            hub.communications_hub_function,
            hub.region,
            details,
        ));
    }
    for device in hub.replaced_devices() {
        let replaced = hub.replaced_comms_hub.map_or(device.device_id, |replaced| {
            replaced.communications_hub_function
        });
        records.push(device_record(
            device,
            DeviceStatus::Withdrawn,
            replaced,
            hub.region,
            dsp::DeviceDetails::default(),
        ));
    }
}

/// The DSP's users: the configured ones, and every organisation of DCC Boxed's key store
/// when it is loaded, with the DUIS roles its certificates' remote party roles stand for
/// (supplier: IS, ES, GS; network operator: ED, GT; other user and load controller: OU; the
/// DCC's own parties: none).
fn dsp_users(config: &EcosystemConfig, identities: &Identities) -> Vec<dsp::UserConfig> {
    use dcc_model::UserRole;
    let mut users: Vec<dsp::UserConfig> = config
        .users
        .iter()
        .map(|user| dsp::UserConfig {
            id: user.id,
            roles: user.roles.clone(),
            response_url: user.response_url.clone(),
            status: user.status.clone(),
        })
        .collect();
    for identity in &identities.dccboxed {
        let certificate = &identity.certificate;
        let Some(id) = certificate.organisation_id() else {
            continue;
        };
        if id == dcc_model::DCC_ACCESS_CONTROL_BROKER {
            continue;
        }
        let roles: &[UserRole] = match certificate.role() {
            Some(RemotePartyRole::SUPPLIER) => &[
                UserRole::ImportSupplier,
                UserRole::ExportSupplier,
                UserRole::GasSupplier,
            ],
            Some(RemotePartyRole::NETWORK_OPERATOR) => {
                &[UserRole::ElectricityDistributor, UserRole::GasTransporter]
            }
            Some(RemotePartyRole::OTHER_USER) | Some(RemotePartyRole::LOAD_CONTROLLER) => {
                &[UserRole::OtherUser]
            }
            _ => &[],
        };
        match users.iter_mut().find(|user| user.id == id) {
            Some(user) => {
                if config.users.iter().all(|configured| configured.id != id) {
                    for role in roles {
                        if !user.roles.contains(role) {
                            user.roles.push(*role);
                        }
                    }
                }
            }
            None => users.push(dsp::UserConfig::new(id, roles.to_vec())),
        }
    }
    users
}

/// The DS certificates DCC's signing tool signs DUIS requests with for organisations of DCC
/// Boxed's key store that have no XML-signing certificate (e.g. the second supplier).
fn additional_request_signers(identities: &Identities) -> Vec<smki::Certificate> {
    let has_xml_signing = |id| {
        identities.dccboxed.iter().any(|identity| {
            identity.certificate.organisation_id() == Some(id)
                && identity
                    .certificate
                    .role()
                    .is_some_and(|role| role.is_xml_signing())
        })
    };
    identities
        .dccboxed
        .iter()
        .map(|identity| &identity.certificate)
        .filter(|certificate| certificate.key_usage() == Some(KeyUsage::DigitalSignature))
        .filter(|certificate| {
            certificate
                .organisation_id()
                .is_some_and(|id| !has_xml_signing(id))
        })
        .cloned()
        .collect()
}

fn build_dsp(
    config: &EcosystemConfig,
    identities: &Identities,
    peers: &dyn PeerDirectory,
    clock: &clock::Clock,
) -> Result<BuiltParty, BuildError> {
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let invalid = |message: String| BuildError::Invalid {
        party: "dsp",
        message,
    };
    let acb_key_agreement = identities.organisation(
        acb,
        KeyUsage::KeyAgreement,
        Some(RemotePartyRole::ACCESS_CONTROL_BROKER),
    )?;
    let access_control_broker_key = gbcs::crypto::KeyAgreementPrivateKey::from_pkcs8(
        acb_key_agreement
            .private_key_pkcs8_der
            .as_deref()
            .unwrap_or_default(),
    )
    .map_err(|error| invalid(format!("ACB key agreement key: {error}")))?;
    let mut dcc_signing_keys = Vec::new();
    for (party, role) in [
        (acb, RemotePartyRole::ACCESS_CONTROL_BROKER),
        (
            dcc_model::DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER,
            RemotePartyRole::TRANSITIONAL_CHANGE_OF_SUPPLIER,
        ),
    ] {
        let Ok(identity) = identities.organisation(party, KeyUsage::DigitalSignature, Some(role))
        else {
            continue;
        };
        let key = gbcs::crypto::SigningKey::from_pkcs8(
            identity
                .private_key_pkcs8_der
                .as_deref()
                .unwrap_or_default(),
        )
        .map_err(|error| invalid(format!("{party}'s DS key: {error}")))?;
        dcc_signing_keys.push((party, key));
    }
    let xml_signing = identities.organisation(
        acb,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::DSP_XML_SIGNING),
    )?;
    let xml_signer = duis::XmlSigner::from_pkcs8(
        xml_signing
            .private_key_pkcs8_der
            .as_deref()
            .unwrap_or_default(),
        xml_signing.certificate.issuer_name_rfc2253(),
        xml_signing.certificate.serial_decimal(),
    )
    .map_err(|error| invalid(format!("DSP XML signing key: {error}")))?;
    let readiness_checks = crate::config::PARTIES
        .iter()
        .filter(|party| **party != "dsp")
        .map(|party| ((*party).to_owned(), peers.transport(party)))
        .collect();
    let response_time_out = Duration::try_from_secs_f64(config.dsp_response_time_out_seconds)
        .map_err(|error| invalid(format!("dsp_response_time_out_seconds: {error}")))?;
    let dsp = dsp::new(
        dsp::DspConfig {
            devices: inventory_records(config),
            device_log_backups: crate::han::device_log_backups(config),
            users: dsp_users(config, identities),
            default_response_url: config.response_url.clone(),
            certificates: identities.certificate_store(),
            additional_request_signers: additional_request_signers(identities),
            access_control_broker_key,
            dcc_signing_keys,
            xml_signer,
            registration_data_providers: registration_sources(config),
            clock: clock.clone(),
            data_directory: config.dsp_data_directory.clone(),
            timing: dsp::Timing {
                response_time_out,
                ..dsp::Timing::default()
            },
        },
        dsp::DspPeers {
            csp_north: peers.transport("csp-north"),
            csp_central_south: peers.transport("csp-central-south"),
            tsp: peers.transport("tsp"),
            readiness_checks,
        },
    )
    .map_err(|error| invalid(error.to_string()))?;
    Ok(BuiltParty {
        mounted: dsp.mounted,
        http: Some(dsp.front_door),
    })
}

/// A device's configuration: its keys from the test PKI, its anchors from the organisations
/// in force (DCC Boxed's when loaded): the ACB's, its supplier's and network operator's and
/// the transitional change of supplier party's (where there is one) certificates in their
/// cells, its supplier's prepayment top-up key, and the KA certificates of the parties it
/// answers.
fn device_config(
    identities: &Identities,
    device_id: Eui64,
    device_type: DeviceType,
    supplier: Eui64,
    network_operator: Eui64,
) -> Result<device::DeviceConfig, BuildError> {
    let (digital_signature, key_agreement) = identities.device(device_id)?;
    let certificate = |party: Eui64, usage: KeyUsage, role: Option<RemotePartyRole>| {
        identities
            .organisation(party, usage, role)
            .map(|identity| identity.certificate.clone())
    };
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let mut trust_anchors = device::TrustAnchorCertificates::default().with_management(
        RemotePartyRole::ACCESS_CONTROL_BROKER,
        KeyUsage::KeyAgreement,
        certificate(
            acb,
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::ACCESS_CONTROL_BROKER),
        )?,
    );
    let cells = [
        (
            acb,
            RemotePartyRole::ACCESS_CONTROL_BROKER,
            KeyUsage::DigitalSignature,
        ),
        (
            supplier,
            RemotePartyRole::SUPPLIER,
            KeyUsage::DigitalSignature,
        ),
        (supplier, RemotePartyRole::SUPPLIER, KeyUsage::KeyAgreement),
        (
            network_operator,
            RemotePartyRole::NETWORK_OPERATOR,
            KeyUsage::DigitalSignature,
        ),
        (
            network_operator,
            RemotePartyRole::NETWORK_OPERATOR,
            KeyUsage::KeyAgreement,
        ),
        (
            dcc_model::DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER,
            RemotePartyRole::TRANSITIONAL_CHANGE_OF_SUPPLIER,
            KeyUsage::DigitalSignature,
        ),
    ];
    for (party, role, usage) in cells {
        if let Ok(found) = certificate(party, usage, Some(role)) {
            trust_anchors = trust_anchors.with_management(role, usage, found);
        }
    }
    if let Ok(prepayment) = identities.prepayment_top_up(supplier) {
        trust_anchors = trust_anchors.with_cell(
            device::SUPPLIER_PREPAYMENT_TOP_UP,
            prepayment.certificate.clone(),
        );
    }
    for party in [
        acb,
        supplier,
        network_operator,
        crate::config::TEST_SUPPLIER,
        crate::config::SECOND_SUPPLIER,
        crate::config::TEST_NETWORK_OPERATOR,
    ] {
        if let Ok(found) = certificate(party, KeyUsage::KeyAgreement, None) {
            trust_anchors = trust_anchors.with_remote_party(found);
        }
    }
    Ok(device::DeviceConfig {
        device_id,
        device_type,
        digital_signature,
        key_agreement,
        trust_anchors,
        state: device::DeviceState::default(),
    })
}

fn registered(hub: &CommsHubSpec) -> (Eui64, Eui64) {
    hub.electricity_meter
        .as_ref()
        .or(hub.gas_meter.as_ref())
        .map(|meter| (meter.registered_supplier, meter.registered_network_operator))
        .unwrap_or((
            crate::config::TEST_SUPPLIER,
            crate::config::TEST_NETWORK_OPERATOR,
        ))
}

fn build_smartmeter(
    config: &EcosystemConfig,
    identities: &Identities,
    peers: &dyn PeerDirectory,
    clock: &clock::Clock,
) -> Result<MountedService, BuildError> {
    let mut devices = Vec::new();
    for hub in &config.comms_hubs {
        if let Some(meter) = &hub.electricity_meter {
            devices.push(meter_config(
                identities,
                meter,
                DeviceType::ElectricitySmartMeter,
            )?);
        }
        let (supplier, network_operator) = registered(hub);
        for device in &hub.han_devices {
            devices.push(device_config(
                identities,
                device.device_id,
                device.device_type,
                supplier,
                network_operator,
            )?);
        }
    }
    let on_demand: Option<Arc<dyn smartmeter::DeviceSource>> = (config.fleet > 0).then(|| {
        Arc::new(FleetDevices::new(config, identities)) as Arc<dyn smartmeter::DeviceSource>
    });
    smartmeter::new(
        smartmeter::SmartMeterConfig { devices, on_demand },
        smartmeter::SmartMeterPeers {
            comms_hubs: peers.transport("commshub"),
        },
        clock.clone(),
    )
    .map_err(|error| BuildError::Invalid {
        party: "smartmeter",
        message: error.to_string(),
    })
}

/// A meter's configuration: its keys, and the anchors of its registered supplier and network
/// operator.
fn meter_config(
    identities: &Identities,
    meter: &crate::config::MeterSpec,
    device_type: DeviceType,
) -> Result<device::DeviceConfig, BuildError> {
    device_config(
        identities,
        meter.device_id,
        device_type,
        meter.registered_supplier,
        meter.registered_network_operator,
    )
}

/// A hub's CHF, with its device log (and its copy of the GPF's).
fn chf_config(
    seed: u64,
    identities: &Identities,
    hub: &CommsHubSpec,
) -> Result<device::DeviceConfig, BuildError> {
    let (supplier, network_operator) = registered(hub);
    let mut chf = device_config(
        identities,
        hub.communications_hub_function,
        DeviceType::CommunicationsHubFunction,
        supplier,
        network_operator,
    )?;
    chf.state.han_device_log = crate::han::chf_device_log(seed, hub);
    chf.state.gpf_device_log = crate::han::gpf_device_log(hub);
    Ok(chf)
}

/// A hub's GPF, with its device log.
fn gpf_config(
    identities: &Identities,
    hub: &CommsHubSpec,
    gpf: Eui64,
) -> Result<device::DeviceConfig, BuildError> {
    let (supplier, network_operator) = registered(hub);
    let mut gpf = device_config(
        identities,
        gpf,
        DeviceType::GasProxyFunction,
        supplier,
        network_operator,
    )?;
    gpf.state.han_device_log = crate::han::gpf_device_log(hub);
    Ok(gpf)
}

/// The generated fleet's devices, made on first contact from their ids
/// ([`crate::fleet::premises`] is a pure function of the premises index): the Comms Hubs'
/// engines for the Comms Hub party, the ESMEs for the smart meter party. An idle premises
/// costs nothing here.
#[derive(Debug)]
struct FleetDevices {
    seed: u64,
    fleet: u32,
    identities: Identities,
}

impl FleetDevices {
    fn new(config: &EcosystemConfig, identities: &Identities) -> Self {
        Self {
            seed: config.seed,
            fleet: config.fleet,
            identities: identities.clone(),
        }
    }

    fn premises_of(&self, device: Eui64) -> Option<(CommsHubSpec, fleet::DeviceKind)> {
        let (index, kind) = crate::fleet::locate(device, self.fleet)?;
        Some((crate::fleet::premises(index), kind))
    }
}

impl smartmeter::DeviceSource for FleetDevices {
    fn device(&self, device: Eui64) -> Option<Result<device::DeviceConfig, String>> {
        let (hub, _) = self.premises_of(device)?;
        let meter = hub
            .electricity_meter
            .as_ref()
            .filter(|meter| meter.device_id == device)?;
        Some(
            meter_config(&self.identities, meter, DeviceType::ElectricitySmartMeter)
                .map_err(|error| error.to_string()),
        )
    }
}

impl commshub::HubSource for FleetDevices {
    fn hub_of(&self, device: Eui64) -> Option<commshub::OnDemandHub> {
        let (hub, _) = self.premises_of(device)?;
        Some(commshub::OnDemandHub {
            chf: hub.communications_hub_function,
            region: hub.region,
            engines: std::iter::once(hub.communications_hub_function)
                .chain(hub.gas_proxy_function)
                .chain(hub.gas_meter.as_ref().map(|meter| meter.device_id))
                .collect(),
            han_devices: hub
                .electricity_meter
                .iter()
                .map(|meter| meter.device_id)
                .collect(),
        })
    }

    fn engine(&self, device: Eui64) -> Result<device::DeviceConfig, String> {
        let (hub, kind) = self
            .premises_of(device)
            .ok_or_else(|| format!("{device} is no device of the generated fleet"))?;
        let made = match kind {
            fleet::DeviceKind::CommunicationsHubFunction => {
                chf_config(self.seed, &self.identities, &hub)
            }
            fleet::DeviceKind::GasProxyFunction => gpf_config(&self.identities, &hub, device),
            fleet::DeviceKind::GasSmartMeter => match &hub.gas_meter {
                Some(meter) => meter_config(&self.identities, meter, DeviceType::GasSmartMeter),
                None => return Err(format!("premises of {device} has no gas meter")),
            },
            fleet::DeviceKind::ElectricitySmartMeter => {
                return Err(format!("{device} is on the HAN, not on its hub"))
            }
        };
        made.map_err(|error| error.to_string())
    }
}

fn build_commshub(
    config: &EcosystemConfig,
    identities: &Identities,
    peers: &dyn PeerDirectory,
    clock: &clock::Clock,
) -> Result<MountedService, BuildError> {
    let mut hubs = Vec::new();
    for hub in &config.comms_hubs {
        let chf = chf_config(config.seed, identities, hub)?;
        let gpf = match hub.gas_proxy_function {
            Some(gpf) => Some(gpf_config(identities, hub, gpf)?),
            None => None,
        };
        let gas_meter_mirror = match &hub.gas_meter {
            Some(meter) => Some(meter_config(identities, meter, DeviceType::GasSmartMeter)?),
            None => None,
        };
        hubs.push(commshub::CommsHubSpec {
            chf,
            gpf,
            gas_meter_mirror,
            han_devices: hub
                .electricity_meter
                .iter()
                .map(|meter| meter.device_id)
                .chain(hub.han_devices.iter().map(|device| device.device_id))
                .collect(),
            region: hub.region,
        });
    }
    let on_demand: Option<Arc<dyn commshub::HubSource>> = (config.fleet > 0)
        .then(|| Arc::new(FleetDevices::new(config, identities)) as Arc<dyn commshub::HubSource>);
    commshub::new(
        commshub::CommsHubConfig { hubs, on_demand },
        commshub::CommsHubPeers {
            csp_north: peers.transport("csp-north"),
            csp_central_south: peers.transport("csp-central-south"),
            smart_meters: peers.transport("smartmeter"),
        },
        clock.clone(),
    )
    .map_err(|error| BuildError::Invalid {
        party: "commshub",
        message: error.to_string(),
    })
}
