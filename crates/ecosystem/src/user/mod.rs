//! A DCC user, as the demo, the scenario runner and the tests play it: [`DuisUser`] holds the
//! keys and signs DUIS requests; [`UserAgent`] sees a service request through (endpoint and
//! command variant from the service table, CV4 → sign → CV5, the asynchronous response awaited
//! by RequestID, MAC or signature checked, blocks decrypted); [`ResponseInbox`] is the user's
//! Receive Response endpoint.

mod agent;
mod inbox;

pub use agent::{
    endpoint_for, replaced_own_signing_certificate, sign_pre_command, CounterBook, DeviceAnswer,
    Endpoints, Exchange, RequestOptions, UserAgent, VerifiedGbcs, DEFAULT_RESPONSE_WAIT,
};
pub use inbox::{device_alert, InboxOptions, ResponseInbox};

use std::time::Duration;

use dcc_model::{CommandVariant, Eui64, RequestId, ServiceReferenceVariant};
use duis::{BodyElement, Request, RequestBody, RequestHeader, Response};
use gbcs::crypto::{KeyAgreementPrivateKey, SigningKey};
use smki::{KeyUsage, RemotePartyRole};

use crate::identities::Identities;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user {0}: {1}")]
    Identity(Eui64, String),
    #[error("cannot listen for responses: {0}")]
    Listen(std::io::Error),
    #[error("http: {0}")]
    Http(String),
    #[error("the DSP's answer is not a DUIS response: {0}")]
    NotAResponse(String),
    #[error("the DSP's signature does not verify: {0}")]
    DspSignature(String),
    #[error("no asynchronous response to {request_id} within {limit:?}")]
    NoResponse {
        request_id: RequestId,
        limit: Duration,
    },
    #[error("no alert{} within {limit:?}", alert_code.as_deref().map(|code| format!(" {code}")).unwrap_or_default())]
    NoAlert {
        alert_code: Option<String>,
        limit: Duration,
    },
    #[error("{0} is not a DUIS service reference variant")]
    UnknownService(String),
    #[error("{0}")]
    Verification(String),
}

/// A user with its keys.
#[derive(Debug)]
pub struct DuisUser {
    pub id: Eui64,
    xml_signer: duis::XmlSigner,
    pub digital_signature: SigningKey,
    pub key_agreement: KeyAgreementPrivateKey,
    /// The ACB's key agreement key, which DCC Boxed publishes with its test users' keys: with
    /// it a user checks the MAC of a device's response to a command the ACB sent on its
    /// behalf (device KA × ACB KA). `None` when the identities do not have it.
    pub access_control_broker_key: Option<KeyAgreementPrivateKey>,
    pub(crate) dsp_xml_key: [u8; 65],
    duis_url: String,
    client: reqwest::Client,
}

/// A synchronous answer, with the raw signed XML kept.
#[derive(Debug, Clone)]
pub struct Answer {
    pub xml: Vec<u8>,
    pub response: Response,
}

