//! The `TrustServiceProvider` gRPC service the other parties call.

use std::collections::BTreeSet;

use dcc_model::Eui64;
use dcc_proto::smki::trust_service_provider_server::TrustServiceProvider;
use dcc_proto::smki::{
    CertificateRecord, IssueDeviceCertificatesRequest, IssueDeviceCertificatesResponse,
    ListTrustAnchorsRequest, ListTrustAnchorsResponse, RetrieveCertificateRequest,
    SearchCertificatesRequest, SearchCertificatesResponse,
};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

use crate::registry::{self, DeviceCredentials, SharedRegistry};
use crate::wire;

/// The most devices one `IssueDeviceCertificates` call may name.
pub const MAX_DEVICES_PER_REQUEST: usize = 10_000;

/// The gRPC face of the TSP; cheap to clone (it shares the registry).
#[derive(Debug, Clone)]
pub struct TrustServiceProviderService {
    registry: SharedRegistry,
}

impl TrustServiceProviderService {
    pub(crate) fn new(registry: SharedRegistry) -> Self {
        Self { registry }
    }

    /// The credentials of `devices` (in order), issuing and publishing those not known yet.
    async fn credentials_for(&self, devices: &[Eui64]) -> Result<Vec<DeviceCredentials>, Status> {
        let (unknown, pki) = {
            let registry = registry::read(&self.registry);
            let unknown: BTreeSet<Eui64> = devices
                .iter()
                .copied()
                .filter(|device| registry.device(*device).is_none())
                .collect();
            (unknown, registry.pki())
        };
        if !unknown.is_empty() {
            let issued = tokio::task::spawn_blocking(move || {
                unknown
                    .into_iter()
                    .map(|device| {
                        registry::issue_device(&pki, device).map_err(|error| {
                            Status::internal(format!(
                                "cannot issue certificates for device {device}: {error}"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, Status>>()
            })
            .await
            .map_err(|error| {
                Status::internal(format!("certificate issuance stopped: {error}"))
            })??;
            let mut registry = registry::write(&self.registry);
            for credentials in issued {
                info!(device = %credentials.device, "issued device certificates");
                registry.publish_device(credentials);
            }
        }
        let registry = registry::read(&self.registry);
        devices
            .iter()
            .map(|device| {
                registry.device(*device).cloned().ok_or_else(|| {
                    Status::internal(format!("device {device} was issued but is not kept"))
                })
            })
            .collect()
    }
}

#[tonic::async_trait]
impl TrustServiceProvider for TrustServiceProviderService {
    #[instrument(name = "tsp.issue_device_certificates", skip_all, fields(devices = request.get_ref().device_ids.len()))]
    async fn issue_device_certificates(
        &self,
        request: Request<IssueDeviceCertificatesRequest>,
    ) -> Result<Response<IssueDeviceCertificatesResponse>, Status> {
        let request = request.into_inner();
        let devices = parse_device_ids(&request.device_ids)?;
        let credentials = self.credentials_for(&devices).await?;
        Ok(Response::new(IssueDeviceCertificatesResponse {
            devices: credentials.iter().map(wire::device_certificates).collect(),
        }))
    }

    #[instrument(name = "tsp.search_certificates", skip_all, fields(subject_id = %request.get_ref().subject_id, usage = request.get_ref().usage))]
    async fn search_certificates(
        &self,
        request: Request<SearchCertificatesRequest>,
    ) -> Result<Response<SearchCertificatesResponse>, Status> {
        let request = request.into_inner();
        let subject = dcc_proto::convert::eui64("subject_id", &request.subject_id)?;
        let usage = wire::usage("usage", request.usage)?;
        let registry = registry::read(&self.registry);
        let certificates: Vec<CertificateRecord> = registry
            .search(subject, usage)
            .into_iter()
            .map(wire::certificate_record)
            .collect();
        info!(found = certificates.len(), "searched certificates");
        Ok(Response::new(SearchCertificatesResponse { certificates }))
    }

    #[instrument(name = "tsp.retrieve_certificate", skip_all, fields(serial = %request.get_ref().serial))]
    async fn retrieve_certificate(
        &self,
        request: Request<RetrieveCertificateRequest>,
    ) -> Result<Response<CertificateRecord>, Status> {
        let serial = wire::serial("serial", &request.get_ref().serial)?;
        let registry = registry::read(&self.registry);
        let Some(certificate) = registry.store().by_serial(&serial) else {
            warn!("no certificate with this serial");
            return Err(Status::not_found(format!(
                "the SMKI repository has no certificate with serial {serial}"
            )));
        };
        Ok(Response::new(wire::certificate_record(certificate)))
    }

    #[instrument(name = "tsp.list_trust_anchors", skip_all)]
    async fn list_trust_anchors(
        &self,
        _request: Request<ListTrustAnchorsRequest>,
    ) -> Result<Response<ListTrustAnchorsResponse>, Status> {
        let registry = registry::read(&self.registry);
        let certificates_der = registry
            .trust_anchors()
            .iter()
            .map(|certificate| certificate.der().to_vec())
            .collect();
        Ok(Response::new(ListTrustAnchorsResponse { certificates_der }))
    }
}

/// Parses every `device_ids` entry, naming the first bad one by index.
fn parse_device_ids(device_ids: &[String]) -> Result<Vec<Eui64>, Status> {
    if device_ids.len() > MAX_DEVICES_PER_REQUEST {
        return Err(Status::invalid_argument(format!(
            "field device_ids: {} devices, at most {MAX_DEVICES_PER_REQUEST} per request",
            device_ids.len()
        )));
    }
    device_ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            id.parse().map_err(|error| {
                Status::invalid_argument(format!("field device_ids[{index}]: {error}"))
            })
        })
        .collect()
}
