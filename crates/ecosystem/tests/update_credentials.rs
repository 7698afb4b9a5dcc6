//! Issue 4, point 5 (device half): the test supplier replaces its supplier DS anchor on the
//! ESME with a new certificate through 6.15.1 Update Security Credentials (CS02b
//! supplierBySupplier); afterwards the device refuses 7.1 Enable Supply signed with the old
//! key (no response, the DSP answers with an error) and accepts it signed with the new one.
//! The user agent follows the replacement on its own when it holds the new key (the test
//! PKI's second generation of the supplier's DS certificate), and keeps the old key, saying
//! so, when it does not (a key from elsewhere).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use dcc_model::ResponseCode;
use duis::BodyElement;
use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::user::RequestOptions;
use ecosystem::Sandbox;
use gbcs::crypto::SigningKey;
use gbcs::decode::Verification;
use gbcs::use_case::cs02b;
use smki::{Certificate, CsrSubject, CsrSubmission, KeyUsage, RemotePartyRole, Requester, TestPki};

/// A new DS certificate for the test supplier from the ecosystem's own PKI: a fresh key
/// (borrowed from a PKI with another seed), a PKCS#10 request, issued by the organisation CA.
fn new_supplier_signing_identity(pki: &TestPki) -> (Certificate, SigningKey) {
    let elsewhere = TestPki::default_for(pki.seed().wrapping_add(615)).expect("another PKI");
    let key = elsewhere
        .identity(TEST_SUPPLIER, KeyUsage::DigitalSignature, None)
        .and_then(|identity| identity.private_key_pkcs8_der.clone())
        .expect("a fresh P-256 key");
    let csr = smki::build_csr(
        &CsrSubject::Organisation {
            id: TEST_SUPPLIER,
            role: RemotePartyRole::SUPPLIER,
            common_name: Some("DCCSIM TEST SUPPLIER 2".to_owned()),
        },
        KeyUsage::DigitalSignature,
        &key,
    )
    .expect("CSR");
    let submission = CsrSubmission {
        csr,
        kind: None,
        usage: None,
    };
    let certificate = pki
        .issue_from_csr(&submission, &Requester::Operator)
        .expect("issued");
    (certificate, SigningKey::from_pkcs8(&key).expect("key"))
}

