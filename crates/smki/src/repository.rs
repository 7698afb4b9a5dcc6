//! The DCC Boxed SMKI repository service (`/services/certificatesearch` and
//! `/services/retrievecertificate` on port 8083): request parsing, search, response rendering.
//!
//! Shapes follow DCC's own client (`@smartdcc/dccboxed-keystore`): requests are bare
//! `CertificateSearchRequest` / `CertificateDataRequest` documents with no namespace; search
//! results give the serial in hex, the subject as `90-B3-D5-1F-30-01-00-00`, the status letter,
//! the role in decimal (`2`, `135`) and the usage `DS`/`KA`; the client then fetches each
//! serial and needs `CertificateBody` plus `CertificateSubjectName` (organisations) or
//! `CertificateSubjectAltName` (devices) to tell the kinds apart. A search that finds nothing is
//! HTTP 402; bad parameters are HTTP 401.

use base64::Engine as _;
use dcc_model::Eui64;

use crate::certificate::{hex_to_bytes, Certificate};
use crate::role::{KeyUsage, RemotePartyRole};
use crate::store::{CertificateStatus, CertificateStore};

/// `ResponseCode` of a successful repository response.
pub const SUCCESS_RESPONSE_CODE: &str = "200";
/// `ResponseMessage` of a successful repository response (DCC's wording is not public).
pub const SUCCESS_RESPONSE_MESSAGE: &str = "Success";
/// `ManufacturingFlag` written on every result (its meaning is not public; `N` assumed).
pub const MANUFACTURING_FLAG: &str = "N";
/// The largest request body parsed.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Why a repository request fails, with the HTTP status DCC Boxed answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepositoryError {
    /// Malformed XML or parameters: HTTP 401.
    #[error("invalid search parameters: {0}")]
    BadParameters(String),
    /// No certificate matches: HTTP 402.
    #[error("no certificate found: {0}")]
    NotFound(String),
}

impl RepositoryError {
    /// The HTTP status DCC Boxed answers with: 401 or 402.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::BadParameters(_) => 401,
            Self::NotFound(_) => 402,
        }
    }
}

/// Whose certificates a search asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSubject {
    /// `CertificateSubjectName`: an organisation id.
    SubjectName(Eui64),
    /// `CertificateSubjectAltName`: a device EUI-64.
    SubjectAltName(Eui64),
}

/// A parsed `CertificateSearchRequest`. DCC's client sends only the subject and filters the
/// results itself; the optional filters are honoured when a request carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchRequest {
    /// The subject searched for.
    pub subject: SearchSubject,
    /// `CertificateUsage` (`DS`/`KA`), when given.
    pub usage: Option<KeyUsage>,
    /// `CertificateRole` (decimal), when given.
    pub role: Option<RemotePartyRole>,
    /// `CertificateStatus` (`P`, `I`, `N`, `E`, `R`), when given.
    pub status: Option<CertificateStatus>,
}

/// One search result: a certificate and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchResult<'a> {
    /// The certificate found.
    pub certificate: &'a Certificate,
    /// Its status at the time of the search.
    pub status: CertificateStatus,
}

/// Parses a `CertificateSearchRequest`; any fault is [`RepositoryError::BadParameters`].
pub fn parse_search_request(xml: &str) -> Result<SearchRequest, RepositoryError> {
    let document = parse_document(xml)?;
    let root = root_named(&document, "CertificateSearchRequest")?;
    let subject_name = child_text(root, "CertificateSubjectName")?;
    let subject_alt_name = child_text(root, "CertificateSubjectAltName")?;
    let subject = match (subject_name, subject_alt_name) {
        (Some(name), None) => SearchSubject::SubjectName(parse_eui(name)?),
        (None, Some(name)) => SearchSubject::SubjectAltName(parse_eui(name)?),
        (Some(_), Some(_)) => {
            return Err(bad(
                "both CertificateSubjectName and CertificateSubjectAltName",
            ))
        }
        (None, None) => {
            return Err(bad(
                "neither CertificateSubjectName nor CertificateSubjectAltName",
            ))
        }
    };
    let usage = child_text(root, "CertificateUsage")?
        .map(|text| {
            KeyUsage::from_code(text).ok_or_else(|| bad(&format!("CertificateUsage {text:?}")))
        })
        .transpose()?;
    let role = child_text(root, "CertificateRole")?
        .map(parse_role)
        .transpose()?;
    let status = child_text(root, "CertificateStatus")?
        .map(|text| {
            CertificateStatus::from_code(text)
                .ok_or_else(|| bad(&format!("CertificateStatus {text:?}")))
        })
        .transpose()?;
    Ok(SearchRequest {
        subject,
        usage,
        role,
        status,
    })
}