impl DuisUser {
    pub fn new(id: Eui64, identities: &Identities, duis_url: &str) -> Result<Self, UserError> {
        let error = |message: String| UserError::Identity(id, message);
        let xml = identities
            .organisation(
                id,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::XML_SIGNING),
            )
            .map_err(|e| error(e.to_string()))?;
        let xml_signer = duis::XmlSigner::from_pkcs8(
            xml.private_key_pkcs8_der.as_deref().unwrap_or_default(),
            xml.certificate.issuer_name_rfc2253(),
            xml.certificate.serial_decimal(),
        )
        .map_err(|e| error(e.to_string()))?;
        let ds = identities
            .organisation(id, KeyUsage::DigitalSignature, None)
            .map_err(|e| error(e.to_string()))?;
        let digital_signature =
            SigningKey::from_pkcs8(ds.private_key_pkcs8_der.as_deref().unwrap_or_default())
                .map_err(|e| error(e.to_string()))?;
        let ka = identities
            .organisation(id, KeyUsage::KeyAgreement, None)
            .map_err(|e| error(e.to_string()))?;
        let key_agreement = KeyAgreementPrivateKey::from_pkcs8(
            ka.private_key_pkcs8_der.as_deref().unwrap_or_default(),
        )
        .map_err(|e| error(e.to_string()))?;
        let dsp = identities
            .organisation(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::DSP_XML_SIGNING),
            )
            .map_err(|e| error(e.to_string()))?;
        let access_control_broker_key = identities
            .organisation(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                KeyUsage::KeyAgreement,
                None,
            )
            .ok()
            .and_then(|broker| broker.private_key_pkcs8_der.as_deref())
            .and_then(|pkcs8| KeyAgreementPrivateKey::from_pkcs8(pkcs8).ok());
        Ok(Self {
            id,
            xml_signer,
            digital_signature,
            key_agreement,
            access_control_broker_key,
            dsp_xml_key: dsp.certificate.public_key_sec1(),
            duis_url: duis_url.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
        })
    }

    /// Checks the DSP's signatures with the DSP of `identities` (for a user whose own keys come
    /// from a PKI the DCC does not trust).
    pub fn trusting_dsp_of(mut self, identities: &Identities) -> Result<Self, UserError> {
        let dsp = identities
            .organisation(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::DSP_XML_SIGNING),
            )
            .map_err(|e| UserError::Identity(self.id, e.to_string()))?;
        self.dsp_xml_key = dsp.certificate.public_key_sec1();
        Ok(self)
    }

    /// A signed request.
    pub fn signed_request(
        &self,
        target: Eui64,
        counter: u64,
        command_variant: CommandVariant,
        service_reference_variant: &str,
        body: RequestBody,
    ) -> Result<String, UserError> {
        let service_reference_variant: ServiceReferenceVariant = service_reference_variant
            .parse()
            .map_err(|e: dcc_model::UnknownValue| UserError::Http(e.to_string()))?;
        let request = Request {
            schema_version: "5.4".to_owned(),
            header: RequestHeader {
                request_id: RequestId::new(self.id, target, counter),
                command_variant,
                service_reference: service_reference_variant.service_reference().to_owned(),
                service_reference_variant,
                first_in_sequence: None,
                preceding_service_request_id: None,
            },
            body,
        };
        duis::sign_document(&duis::render_request(&request), &self.xml_signer)
            .map_err(|e| UserError::Http(e.to_string()))
    }

    /// An empty service request body such as `<sr:ReadInstantaneousImportRegisters/>`.
    pub fn body(element: &str, children: Vec<BodyElement>) -> RequestBody {
        RequestBody::ServiceRequest(BodyElement::with_children(element, children))
    }

    /// Posts `xml` to `/api/v1/<service>` and checks the DSP's signature on the answer.
    pub async fn post(&self, service: &str, xml: impl Into<Vec<u8>>) -> Result<Answer, UserError> {
        let response = self
            .client
            .post(format!("{}/api/v1/{service}", self.duis_url))
            .header("content-type", "application/xml")
            .body(xml.into())
            .send()
            .await
            .map_err(|e| UserError::Http(e.to_string()))?;
        let xml = response
            .bytes()
            .await
            .map_err(|e| UserError::Http(e.to_string()))?
            .to_vec();
        self.read_dsp_document(xml)
    }

    /// Checks the DSP's signature on a document and parses it.
    pub fn read_dsp_document(&self, xml: Vec<u8>) -> Result<Answer, UserError> {
        let document = duis::ParsedDocument::parse(&xml)
            .map_err(|e| UserError::DspSignature(duis::SignatureError::from(e).to_string()))?;
        document
            .verify(&self.dsp_xml_key)
            .map_err(|e| UserError::DspSignature(e.to_string()))?;
        let response = document
            .response()
            .map_err(|e| UserError::NotAResponse(e.to_string()))?;
        drop(document);
        Ok(Answer { xml, response })
    }
}

/// Fetches a device's certificate of `usage` from the SMKI repository over HTTP, as a user
/// would: search by subject alternative name, then retrieve by serial.
pub async fn fetch_device_certificate(
    smki_url: &str,
    device: Eui64,
    usage: KeyUsage,
) -> Result<smki::Certificate, UserError> {
    let client = reqwest::Client::new();
    let post = |path: &'static str, body: String| {
        let request = client
            .post(format!("{smki_url}/services/{path}"))
            .header("content-type", "application/xml")
            .body(body);
        async move {
            let response = request
                .send()
                .await
                .map_err(|e| UserError::Http(e.to_string()))?;
            response
                .text()
                .await
                .map_err(|e| UserError::Http(e.to_string()))
        }
    };
    let found = post(
        "certificatesearch",
        smki::repository::render_search_request(smki::repository::SearchSubject::SubjectAltName(
            device,
        )),
    )
    .await?;
    let document = roxmltree::Document::parse(&found)
        .map_err(|e| UserError::Http(format!("search answer: {e}")))?;
    let text_of = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|child| child.tag_name().name() == name)
            .and_then(|child| child.text())
            .map(str::trim)
            .map(str::to_owned)
    };
    let serial = document
        .descendants()
        .filter(|node| {
            node.has_children()
                && text_of(*node, "CertificateUsage").as_deref() == Some(usage.code())
        })
        .find_map(|node| text_of(node, "CertificateSerial"))
        .ok_or_else(|| {
            UserError::Http(format!(
                "no {} certificate for {device}: {found}",
                usage.code()
            ))
        })?;
    let data = post(
        "retrievecertificate",
        smki::repository::render_data_request(&serial),
    )
    .await?;
    let document = roxmltree::Document::parse(&data)
        .map_err(|e| UserError::Http(format!("retrieve answer: {e}")))?;
    let body: String = document
        .descendants()
        .find(|node| node.tag_name().name() == "CertificateBody")
        .and_then(|node| node.text())
        .map(|text| text.chars().filter(|c| !c.is_whitespace()).collect())
        .ok_or_else(|| UserError::Http(format!("no certificate body: {data}")))?;
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| UserError::Http(format!("certificate body: {e}")))?;
    smki::Certificate::from_der(&der).map_err(|e| UserError::Http(e.to_string()))
}
