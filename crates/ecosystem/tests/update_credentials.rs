//! Issue 4, point 5 (device half): the test supplier replaces its supplier DS anchor on the
//! ESME with a new certificate through 6.15.1 Update Security Credentials (CS02b
//! supplierBySupplier); afterwards the device refuses 7.1 Enable Supply signed with the old
//! key (no response, the DSP answers with an error) and accepts it signed with the new one.

use std::time::Duration;

use base64::Engine as _;
use dcc_model::{CommandVariant, ResponseCode};
use duis::{BodyElement, RequestBody, ResponseBody};
use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::user::{fetch_device_certificate, Answer, DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;
use gbcs::crypto::{SigningKey, VerifyingKey};
use gbcs::use_case::cs02b;
use gbcs::{GeneralSigning, SignatureField};
use smki::{Certificate, CsrSubject, CsrSubmission, KeyUsage, RemotePartyRole, Requester, TestPki};

const RESPONSE_WAIT: Duration = Duration::from_secs(20);

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
) -> RequestBody {
    DuisUser::body(
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

/// CV4 to serviceT, the pre-command signed with `key`, CV5 to serviceS: the CV5 answer.
async fn send_critical(
    user: &DuisUser,
    key: &SigningKey,
    service_reference_variant: &str,
    body: RequestBody,
    counter: u64,
) -> Answer {
    let request = user
        .signed_request(
            TEMPLATE_ESME,
            counter,
            CommandVariant::TransformToPreCommand,
            service_reference_variant,
            body,
        )
        .expect("CV4 request");
    let answer = user.post("serviceT", request).await.expect("CV4 answer");
    let ResponseBody::PreCommand {
        payload: pre_command,
        ..
    } = &answer.response.body
    else {
        panic!(
            "{service_reference_variant}: expected a pre-command, got {} {:?}",
            answer.response.response_code, answer.response.body
        );
    };
    let signature = gbcs::protection::sign_pre_command(pre_command, key).expect("signature");
    let signed = GeneralSigning::parse(pre_command)
        .expect("pre-command")
        .with_signature(SignatureField::Present(signature))
        .encode();
    let request = user
        .signed_request(
            TEMPLATE_ESME,
            counter,
            CommandVariant::SignedPreCommandOverWan,
            service_reference_variant,
            RequestBody::SignedPreCommand {
                execution_date_time: None,
                gbcs_payload: signed,
            },
        )
        .expect("CV5 request");
    user.post("serviceS", request).await.expect("CV5 answer")
}

/// The next asynchronous response: its GBCS, checked against the ESME's DS certificate.
async fn device_signed_response(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    esme_signing: &VerifyingKey,
) -> GeneralSigning {
    let xml = inbox
        .next(RESPONSE_WAIT)
        .await
        .expect("an asynchronous response");
    let answer = user.read_dsp_document(xml).expect("signed by the DSP");
    assert_eq!(answer.response.response_code, ResponseCode::Success);
    let ResponseBody::GbcsPayload { payload, .. } = answer.response.body else {
        panic!("expected a GBCSPayload, got {:?}", answer.response.body);
    };
    gbcs::protection::verify_response(&payload, None, Some(esme_signing))
        .expect("the ESME's signature verifies")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_supplier_anchor_refuses_the_old_key_and_accepts_the_new_one() {
    let log = CapturedLog::install();
    let mut inbox = ResponseInbox::start().await.expect("inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let duis_url = running.duis_url.clone().expect("DUIS front door");
    let smki_url = running.smki_url.clone().expect("SMKI repository");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(60))
        .await
        .expect("ready");
    let supplier = DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url).expect("supplier");
    let old_key = &supplier.digital_signature;
    let pki = running.identities.pki.clone();
    let (new_signing, new_key) = new_supplier_signing_identity(&pki);
    let esme_certificate =
        fetch_device_certificate(&smki_url, TEMPLATE_ESME, KeyUsage::DigitalSignature)
            .await
            .expect("the ESME's DS certificate");
    let esme_signing =
        VerifyingKey::from_sec1(&esme_certificate.public_key_sec1()).expect("ESME DS key");

    // Another party's certificate is refused at CV4, before any pre-command is issued.
    let network_operator = running
        .identities
        .organisation(
            ecosystem::config::TEST_NETWORK_OPERATOR,
            KeyUsage::DigitalSignature,
            None,
        )
        .expect("network operator DS identity")
        .certificate
        .clone();
    let body = update_security_credentials(&network_operator, &pki.organisation_ca().certificate);
    let request = supplier
        .signed_request(
            TEMPLATE_ESME,
            6_999,
            CommandVariant::TransformToPreCommand,
            "6.15.1",
            body,
        )
        .expect("CV4 request");
    let answer = supplier
        .post("serviceT", request)
        .await
        .expect("CV4 answer");
    assert_eq!(answer.response.response_code.to_string(), "E061501");

    // 6.15.1 signed (CV5) with the old key, which the ESME trusts today.
    let body = update_security_credentials(&new_signing, &pki.organisation_ca().certificate);
    let answer = send_critical(&supplier, old_key, "6.15.1", body, 7_000).await;
    assert_eq!(answer.response.response_code, ResponseCode::Acknowledgement);
    let response = device_signed_response(&supplier, &mut inbox, &esme_signing).await;
    assert_eq!(response.header.message_code(), cs02b::MESSAGE_CODE);
    let outcome = cs02b::decode_response_payload(&response.payload)
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
    println!(
        "6.15.1 CS02b: supplier DS anchor {} -> {}",
        hex(&replaced.existing_subject_key_id),
        hex(&replaced.replacing_subject_key_id)
    );

    // 7.1 signed with the old key: the DSP still knows that certificate and sends the command,
    // the ESME refuses it, and the DSP answers with an error instead of I99.
    let enable = || DuisUser::body("EnableSupply", Vec::new());
    let answer = send_critical(&supplier, old_key, "7.1", enable(), 7_001).await;
    let code = answer.response.response_code.to_string();
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
        inbox.next(Duration::from_secs(2)).await.is_err(),
        "the refused command must not be answered"
    );

    // 7.1 signed with the new key: executed and answered, signed by the ESME.
    let answer = send_critical(&supplier, &new_key, "7.1", enable(), 7_002).await;
    assert_eq!(answer.response.response_code, ResponseCode::Acknowledgement);
    let response = device_signed_response(&supplier, &mut inbox, &esme_signing).await;
    assert_eq!(
        response.header.message_code(),
        gbcs::use_case::ecs42::MESSAGE_CODE
    );
    assert_eq!(response.header.transaction.counter, 7_002);
    println!("7.1 ECS42 signed with the new key: I99, then the ESME's signed response");
    running.shutdown().await;
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