/// Parses a `CertificateDataRequest` and returns its `CertificateSerial` normalised to
/// uppercase hex without leading zeros (DCC's client sends lowercase hex).
pub fn parse_data_request(xml: &str) -> Result<String, RepositoryError> {
    let document = parse_document(xml)?;
    let root = root_named(&document, "CertificateDataRequest")?;
    let serial =
        child_text(root, "CertificateSerial")?.ok_or_else(|| bad("no CertificateSerial"))?;
    let bytes = hex_to_bytes(serial)
        .ok_or_else(|| bad(&format!("CertificateSerial {serial:?} is not hex")))?;
    let hex = hex::encode_upper(bytes);
    let trimmed = hex.trim_start_matches('0');
    Ok(if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    })
}

/// Runs a search against the store at `at_unix_time`: organisation certificates for a
/// subject name, device certificates for a subject alt name, then the optional filters.
/// Nothing found is [`RepositoryError::NotFound`] (HTTP 402).
pub fn search<'a>(
    store: &'a CertificateStore,
    request: &SearchRequest,
    at_unix_time: i64,
) -> Result<Vec<SearchResult<'a>>, RepositoryError> {
    let results: Vec<SearchResult<'a>> = store
        .certificates()
        .iter()
        .filter(|certificate| subject_matches(certificate, &request.subject))
        .filter(|certificate| {
            request
                .usage
                .is_none_or(|usage| certificate.key_usage() == Some(usage))
        })
        .filter(|certificate| {
            request
                .role
                .is_none_or(|role| certificate.role() == Some(role))
        })
        .map(|certificate| SearchResult {
            certificate,
            status: store.status(certificate, at_unix_time),
        })
        .filter(|result| request.status.is_none_or(|status| result.status == status))
        .collect();
    if results.is_empty() {
        return Err(RepositoryError::NotFound(format!("{:?}", request.subject)));
    }
    Ok(results)
}

/// Looks a `CertificateDataRequest`'s serial up; unknown is [`RepositoryError::NotFound`].
pub fn retrieve<'a>(
    store: &'a CertificateStore,
    serial_hex: &str,
    at_unix_time: i64,
) -> Result<SearchResult<'a>, RepositoryError> {
    let certificate = store
        .by_serial_hex(serial_hex)
        .ok_or_else(|| RepositoryError::NotFound(format!("serial {serial_hex}")))?;
    Ok(SearchResult {
        certificate,
        status: store.status(certificate, at_unix_time),
    })
}

/// Renders a `CertificateSearchResponse` with one `Result` per certificate.
pub fn render_search_response(results: &[SearchResult<'_>], audit_reference: &str) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CertificateSearchResponse>\n");
    push_response_header(&mut xml, audit_reference);
    for result in results {
        xml.push_str("  <Result>\n");
        push_certificate_fields(&mut xml, "    ", result);
        xml.push_str("  </Result>\n");
    }
    xml.push_str("</CertificateSearchResponse>\n");
    xml
}

/// Renders a `CertificateDataResponse` carrying the certificate's DER in base64 as `CertificateBody`.
pub fn render_data_response(result: &SearchResult<'_>, audit_reference: &str) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CertificateDataResponse>\n");
    push_response_header(&mut xml, audit_reference);
    xml.push_str("  <CertificateResponse>\n");
    push_certificate_fields(&mut xml, "    ", result);
    let body = base64::engine::general_purpose::STANDARD.encode(result.certificate.der());
    push_element(&mut xml, "    ", "CertificateBody", &body);
    xml.push_str("  </CertificateResponse>\n");
    xml.push_str("</CertificateDataResponse>\n");
    xml
}

/// A `CertificateSearchRequest` as DCC's client sends it (for tests and the CLI).
pub fn render_search_request(subject: SearchSubject) -> String {
    let (element, id) = match subject {
        SearchSubject::SubjectName(id) => ("CertificateSubjectName", id),
        SearchSubject::SubjectAltName(id) => ("CertificateSubjectAltName", id),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><CertificateSearchRequest><{element}>{}</{element}></CertificateSearchRequest>",
        id.to_string().to_ascii_lowercase()
    )
}

/// A `CertificateDataRequest` as DCC's client sends it: lowercase hex serial.
pub fn render_data_request(serial_hex: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><CertificateDataRequest><CertificateSerial>{}</CertificateSerial></CertificateDataRequest>",
        escape(&serial_hex.to_ascii_lowercase())
    )
}

