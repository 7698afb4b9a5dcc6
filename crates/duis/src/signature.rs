//! Enveloped W3C XML digital signatures on DUIS documents, as DCC's Java tool makes them:
//! one `Reference URI=""` with the enveloped-signature transform and a SHA-256 digest of the
//! document in Canonical XML 1.0, `SignedInfo` canonicalized with Exclusive C14N and signed
//! with ECDSA P-256 / SHA-256 (raw `r‖s` signature value, RFC 4050 / RFC 6931), and a
//! `KeyInfo` that names the certificate by issuer and serial number only.

use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use roxmltree::{Document, Node};

use crate::canonical::{self, element_qualified_name, Method, Options};
use crate::xml::{self, text_of};
use crate::{DuisError, XML_SIGNATURE_NAMESPACE};

const EXCLUSIVE_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const INCLUSIVE_C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// The certificate a signature names in `KeyInfo/X509Data/X509IssuerSerial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X509IssuerSerial {
    /// The issuer's distinguished name as written, e.g. `CN=Z1,OU=07`.
    pub issuer_name: String,
    /// The certificate serial number in decimal.
    pub serial: String,
}

/// A key that signs DUIS documents: an ECDSA P-256 private key and the certificate it names.
pub struct XmlSigner {
    key_pair: EcdsaKeyPair,
    random: SystemRandom,
    certificate: X509IssuerSerial,
}

impl std::fmt::Debug for XmlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlSigner")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

impl XmlSigner {
    /// A signer from a PKCS#8 DER private key, with the issuer name (as it should appear in
    /// `X509IssuerName`, e.g. `CN=Z1,OU=07`) and decimal serial of its certificate.
    pub fn from_pkcs8(
        pkcs8_der: &[u8],
        issuer_name: impl Into<String>,
        serial: impl Into<String>,
    ) -> Result<Self, DuisError> {
        let random = SystemRandom::new();
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8_der, &random)
                .map_err(|error| {
                    DuisError::Signing(format!("not a P-256 PKCS#8 private key: {error}"))
                })?;
        let serial = serial.into();
        if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_digit()) {
            return Err(DuisError::invalid(
                "certificate serial",
                format!("{serial:?} is not a decimal number"),
            ));
        }
        Ok(Self {
            key_pair,
            random,
            certificate: X509IssuerSerial {
                issuer_name: issuer_name.into(),
                serial,
            },
        })
    }

    /// Like [`XmlSigner::from_pkcs8`], from a `-----BEGIN PRIVATE KEY-----` PEM block.
    pub fn from_pkcs8_pem(
        pem: &str,
        issuer_name: impl Into<String>,
        serial: impl Into<String>,
    ) -> Result<Self, DuisError> {
        let body: String = pem
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .collect();
        let der = xml::decode_base64(&body, "PEM private key")?;
        Self::from_pkcs8(&der, issuer_name, serial)
    }

    /// The certificate this signer names in `KeyInfo`.
    pub fn certificate(&self) -> &X509IssuerSerial {
        &self.certificate
    }

    /// The public key as an uncompressed SEC1 point (65 bytes).
    pub fn public_key_sec1(&self) -> &[u8] {
        self.key_pair.public_key().as_ref()
    }
}

/// Why a signature does not verify. Each failure is distinguishable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("malformed document: {0}")]
    Malformed(String),
    #[error("the document carries no ds:Signature")]
    Missing,
    #[error("unsupported or malformed signature: {0}")]
    Unsupported(String),
    #[error("the digest of the signed document does not match its DigestValue (the document was altered)")]
    DigestMismatch,
    #[error("the SignatureValue does not verify with the given public key")]
    BadSignature,
    #[error("the public key is not a P-256 SEC1 point")]
    InvalidPublicKey,
}

impl From<DuisError> for SignatureError {
    fn from(error: DuisError) -> Self {
        SignatureError::Malformed(error.to_string())
    }
}

