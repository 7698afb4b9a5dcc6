//! A Registration Data Provider (electricity or gas): publishes its meter points, each with the
//! smart meter installed there and its registered supplier and network operator, to the DSP,
//! which uses them to decide who may address a device.
#![forbid(unsafe_code)]

pub mod directory;
pub mod registration_file;
pub mod transmission;

use std::path::PathBuf;
use std::time::Duration;

use dcc_model::Eui64;
use dcc_proto::registration::registration_data_intake_client::RegistrationDataIntakeClient;
use dcc_proto::registration::{
    Fuel as WireFuel, MeterPoint as WireMeterPoint, RegistrationSnapshot,
};
use dcc_proto::service::MountedService;
use dcc_proto::transport::GrpcTransport;
use tracing::{info, warn};

/// Which registration data an RDP holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fuel {
    Electricity,
    Gas,
}

/// One meter point: the metering point reference, its meter, and who is registered for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterPoint {
    /// MPAN (electricity) or MPRN (gas).
    pub meter_point_reference: String,
    pub device_id: Eui64,
    pub registered_supplier: Eui64,
    pub registered_network_operator: Eui64,
    /// The registered supplier agent the supplier appointed, if any.
    #[serde(default)]
    pub registered_supplier_agent: Option<Eui64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RdpConfig {
    pub fuel: Fuel,
    pub meter_points: Vec<MeterPoint>,
    /// How long to wait between attempts while the DSP is unreachable, and between
    /// re-publications (so a restarted DSP gets the data again).
    #[serde(with = "seconds")]
    pub republish_interval: Duration,
    /// A registration folder (`dccsim up --registration DIR`): its files for this fuel are
    /// sent as they appear (a full refresh, then daily updates), besides the snapshot.
    #[serde(default)]
    pub registration_directory: Option<PathBuf>,
}

/// The party name `dccsim serve` uses.
pub fn party_name(fuel: Fuel) -> &'static str {
    match fuel {
        Fuel::Electricity => "rdp-electricity",
        Fuel::Gas => "rdp-gas",
    }
}

/// The name under which the DSP keeps what came in an RDP's files (apart from its snapshot).
pub fn files_source_name(fuel: Fuel) -> String {
    format!("{}/files", party_name(fuel))
}

/// Builds an RDP: it serves no gRPC of its own (health only) and runs a background task that
/// publishes its snapshot to the DSP at start-up and then periodically, and, with a
/// registration folder, one that sends its files.
pub fn new(config: RdpConfig, dsp: GrpcTransport) -> MountedService {
    let name = party_name(config.fuel).to_owned();
    let mut tasks: Vec<dcc_proto::service::BackgroundTask> = Vec::new();
    if let Some(root) = config.registration_directory.clone() {
        tasks.push(Box::pin(directory::send_directory_forever(
            config.fuel,
            root,
            dsp.clone(),
            config.republish_interval,
        )));
    }
    tasks.insert(0, Box::pin(publish_forever(config, dsp)));
    MountedService {
        name,
        routes: tonic::service::Routes::default(),
        grpc_service_names: Vec::new(),
        tasks,
    }
}

/// The snapshot an RDP sends.
pub fn snapshot(config: &RdpConfig) -> RegistrationSnapshot {
    RegistrationSnapshot {
        registration_data_provider: party_name(config.fuel).to_owned(),
        fuel: match config.fuel {
            Fuel::Electricity => WireFuel::Electricity as i32,
            Fuel::Gas => WireFuel::Gas as i32,
        },
        meter_points: config
            .meter_points
            .iter()
            .map(|point| WireMeterPoint {
                meter_point_reference: point.meter_point_reference.clone(),
                device_id: point.device_id.to_hex(),
                registered_supplier_id: point.registered_supplier.to_hex(),
                registered_network_operator_id: point.registered_network_operator.to_hex(),
                registered_supplier_agent_id: point
                    .registered_supplier_agent
                    .map(|agent| agent.to_hex())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

const RETRY_INTERVAL: Duration = Duration::from_millis(100);

/// The largest snapshot an RDP sends (the DSP takes as much).
const SNAPSHOT_MESSAGE_LIMIT: usize = 64 * 1024 * 1024;

/// How much longer than the configured interval an RDP waits between republications per
/// meter point of its snapshot: a generated fleet's 100,000 make it every 5 s, so that
/// sending the snapshot again costs the DSP a small share of its time.
const REPUBLISH_INTERVAL_PER_METER_POINT: Duration = Duration::from_micros(50);

async fn publish_forever(config: RdpConfig, dsp: GrpcTransport) {
    let mut client = RegistrationDataIntakeClient::new(dsp)
        .max_encoding_message_size(SNAPSHOT_MESSAGE_LIMIT)
        .max_decoding_message_size(SNAPSHOT_MESSAGE_LIMIT);
    let snapshot = snapshot(&config);
    let republish_interval = config.republish_interval.max(
        REPUBLISH_INTERVAL_PER_METER_POINT
            .saturating_mul(u32::try_from(snapshot.meter_points.len()).unwrap_or(u32::MAX)),
    );
    let rdp = party_name(config.fuel);
    let mut published = false;
    loop {
        match client.submit_registration_data(snapshot.clone()).await {
            Ok(accepted) => {
                if !published {
                    info!(
                        rdp,
                        meter_points = accepted.get_ref().meter_points,
                        "registration data published to the dsp"
                    );
                }
                published = true;
            }
            Err(status) => {
                if published {
                    warn!(rdp, error = %status.message(), "dsp unreachable; will publish again");
                }
                published = false;
            }
        }
        tokio::time::sleep(wait_after(published, republish_interval)).await;
    }
}

/// How long to wait before publishing again: the republish interval after the DSP took the
/// snapshot; after a refusal no longer than [`RETRY_INTERVAL`], since the DSP is probably
/// starting or restarting.
fn wait_after(accepted: bool, republish_interval: Duration) -> Duration {
    if accepted {
        return republish_interval;
    }
    republish_interval.min(RETRY_INTERVAL)
}

mod seconds {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let seconds: f64 = serde::Deserialize::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