fn base64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// The 6.15.1 body, in the order of the DUIS schema.
fn update_security_credentials(
    new_signing: &Certificate,
    organisation_ca: &Certificate,
) -> BodyElement {
    BodyElement::with_children(
        "UpdateSecurityCredentialsKRP",
        vec![
            BodyElement::leaf("RemotePartyRole", "Supplier"),
            BodyElement::leaf("RemotePartyFloorSeqNumber", "0"),
            BodyElement::with_children(
                "ReplacementCertificates",
                vec![BodyElement::with_children(
                    "SupplierOrNetworkOperatorCertificates",
                    vec![BodyElement::leaf(
                        "DigitalSigningCertificate",
                        base64(new_signing.der()),
                    )],
                )],
            ),
            BodyElement::with_children(
                "CertificationPathCertificates",
                vec![BodyElement::leaf(
                    "Certificate",
                    base64(organisation_ca.der()),
                )],
            ),
            BodyElement::leaf("ApplyTimeBasedCPVChecks", "true"),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_supplier_anchor_refuses_the_old_key_and_accepts_the_new_one() {
    let log = CapturedLog::install();
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let pki = sandbox.identities().pki.clone();
    let (new_signing, new_key) = new_supplier_signing_identity(&pki);
    let new_key = Arc::new(new_key);

    // Another party's certificate is refused at CV4, before any pre-command is issued.
    let network_operator = sandbox
        .identities()
        .organisation(
            ecosystem::config::TEST_NETWORK_OPERATOR,
            KeyUsage::DigitalSignature,
            None,
        )
        .expect("network operator DS identity")
        .certificate
        .clone();
    let body = update_security_credentials(&network_operator, &pki.organisation_ca().certificate);
    let refused = supplier
        .request("6.15.1", TEMPLATE_ESME, body)
        .await
        .expect("CV4 answer");
    assert_eq!(refused.response_code().to_string(), "E061501");
    assert!(
        refused.pre_command.is_none(),
        "no pre-command for a refused request"
    );

    // 6.15.1 signed (CV5) with the old key, which the ESME trusts today.
    let body = update_security_credentials(&new_signing, &pki.organisation_ca().certificate);
    let exchange = supplier
        .request("6.15.1", TEMPLATE_ESME, body)
        .await
        .expect("6.15.1");
    assert_eq!(exchange.response_code(), &ResponseCode::Acknowledgement);
    let response = exchange
        .verified_gbcs()
        .expect("the ESME's signed response");
    assert_eq!(response.decoded.signature, Verification::Valid);
    assert_eq!(response.decoded.header.message_code(), cs02b::MESSAGE_CODE);
    let outcome = cs02b::decode_response_payload(&response.decoded.payload)
        .expect("CS02b response")
        .expect("executed now");
    assert!(outcome.all_succeeded(), "{outcome:?}");
    let replaced = &outcome.replacement_outcomes[0];
    assert_eq!(
        replaced.replacing_subject_key_id,
        new_signing.subject_key_identifier().expect("SKI")
    );
    assert_ne!(
        replaced.existing_subject_key_id,
        replaced.replacing_subject_key_id
    );
    // The agent does not hold the new certificate's key (it came from elsewhere): it keeps
    // signing with the old one, and says so.
    assert!(supplier.signing_key_for(TEMPLATE_ESME).is_none());
    assert!(
        log.text().contains("does not hold its private key"),
        "the agent says it keeps the old key:\n{}",
        log.text()
    );
    println!(
        "6.15.1 CS02b: supplier DS anchor {} -> {}",
        hex(&replaced.existing_subject_key_id),
        hex(&replaced.replacing_subject_key_id)
    );

    // 7.1 signed with the old key: the DSP still knows that certificate and sends the command,
    // the ESME refuses it, and the DSP answers with an error instead of I99.
    let enable = || BodyElement::with_children("EnableSupply", Vec::new());
    let old_key = supplier
        .request_with(
            "7.1",
            TEMPLATE_ESME,
            enable(),
            RequestOptions {
                response_wait: Some(Duration::from_secs(2)),
                ..RequestOptions::default()
            },
        )
        .await
        .expect("7.1 with the old key");
    let code = old_key.response_code().to_string();
    println!("7.1 ECS42 signed with the old key: {code}");
    // E20 (cannot communicate with the device), and it came from the ESME: the DSP's log of
    // the rejection carries the device's refusal, a signature check against its new anchor.
    assert_eq!(code, "E20", "old key: the device's refusal is E20");
    let rejection = log
        .lines()
        .into_iter()
        .find(|line| line.contains("request rejected") && line.contains("code=E20"))
        .unwrap_or_else(|| panic!("no E20 rejection logged:\n{}", log.text()));
    assert!(
        rejection.contains(
            "command refused: critical command 0x004F: the signature does not verify against the supplier trust anchor"
        ),
        "the E20 must come from the ESME's signature check: {rejection}"
    );
    assert!(
        supplier
            .response_to(old_key.request_id, Duration::from_secs(2))
            .await
            .is_err(),
        "the refused command must not be answered"
    );

    // 7.1 signed with the new key: executed and answered, signed by the ESME.
    let new_key = supplier
        .request_with(
            "7.1",
            TEMPLATE_ESME,
            enable(),
            RequestOptions {
                signing_key: Some(new_key),
                ..RequestOptions::default()
            },
        )
        .await
        .expect("7.1 with the new key");
    assert_eq!(new_key.response_code(), &ResponseCode::Acknowledgement);
    let response = new_key.verified_gbcs().expect("the ESME's signed response");
    assert_eq!(
        response.decoded.header.message_code(),
        gbcs::use_case::ecs42::MESSAGE_CODE
    );
    assert_eq!(
        response.decoded.header.transaction.counter,
        new_key.request_id.counter
    );
    println!("7.1 ECS42 signed with the new key: I99, then the ESME's signed response");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_signs_with_the_replacement_key_it_holds_once_the_device_took_it() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let identities = sandbox.identities();
    let replacement = identities
        .organisation_generation(TEST_SUPPLIER, KeyUsage::DigitalSignature, 2)
        .expect("the supplier's second DS generation");
    let body = update_security_credentials(
        &replacement.certificate,
        &identities.pki.organisation_ca().certificate,
    );

    // The same certificate sent without its certification path: refused at CV4 (no pre-command
    // issued), so nothing changes.
    let mut without_path = body.clone();
    without_path
        .children
        .retain(|child| child.name != "CertificationPathCertificates");
    let refused = supplier
        .request("6.15.1", TEMPLATE_ESME, without_path)
        .await
        .expect("CV4 answer");
    assert!(
        refused.response_code().is_error() && refused.pre_command.is_none(),
        "refused at CV4: {}",
        refused.response_code()
    );
    assert!(supplier.signing_key_for(TEMPLATE_ESME).is_none());

    let exchange = supplier
        .request("6.15.1", TEMPLATE_ESME, body)
        .await
        .expect("6.15.1");
    exchange
        .verified_gbcs()
        .expect("the ESME's signed CS02b response");
    let key = supplier
        .signing_key_for(TEMPLATE_ESME)
        .expect("the agent signs with the replacement's key now");
    assert_eq!(
        key.verifying_key().sec1_uncompressed(),
        replacement.certificate.public_key_sec1()
    );

    // A critical command, no key given: signed with the new key, the ESME executes it.
    let enable = supplier
        .request(
            "7.1",
            TEMPLATE_ESME,
            BodyElement::with_children("EnableSupply", Vec::new()),
        )
        .await
        .expect("7.1");
    assert_eq!(enable.response_code(), &ResponseCode::Acknowledgement);
    let response = enable.verified_gbcs().expect("the ESME's signed response");
    assert_eq!(
        response.decoded.header.message_code(),
        gbcs::use_case::ecs42::MESSAGE_CODE
    );
    sandbox.shutdown().await;
}

/// The warnings every party logs in this process, kept for the test to read.
#[derive(Clone)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Installs the process's subscriber (once: this file has one test).
    fn install() -> Self {
        let log = Self(Default::default());
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        log
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}
