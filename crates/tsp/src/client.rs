//! The client the other parties use to reach the TSP, speaking SMKI domain types.

use dcc_model::Eui64;
use dcc_proto::smki::trust_service_provider_client::TrustServiceProviderClient;
use dcc_proto::smki::{
    CertificateStatus as WireCertificateStatus, ChangeCertificateStatusRequest, DeviceCertificates,
    IssueDeviceCertificatesRequest, ListTrustAnchorsRequest, RetrieveCertificateRequest,
    SearchCertificatesRequest, SubmitCertificateSigningRequestsRequest,
};
use dcc_proto::transport::GrpcTransport;
use smki::{Certificate, CsrSubmission, KeyUsage};

use crate::registry::DeviceCredentials;
use crate::wire::{self, MalformedAnswer};

/// Why a call to the TSP failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TspError {
    /// The TSP has no such certificate.
    #[error("the TSP has no such certificate: {0}")]
    NotFound(String),
    /// The TSP refused the request as malformed (a bad id, serial or CSR) or not possible now.
    #[error("the TSP refused the request: {0}")]
    Rejected(String),
    /// The requester may not have what it asked for (a CSR for another party or role).
    #[error("the TSP refused the requester: {0}")]
    PermissionDenied(String),
    /// The TSP could not be reached or failed.
    #[error("the TSP is unavailable: {0}")]
    Unavailable(String),
    /// The TSP's answer does not hold what it should.
    #[error("the TSP answered a malformed {field}: {reason}")]
    MalformedAnswer {
        /// The field at fault, e.g. `devices[0].key_agreement`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<tonic::Status> for TspError {
    fn from(status: tonic::Status) -> Self {
        let message = status.message().to_owned();
        match status.code() {
            tonic::Code::NotFound => Self::NotFound(message),
            tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition => {
                Self::Rejected(message)
            }
            tonic::Code::PermissionDenied => Self::PermissionDenied(message),
            code => Self::Unavailable(format!("{code:?}: {message}")),
        }
    }
}

impl From<MalformedAnswer> for TspError {
    fn from(answer: MalformedAnswer) -> Self {
        Self::MalformedAnswer {
            field: answer.field,
            reason: answer.reason,
        }
    }
}

/// A handle on the TSP, in this process or over the network; cheap to clone.
#[derive(Debug, Clone)]
pub struct TspClient {
    client: TrustServiceProviderClient<GrpcTransport>,
}

impl TspClient {
    /// A client over `transport` (`dcc_proto::transport::local(..)` or `remote(..)`).
    pub fn new(transport: GrpcTransport) -> Self {
        Self {
            client: TrustServiceProviderClient::new(transport),
        }
    }

    /// The DS and KA credentials of each device, in the order asked: the existing ones for
    /// devices the TSP knows, freshly issued (and published) ones for the others.
    pub async fn device_certificates(
        &self,
        devices: &[Eui64],
    ) -> Result<Vec<DeviceCredentials>, TspError> {
        let request = IssueDeviceCertificatesRequest {
            device_ids: devices.iter().map(Eui64::to_hex).collect(),
        };
        let response = self
            .client
            .clone()
            .issue_device_certificates(request)
            .await?
            .into_inner();
        if response.devices.len() != devices.len() {
            return Err(TspError::MalformedAnswer {
                field: "devices".to_owned(),
                reason: format!(
                    "{} entries for {} devices asked",
                    response.devices.len(),
                    devices.len()
                ),
            });
        }
        // Checking that each private key matches its certificate costs a scalar
        // multiplication per key (about half a millisecond): off the async threads.
        let asked = devices.to_vec();
        tokio::task::spawn_blocking(move || read_device_credentials(&response.devices, &asked))
            .await
            .map_err(|error| {
                TspError::Unavailable(format!("reading the TSP's answer stopped: {error}"))
            })?
    }

    /// The published certificates of `subject` (organisation id or device EUI-64) for `usage`.
    pub async fn find(
        &self,
        subject: Eui64,
        usage: KeyUsage,
    ) -> Result<Vec<Certificate>, TspError> {
        self.search(subject, Some(usage)).await
    }

    /// All published certificates of `subject`, every usage and role.
    pub async fn find_subject(&self, subject: Eui64) -> Result<Vec<Certificate>, TspError> {
        self.search(subject, None).await
    }

    /// The certificate with this decimal serial number.
    pub async fn retrieve(&self, serial_decimal: &str) -> Result<Certificate, TspError> {
        let request = RetrieveCertificateRequest {
            serial: serial_decimal.to_owned(),
        };
        let record = self
            .client
            .clone()
            .retrieve_certificate(request)
            .await?
            .into_inner();
        Ok(wire::certificate_from_record("certificate", &record)?)
    }