/// Signs a DUIS document as DCC's Java tool does and returns the signed XML.
///
/// Like the Java tool, an existing `ds:Signature` under the document element is dropped and
/// whitespace between elements is removed, so the output carries exactly what was digested.
pub fn sign_document(unsigned_xml: &str, signer: &XmlSigner) -> Result<String, DuisError> {
    let document = xml::parse_document(unsigned_xml)?;
    let root = document.root_element();
    let root_name = element_qualified_name(unsigned_xml, root)
        .ok_or(DuisError::Missing("document element name"))?;
    let options = Options {
        method: Method::Inclusive,
        excluded: enveloped_signature(root).map(|signature| signature.id()),
        strip_ignorable_whitespace: true,
    };
    let canonical = canonical::canonicalize(&document, document.root(), options)
        .map_err(|error| DuisError::Signing(error.to_string()))?;
    let closing_tag = format!("</{root_name}>");
    let Some(content) = canonical.strip_suffix(&closing_tag) else {
        return Err(DuisError::Signing(
            "canonical form does not end with the document element".into(),
        ));
    };

    let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
    let signed_info = signed_info_xml(&xml::encode_base64(digest.as_ref()));
    let canonical_signed_info = signed_info.replacen(
        "<ds:SignedInfo>",
        &format!("<ds:SignedInfo xmlns:ds=\"{XML_SIGNATURE_NAMESPACE}\">"),
        1,
    );
    let signature_value = signer
        .key_pair
        .sign(&signer.random, canonical_signed_info.as_bytes())
        .map_err(|error| DuisError::Signing(error.to_string()))?;

    let ds_bound_on_root = root.lookup_namespace_uri(Some("ds")) == Some(XML_SIGNATURE_NAMESPACE);
    let mut output = String::with_capacity(canonical.len() + 1024);
    output.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#);
    output.push_str(content);
    if ds_bound_on_root {
        output.push_str("<ds:Signature>");
    } else {
        output.push_str(&format!(
            "<ds:Signature xmlns:ds=\"{XML_SIGNATURE_NAMESPACE}\">"
        ));
    }
    output.push_str(&signed_info);
    xml::push_ds_element(
        &mut output,
        "SignatureValue",
        &xml::encode_base64(signature_value.as_ref()),
    );
    output.push_str("<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>");
    xml::push_ds_element(
        &mut output,
        "X509IssuerName",
        &signer.certificate.issuer_name,
    );
    xml::push_ds_element(&mut output, "X509SerialNumber", &signer.certificate.serial);
    output.push_str("</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo></ds:Signature>");
    output.push_str(&closing_tag);
    Ok(output)
}

/// The `SignedInfo` the Java tool writes, with `ds` bound by an ancestor. Its Exclusive C14N
/// form is the same text with `xmlns:ds` declared on `SignedInfo` (nothing else is visibly
/// utilized, and there are no attributes to reorder or whitespace to keep).
fn signed_info_xml(digest_base64: &str) -> String {
    format!(
        concat!(
            r#"<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"></ds:CanonicalizationMethod>"#,
            r#"<ds:SignatureMethod Algorithm="{signature}"></ds:SignatureMethod><ds:Reference URI="">"#,
            r#"<ds:Transforms><ds:Transform Algorithm="{enveloped}"></ds:Transform></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="{digest}"></ds:DigestMethod><ds:DigestValue>{value}</ds:DigestValue>"#,
            r#"</ds:Reference></ds:SignedInfo>"#
        ),
        c14n = EXCLUSIVE_C14N,
        signature = ECDSA_SHA256,
        enveloped = ENVELOPED_SIGNATURE,
        digest = SHA256,
        value = digest_base64
    )
}

/// The certificate named by the document's signature.
pub fn signature_key_info(xml: &[u8]) -> Result<X509IssuerSerial, DuisError> {
    key_info_of(&xml::parse_document(xml::as_text(xml)?)?)
}

fn key_info_of(document: &Document<'_>) -> Result<X509IssuerSerial, DuisError> {
    let signature =
        enveloped_signature(document.root_element()).ok_or(DuisError::Missing("ds:Signature"))?;
    let issuer_serial = ds_path(signature, &["KeyInfo", "X509Data", "X509IssuerSerial"]).ok_or(
        DuisError::Missing("ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial"),
    )?;
    let issuer_name =
        ds_child(issuer_serial, "X509IssuerName").ok_or(DuisError::Missing("ds:X509IssuerName"))?;
    let serial = ds_child(issuer_serial, "X509SerialNumber")
        .ok_or(DuisError::Missing("ds:X509SerialNumber"))?;
    let serial = text_of(serial).trim().to_owned();
    if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_digit()) {
        return Err(DuisError::invalid(
            "ds:X509SerialNumber",
            format!("{serial:?} is not a decimal number"),
        ));
    }
    Ok(X509IssuerSerial {
        issuer_name: text_of(issuer_name).trim().to_owned(),
        serial,
    })
}