fn push_response_header(xml: &mut String, audit_reference: &str) {
    push_element(xml, "  ", "ResponseCode", SUCCESS_RESPONSE_CODE);
    push_element(xml, "  ", "ResponseMessage", SUCCESS_RESPONSE_MESSAGE);
    push_element(xml, "  ", "AuditReference", audit_reference);
}

fn push_certificate_fields(xml: &mut String, indent: &str, result: &SearchResult<'_>) {
    let certificate = result.certificate;
    push_element(xml, indent, "CertificateSerial", &certificate.serial_hex());
    if let Some(device) = certificate.device_id() {
        push_element(
            xml,
            indent,
            "CertificateSubjectAltName",
            &device.to_string(),
        );
    } else if let Some(organisation) = certificate.organisation_id() {
        push_element(
            xml,
            indent,
            "CertificateSubjectName",
            &organisation.to_string(),
        );
    }
    push_element(xml, indent, "CertificateStatus", result.status.code());
    if let (false, Some(role)) = (certificate.is_device(), certificate.role()) {
        push_element(xml, indent, "CertificateRole", &role.code().to_string());
    }
    if let Some(usage) = certificate.key_usage() {
        push_element(xml, indent, "CertificateUsage", usage.code());
    }
    push_element(xml, indent, "ManufacturingFlag", MANUFACTURING_FLAG);
}

fn push_element(xml: &mut String, indent: &str, name: &str, text: &str) {
    xml.push_str(&format!("{indent}<{name}>{}</{name}>\n", escape(text)));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn subject_matches(certificate: &Certificate, subject: &SearchSubject) -> bool {
    match subject {
        SearchSubject::SubjectName(id) => {
            !certificate.is_device() && certificate.organisation_id() == Some(*id)
        }
        SearchSubject::SubjectAltName(id) => certificate.device_id() == Some(*id),
    }
}

fn bad(reason: &str) -> RepositoryError {
    RepositoryError::BadParameters(reason.to_owned())
}

fn parse_document(xml: &str) -> Result<roxmltree::Document<'_>, RepositoryError> {
    if xml.len() > MAX_REQUEST_BYTES {
        return Err(bad("request too large"));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(xml, options)
        .map_err(|error| bad(&format!("not XML: {error}")))
}

fn root_named<'a, 'input>(
    document: &'a roxmltree::Document<'input>,
    name: &str,
) -> Result<roxmltree::Node<'a, 'input>, RepositoryError> {
    let root = document.root_element();
    if root.tag_name().name() != name {
        return Err(bad(&format!(
            "expected {name}, found {}",
            root.tag_name().name()
        )));
    }
    Ok(root)
}

/// The trimmed text of the only child element with this local name; an error when repeated.
fn child_text<'a>(
    parent: roxmltree::Node<'a, '_>,
    name: &str,
) -> Result<Option<&'a str>, RepositoryError> {
    let mut matches = parent
        .children()
        .filter(|child| child.is_element() && child.tag_name().name() == name);
    let Some(first) = matches.next() else {
        return Ok(None);
    };
    if matches.next().is_some() {
        return Err(bad(&format!("{name} repeated")));
    }
    Ok(Some(first.text().unwrap_or_default().trim()))
}

fn parse_eui(text: &str) -> Result<Eui64, RepositoryError> {
    text.parse()
        .map_err(|_| bad(&format!("{text:?} is not an EUI-64")))
}

/// `CertificateRole` is decimal in the repository (`2`, `127`, `135`).
fn parse_role(text: &str) -> Result<RemotePartyRole, RepositoryError> {
    text.parse::<u8>()
        .map(RemotePartyRole)
        .map_err(|_| bad(&format!("CertificateRole {text:?}")))
}
