//! The typed client of a CSP, as the DSP calls it: domain arguments in, domain answers out;
//! the gRPC messages stay inside.

use dcc_model::{CspRegion, Eui64, RequestId};
use dcc_proto::transport::GrpcTransport;
use dcc_proto::wan::communications_service_provider_client::CommunicationsServiceProviderClient;
use dcc_proto::wan::{FirmwareDistribution, WanCommand, WanCoverageQuery};

use crate::coverage::{Address, ConnectivityLikelihood, Coverage, RegionCoverage};

/// Why a CSP did not take a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CspError {
    /// The CSP answered and refused (e.g. a Comms Hub outside its region).
    #[error("the CSP refused: {0}")]
    Refused(String),
    /// The CSP (or the Comms Hub behind it) could not be reached.
    #[error("the CSP is unreachable: {0}")]
    Unreachable(String),
    /// The Comms Hub cannot be reached over the SM WAN now.
    #[error("the comms hub is unreachable over the SM WAN: {0}")]
    CommsHubUnreachable(String),
    /// The CSP's answer does not read as the contract says.
    #[error("the CSP's answer is malformed: {0}")]
    Malformed(String),
}

impl From<tonic::Status> for CspError {
    fn from(status: tonic::Status) -> Self {
        let wan = status.metadata().get(crate::SM_WAN_METADATA_KEY);
        if wan.is_some_and(|value| value == crate::COMMS_HUB_UNREACHABLE) {
            return CspError::CommsHubUnreachable(status.message().to_owned());
        }
        match status.code() {
            tonic::Code::Unavailable
            | tonic::Code::Unknown
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Cancelled => CspError::Unreachable(status.message().to_owned()),
            _ => CspError::Refused(status.message().to_owned()),
        }
    }
}

/// One CSP, reached through `transport`.
#[derive(Debug, Clone)]
pub struct CspClient {
    transport: GrpcTransport,
}

impl CspClient {
    pub fn new(transport: GrpcTransport) -> Self {
        Self { transport }
    }

    fn client(&self) -> CommunicationsServiceProviderClient<GrpcTransport> {
        CommunicationsServiceProviderClient::new(self.transport.clone())
    }

    /// Hands a protected GBCS command for `device`, reached through `comms_hub`, to the CSP.
    pub async fn send_command(
        &self,
        request_id: &RequestId,
        comms_hub: Eui64,
        device: Eui64,
        gbcs: Vec<u8>,
    ) -> Result<(), CspError> {
        self.client()
            .send_command(WanCommand {
                request_id: request_id.to_string(),
                comms_hub_id: comms_hub.to_hex(),
                device_id: device.to_hex(),
                gbcs,
            })
            .await?;
        Ok(())
    }

    /// SM WAN coverage at `address` for each region the CSP serves (DUIS 12.1).
    pub async fn wan_coverage(
        &self,
        request_id: &RequestId,
        address: &Address,
    ) -> Result<Vec<RegionCoverage>, CspError> {
        let (uprn, post_code, address_identifier) = match address {
            Address::Uprn(uprn) => (uprn.clone(), String::new(), String::new()),
            Address::Partial {
                post_code,
                address_identifier,
            } => (String::new(), post_code.clone(), address_identifier.clone()),
        };
        let answer = self
            .client()
            .request_wan_coverage(WanCoverageQuery {
                request_id: request_id.to_string(),
                uprn,
                post_code,
                address_identifier,
            })
            .await?
            .into_inner();
        answer
            .regions
            .into_iter()
            .map(|region| {
                let malformed = |field: &str, error: &dyn std::fmt::Display| {
                    CspError::Malformed(format!("{field}: {error}"))
                };
                let coverage = if region.wan_technology.is_empty() {
                    None
                } else {
                    Some(Coverage {
                        available: region.coverage_available,
                        anticipated_date: non_empty(region.anticipated_coverage_date),
                        wan_technology: region.wan_technology,
                        connectivity_likelihood: region
                            .connectivity_likelihood
                            .parse()
                            .map_err(|error| malformed("connectivity_likelihood", &error))?,
                        auxiliary_equipment_required: non_empty(
                            region.auxiliary_equipment_required,
                        ),
                        additional_information: non_empty(region.additional_information),
                    })
                };
                Ok(RegionCoverage {
                    region: region
                        .region
                        .parse::<CspRegion>()
                        .map_err(|error| malformed("region", &error))?,
                    response_code: region
                        .response_code
                        .parse()
                        .map_err(|error| malformed("response_code", &error))?,
                    coverage,
                })
            })
            .collect()
    }

    /// Hands a firmware image for `devices` to the CSP (DUIS 11.1, 11.4); returns the devices
    /// it cannot reach.
    pub async fn distribute_firmware(
        &self,
        request_id: &RequestId,
        devices: &[Eui64],
        firmware_version: &str,
        image: Vec<u8>,
    ) -> Result<Vec<Eui64>, CspError> {
        let accepted = self
            .client()
            .distribute_firmware(FirmwareDistribution {
                request_id: request_id.to_string(),
                device_ids: devices.iter().map(Eui64::to_hex).collect(),
                firmware_version: firmware_version.to_owned(),
                image,
            })
            .await?
            .into_inner();
        accepted
            .refused_device_ids
            .iter()
            .map(|id| {
                id.parse()
                    .map_err(|error| CspError::Malformed(format!("refused_device_ids: {error}")))
            })
            .collect()
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

impl std::str::FromStr for ConnectivityLikelihood {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "High" => Ok(ConnectivityLikelihood::High),
            "Medium" => Ok(ConnectivityLikelihood::Medium),
            "Low" => Ok(ConnectivityLikelihood::Low),
            other => Err(format!("{other:?} is not High, Medium or Low")),
        }
    }
}