/// Verifies the document's enveloped signature with the signer's public key (a SEC1 P-256
/// point, compressed or not).
///
/// The digest and the `SignedInfo` are first computed exactly per the W3C specifications;
/// when they do not match, again with whitespace between elements ignored, as DCC's Java
/// tool reads documents (it would accept a signed document that was re-indented after
/// signing, and so do we).
pub fn verify_document(xml: &[u8], public_key_sec1: &[u8]) -> Result<(), SignatureError> {
    let text = xml::as_text(xml)?;
    verify_parsed(&xml::parse_document(text)?, public_key_sec1)
}

fn verify_parsed(document: &Document<'_>, public_key_sec1: &[u8]) -> Result<(), SignatureError> {
    let public_key = uncompressed_point(public_key_sec1)?;
    let signature = enveloped_signature(document.root_element()).ok_or(SignatureError::Missing)?;
    let signed_info =
        ds_child(signature, "SignedInfo").ok_or_else(|| unsupported("no ds:SignedInfo"))?;
    let plan = read_signed_info(signed_info)?;

    let digest_matches = [false, true].into_iter().any(|strip_ignorable_whitespace| {
        let options = Options {
            method: plan.reference_method,
            excluded: Some(signature.id()),
            strip_ignorable_whitespace,
        };
        canonical::canonicalize(document, document.root(), options)
            .map(|canonical| {
                ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref()
                    == plan.digest_value.as_slice()
            })
            .unwrap_or(false)
    });
    if !digest_matches {
        return Err(SignatureError::DigestMismatch);
    }

    let signature_value =
        ds_child(signature, "SignatureValue").ok_or_else(|| unsupported("no ds:SignatureValue"))?;
    let signature_value = xml::decode_base64(&text_of(signature_value), "ds:SignatureValue")?;
    let verifier = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key.as_slice());
    let signature_verifies = [false, true].into_iter().any(|strip_ignorable_whitespace| {
        let options = Options {
            method: plan.signed_info_method,
            excluded: None,
            strip_ignorable_whitespace,
        };
        canonical::canonicalize(document, signed_info, options)
            .map(|canonical| {
                verifier
                    .verify(canonical.as_bytes(), &signature_value)
                    .is_ok()
            })
            .unwrap_or(false)
    });
    if !signature_verifies {
        return Err(SignatureError::BadSignature);
    }
    Ok(())
}

/// What `SignedInfo` asks the verifier to do.
struct VerificationPlan {
    signed_info_method: Method,
    reference_method: Method,
    digest_value: Vec<u8>,
}

fn unsupported(reason: impl Into<String>) -> SignatureError {
    SignatureError::Unsupported(reason.into())
}

fn read_signed_info(signed_info: Node<'_, '_>) -> Result<VerificationPlan, SignatureError> {
    let canonicalization = algorithm_of(signed_info, "CanonicalizationMethod")?;
    let signed_info_method = canonicalization_method(&canonicalization)
        .ok_or_else(|| unsupported(format!("CanonicalizationMethod {canonicalization}")))?;
    if let Some(method) = ds_child(signed_info, "CanonicalizationMethod") {
        if method.children().any(|child| child.is_element()) {
            return Err(unsupported(
                "CanonicalizationMethod parameters (InclusiveNamespaces)",
            ));
        }
    }
    let signature_method = algorithm_of(signed_info, "SignatureMethod")?;
    if signature_method != ECDSA_SHA256 {
        return Err(unsupported(format!("SignatureMethod {signature_method}")));
    }

    let mut references = signed_info
        .children()
        .filter(|child| is_ds(*child, "Reference"));
    let (Some(reference), None) = (references.next(), references.next()) else {
        return Err(unsupported("expected exactly one ds:Reference"));
    };
    if reference.attribute("URI") != Some("") {
        return Err(unsupported(
            "the ds:Reference must be URI=\"\" (the whole document)",
        ));
    }
    let reference_method = reference_transforms(reference)?;
    let digest_method = algorithm_of(reference, "DigestMethod")?;
    if digest_method != SHA256 {
        return Err(unsupported(format!("DigestMethod {digest_method}")));
    }
    let digest_value =
        ds_child(reference, "DigestValue").ok_or_else(|| unsupported("no ds:DigestValue"))?;
    let digest_value = xml::decode_base64(&text_of(digest_value), "ds:DigestValue")?;
    Ok(VerificationPlan {
        signed_info_method,
        reference_method,
        digest_value,
    })
}

