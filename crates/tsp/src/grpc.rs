//! The `TrustServiceProvider` gRPC service the other parties call.

use dcc_model::Eui64;
use dcc_proto::smki::trust_service_provider_server::TrustServiceProvider;
use dcc_proto::smki::{
    CertificateRecord, CertificateStatus as WireCertificateStatus, ChangeCertificateStatusRequest,
    ChangeCertificateStatusResponse, IssueDeviceCertificatesRequest,
    IssueDeviceCertificatesResponse, ListTrustAnchorsRequest, ListTrustAnchorsResponse,
    RetrieveCertificateRequest, SearchCertificatesRequest, SearchCertificatesResponse,
    SubmitCertificateSigningRequestsRequest, SubmitCertificateSigningRequestsResponse,
};
use smki::{Certificate, CsrSubmission, Requester, TestPki};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

use crate::registry::{self, DeviceCredentials, RevokeError, SharedRegistry};
use crate::wire;

/// The most devices one `IssueDeviceCertificates` call may name.
pub const MAX_DEVICES_PER_REQUEST: usize = 10_000;

/// The most CSRs one `SubmitCertificateSigningRequests` call may carry.
pub const MAX_CSRS_PER_REQUEST: usize = 10_000;

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
        registry::issue_unknown(&self.registry, devices)
            .await
            .map_err(Status::internal)?;
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
        let registry = registry::read(&self.registry);
        Ok(Response::new(IssueDeviceCertificatesResponse {
            devices: credentials
                .iter()
                .map(|credentials| wire::device_certificates(credentials, registry.store()))
                .collect(),
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
        registry::publish_if_fleet_device(&self.registry, subject)
            .await
            .map_err(Status::internal)?;
        let registry = registry::read(&self.registry);
        let certificates: Vec<CertificateRecord> = registry
            .search(subject, usage)
            .into_iter()
            .map(|certificate| wire::certificate_record(certificate, registry.store()))
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
        Ok(Response::new(wire::certificate_record(
            certificate,
            registry.store(),
        )))
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

    #[instrument(name = "tsp.submit_certificate_signing_requests", skip_all, fields(requester = %request.get_ref().requester_id, csrs = request.get_ref().requests.len()))]
    async fn submit_certificate_signing_requests(
        &self,
        request: Request<SubmitCertificateSigningRequestsRequest>,
    ) -> Result<Response<SubmitCertificateSigningRequestsResponse>, Status> {
        let request = request.into_inner();
        let requester_id = dcc_proto::convert::eui64("requester_id", &request.requester_id)?;
        let submissions = parse_submissions(request.requests)?;
        let (requester, pki) = {
            let registry = registry::read(&self.registry);
            (registry.requester(requester_id), registry.pki())
        };
        let Some(requester) = requester else {
            warn!("unknown requester");
            return Err(Status::permission_denied(format!(
                "requester {requester_id} holds no organisation certificate in the SMKI repository"
            )));
        };
        let issued = tokio::task::spawn_blocking(move || issue_all(&pki, &submissions, &requester))
            .await
            .map_err(|error| Status::internal(format!("certificate issuance stopped: {error}")))?
            .inspect_err(|status| warn!(reason = status.message(), "refused a CSR"))?;
        let mut registry = registry::write(&self.registry);
        registry.publish_certificates(&issued);
        info!(issued = issued.len(), "issued certificates from CSRs");
        Ok(Response::new(SubmitCertificateSigningRequestsResponse {
            certificates: issued
                .iter()
                .map(|certificate| wire::certificate_record(certificate, registry.store()))
                .collect(),
        }))
    }

    #[instrument(name = "tsp.change_certificate_status", skip_all, fields(serial = %request.get_ref().serial, status = request.get_ref().status))]
    async fn change_certificate_status(
        &self,
        request: Request<ChangeCertificateStatusRequest>,
    ) -> Result<Response<ChangeCertificateStatusResponse>, Status> {
        let request = request.into_inner();
        let serial = wire::serial("serial", &request.serial)?;
        if request.status != WireCertificateStatus::Revoked as i32 {
            return Err(Status::invalid_argument(format!(
                "field status: {} cannot be set; only CERTIFICATE_STATUS_REVOKED ({}) can, the other statuses follow from validity",
                request.status,
                WireCertificateStatus::Revoked as i32
            )));
        }
        let mut registry = registry::write(&self.registry);
        let certificate = registry.revoke(&serial).map_err(|error| match error {
            RevokeError::NotFound => Status::not_found(format!(
                "the SMKI repository has no certificate with serial {serial}"
            )),
            RevokeError::TrustAnchor => Status::failed_precondition(format!(
                "certificate {serial} is a trust anchor (a CA every party holds) and cannot be revoked"
            )),
        })?;
        info!("revoked a certificate");
        Ok(Response::new(ChangeCertificateStatusResponse {
            certificate: Some(wire::certificate_record(&certificate, registry.store())),
        }))
    }
}

/// Issues every submission (all or nothing), the first refusal failing the whole batch.
/// CPU-bound: a signature check and a signature per CSR.
fn issue_all(
    pki: &TestPki,
    submissions: &[CsrSubmission],
    requester: &Requester,
) -> Result<Vec<Certificate>, Status> {
    submissions
        .iter()
        .enumerate()
        .map(|(index, submission)| {
            pki.issue_from_csr(submission, requester)
                .map_err(|error| wire::csr_refusal(index, &error))
        })
        .collect()
}

/// Parses the requests of a CSR submission, bounded by [`MAX_CSRS_PER_REQUEST`].
fn parse_submissions(
    requests: Vec<dcc_proto::smki::CertificateSigningRequest>,
) -> Result<Vec<CsrSubmission>, Status> {
    if requests.is_empty() {
        return Err(Status::invalid_argument(
            "field requests: no certificate signing request",
        ));
    }
    if requests.len() > MAX_CSRS_PER_REQUEST {
        return Err(Status::invalid_argument(format!(
            "field requests: {} CSRs, at most {MAX_CSRS_PER_REQUEST} per request",
            requests.len()
        )));
    }
    requests
        .into_iter()
        .enumerate()
        .map(|(index, message)| wire::csr_submission(index, message))
        .collect()
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