    /// Submits CSRs as organisation `requester` and answers their certificates, in order
    /// (published in the repository). All or nothing: a refused CSR fails the call with
    /// [`TspError::Rejected`] or [`TspError::PermissionDenied`] naming it (`requests[2]: …`).
    pub async fn submit_csrs(
        &self,
        requester: Eui64,
        submissions: &[CsrSubmission],
    ) -> Result<Vec<Certificate>, TspError> {
        let request = SubmitCertificateSigningRequestsRequest {
            requester_id: requester.to_hex(),
            requests: submissions.iter().map(wire::csr_message).collect(),
        };
        let response = self
            .client
            .clone()
            .submit_certificate_signing_requests(request)
            .await?
            .into_inner();
        if response.certificates.len() != submissions.len() {
            return Err(TspError::MalformedAnswer {
                field: "certificates".to_owned(),
                reason: format!(
                    "{} certificates for {} CSRs",
                    response.certificates.len(),
                    submissions.len()
                ),
            });
        }
        response
            .certificates
            .iter()
            .enumerate()
            .map(|(index, record)| {
                Ok(wire::certificate_from_record(
                    &format!("certificates[{index}]"),
                    record,
                )?)
            })
            .collect()
    }

    /// Submits one CSR ([`TspClient::submit_csrs`]).
    pub async fn submit_csr(
        &self,
        requester: Eui64,
        submission: CsrSubmission,
    ) -> Result<Certificate, TspError> {
        let mut certificates = self.submit_csrs(requester, &[submission]).await?;
        certificates.pop().ok_or_else(|| TspError::MalformedAnswer {
            field: "certificates".to_owned(),
            reason: "empty".to_owned(),
        })
    }

    /// Revokes the certificate with this decimal serial number and answers it.
    pub async fn revoke(&self, serial_decimal: &str) -> Result<Certificate, TspError> {
        let request = ChangeCertificateStatusRequest {
            serial: serial_decimal.to_owned(),
            status: WireCertificateStatus::Revoked as i32,
        };
        let response = self
            .client
            .clone()
            .change_certificate_status(request)
            .await?
            .into_inner();
        let record = response
            .certificate
            .ok_or_else(|| TspError::MalformedAnswer {
                field: "certificate".to_owned(),
                reason: "missing".to_owned(),
            })?;
        Ok(wire::certificate_from_record("certificate", &record)?)
    }

    /// Whether the certificate with this decimal serial number is revoked.
    pub async fn is_revoked(&self, serial_decimal: &str) -> Result<bool, TspError> {
        let request = RetrieveCertificateRequest {
            serial: serial_decimal.to_owned(),
        };
        let record = self
            .client
            .clone()
            .retrieve_certificate(request)
            .await?
            .into_inner();
        Ok(record.revoked)
    }

    /// The root and issuing CA certificates every party trusts (and any published
    /// certificate that has no CA in the repository, such as DCC Boxed's ZAZ1 ones).
    pub async fn trust_anchors(&self) -> Result<Vec<Certificate>, TspError> {
        let response = self
            .client
            .clone()
            .list_trust_anchors(ListTrustAnchorsRequest {})
            .await?
            .into_inner();
        response
            .certificates_der
            .iter()
            .enumerate()
            .map(|(index, der)| {
                Certificate::from_der(der).map_err(|error| TspError::MalformedAnswer {
                    field: format!("certificates_der[{index}]"),
                    reason: error.to_string(),
                })
            })
            .collect()
    }

    async fn search(
        &self,
        subject: Eui64,
        usage: Option<KeyUsage>,
    ) -> Result<Vec<Certificate>, TspError> {
        let request = SearchCertificatesRequest {
            subject_id: subject.to_hex(),
            usage: wire::usage_field(usage) as i32,
        };
        let response = self
            .client
            .clone()
            .search_certificates(request)
            .await?
            .into_inner();
        response
            .certificates
            .iter()
            .enumerate()
            .map(|(index, record)| {
                Ok(wire::certificate_from_record(
                    &format!("certificates[{index}]"),
                    record,
                )?)
            })
            .collect()
    }
}

/// The credentials of each message, checked against the device asked for in its place.
fn read_device_credentials(
    messages: &[DeviceCertificates],
    asked: &[Eui64],
) -> Result<Vec<DeviceCredentials>, TspError> {
    let mut credentials = Vec::with_capacity(asked.len());
    for (index, (message, asked)) in messages.iter().zip(asked).enumerate() {
        let field = format!("devices[{index}]");
        let device = wire::device_credentials_from_message(&field, message)?;
        if device.device != *asked {
            return Err(TspError::MalformedAnswer {
                field,
                reason: format!("device {} answered where {asked} was asked", device.device),
            });
        }
        credentials.push(device);
    }
    Ok(credentials)
}