/// The Reference's transforms: enveloped-signature, optionally followed by a
/// canonicalization; without one, XML-DSig converts the node-set with Canonical XML 1.0.
fn reference_transforms(reference: Node<'_, '_>) -> Result<Method, SignatureError> {
    let transforms: Vec<Node<'_, '_>> = match ds_child(reference, "Transforms") {
        Some(transforms) => transforms
            .children()
            .filter(|child| is_ds(*child, "Transform"))
            .collect(),
        None => Vec::new(),
    };
    let algorithms: Vec<&str> = transforms
        .iter()
        .map(|transform| transform.attribute("Algorithm").unwrap_or(""))
        .collect();
    if transforms
        .iter()
        .any(|transform| transform.children().any(|child| child.is_element()))
    {
        return Err(unsupported(
            "transform parameters (InclusiveNamespaces, XPath)",
        ));
    }
    match algorithms.as_slice() {
        [ENVELOPED_SIGNATURE] => Ok(Method::Inclusive),
        [ENVELOPED_SIGNATURE, canonicalization] => canonicalization_method(canonicalization)
            .ok_or_else(|| unsupported(format!("transform {canonicalization}"))),
        other => Err(unsupported(format!(
            "transforms {other:?}: expected the enveloped-signature transform"
        ))),
    }
}

fn canonicalization_method(algorithm: &str) -> Option<Method> {
    match algorithm {
        EXCLUSIVE_C14N => Some(Method::Exclusive),
        INCLUSIVE_C14N => Some(Method::Inclusive),
        _ => None,
    }
}

fn algorithm_of(parent: Node<'_, '_>, local_name: &str) -> Result<String, SignatureError> {
    ds_child(parent, local_name)
        .and_then(|element| element.attribute("Algorithm"))
        .map(str::to_owned)
        .ok_or_else(|| unsupported(format!("no ds:{local_name} Algorithm")))
}

/// Accepts SEC1 points in either form and returns the uncompressed one `ring` verifies with.
fn uncompressed_point(public_key_sec1: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let point = p256::PublicKey::from_sec1_bytes(public_key_sec1)
        .map_err(|_| SignatureError::InvalidPublicKey)?;
    Ok(
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&point, false)
            .as_bytes()
            .to_vec(),
    )
}

fn is_ds(node: Node<'_, '_>, local_name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == local_name
        && node.tag_name().namespace() == Some(XML_SIGNATURE_NAMESPACE)
}

fn ds_child<'a, 'input>(node: Node<'a, 'input>, local_name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| is_ds(*child, local_name))
}

fn ds_path<'a, 'input>(node: Node<'a, 'input>, path: &[&str]) -> Option<Node<'a, 'input>> {
    path.iter()
        .try_fold(node, |current, local_name| ds_child(current, local_name))
}

/// The `ds:Signature` child of the document element: the enveloped signature.
fn enveloped_signature<'a, 'input>(root: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    ds_child(root, "Signature")
}

/// A DUIS document parsed once for everything a receiver reads of it: the certificate its
/// signature names, whether the signature verifies, and the request or response it is.
/// (`signature_key_info`, `verify_document`, `parse_request` and `parse_response` each parse
/// the text again.)
pub struct ParsedDocument<'text> {
    document: Document<'text>,
}

impl std::fmt::Debug for ParsedDocument<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedDocument")
            .field("root", &self.document.root_element().tag_name().name())
            .finish()
    }
}

impl<'text> ParsedDocument<'text> {
    pub fn parse(xml: &'text [u8]) -> Result<Self, DuisError> {
        Ok(Self {
            document: xml::parse_document(xml::as_text(xml)?)?,
        })
    }

    /// The certificate named by the document's signature ([`signature_key_info`]).
    pub fn signature_key_info(&self) -> Result<X509IssuerSerial, DuisError> {
        key_info_of(&self.document)
    }

    /// Verifies the enveloped signature ([`verify_document`]).
    pub fn verify(&self, public_key_sec1: &[u8]) -> Result<(), SignatureError> {
        verify_parsed(&self.document, public_key_sec1)
    }

    /// The request the document is ([`crate::parse_request`]).
    pub fn request(&self) -> Result<crate::Request, DuisError> {
        crate::request::request_of(&self.document)
    }

    /// The response the document is ([`crate::parse_response`]).
    pub fn response(&self) -> Result<crate::Response, DuisError> {
        crate::response::response_of(&self.document)
    }
}
