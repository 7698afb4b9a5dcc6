//! The end-to-end slice, played as a user: read the inventory, read an ESME's and a GSME's
//! registers, enable supply with a critical command, and see five kinds of bad request
//! refused. Each step records what happened, hop by hop.

use std::time::Duration;

use dcc_model::{CommandVariant, Eui64, ResponseCode};
use duis::{BodyElement, RequestBody, ResponseBody};
use gbcs::crypto::{KeyAgreementPublicKey, VerifyingKey};
use gbcs::{Envelope, SignatureField};
use smki::KeyUsage;

use crate::config::{SECOND_SUPPLIER, TEMPLATE_CHF, TEMPLATE_ESME, TEMPLATE_GSME, TEST_SUPPLIER};
use crate::user::{fetch_device_certificate, DuisUser, ResponseInbox};
use crate::Identities;

/// What the slice needs to reach: the DUIS front door, the SMKI repository, and the
/// identities in force (to play the users).
#[derive(Debug, Clone)]
pub struct SliceTarget {
    pub duis_url: String,
    pub smki_url: String,
    pub identities: Identities,
}

impl crate::Running {
    pub fn slice_target(&self) -> SliceTarget {
        SliceTarget {
            duis_url: self.duis_url.clone().unwrap_or_default(),
            smki_url: self.smki_url.clone().unwrap_or_default(),
            identities: self.identities.clone(),
        }
    }
}

/// One step of the slice and what was seen.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub passed: bool,
    pub details: Vec<String>,
}

/// The whole slice.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub steps: Vec<Step>,
}

impl Report {
    pub fn passed(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|step| step.passed)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            out.push_str(&format!(
                "{} {}\n",
                if step.passed { "PASS" } else { "FAIL" },
                step.name
            ));
            for detail in &step.details {
                out.push_str(&format!("     {detail}\n"));
            }
        }
        let passed = self.steps.iter().filter(|step| step.passed).count();
        out.push_str(&format!(
            "{} passed, {} failed\n",
            passed,
            self.steps.len() - passed
        ));
        out
    }
}

const RESPONSE_WAIT: Duration = Duration::from_secs(20);

/// Runs the slice against a running ecosystem whose users' responses go to `inbox`.
/// `first_counter` must exceed any counter the suppliers used before.
pub async fn run_slice(
    running: &SliceTarget,
    inbox: &mut ResponseInbox,
    first_counter: u64,
) -> Report {
    let mut report = Report::default();
    let duis_url = running.duis_url.clone();
    let smki_url = running.smki_url.clone();
    let supplier = match DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url) {
        Ok(user) => user,
        Err(error) => {
            report
                .steps
                .push(failed("test supplier keys", &error.to_string()));
            return report;
        }
    };
    let mut counter = first_counter;
    let mut next = || {
        counter += 1;
        counter
    };
    report.steps.push(step(
        "8.2 Read Inventory (CV8, serviceD)",
        read_inventory(&supplier, next()).await,
    ));
    report.steps.push(step(
        "4.1.1 ECS17b read ESME import registers",
        read_registers(&supplier, inbox, &smki_url, TEMPLATE_ESME, next()).await,
    ));
    report.steps.push(step(
        "4.1.1 GCS13a read GSME consumption via the GPF",
        read_registers(&supplier, inbox, &smki_url, TEMPLATE_GSME, next()).await,
    ));
    report.steps.push(step(
        "7.1 ECS42 enable supply (CV4 then CV5)",
        enable_supply(&supplier, inbox, &smki_url, next()).await,
    ));
    report.steps.push(step(
        "negative answers",
        negatives(running, &supplier, &duis_url, next(), next()).await,
    ));
    report
}

fn step(name: &str, outcome: Result<Vec<String>, (Vec<String>, String)>) -> Step {
    match outcome {
        Ok(details) => Step {
            name: name.to_owned(),
            passed: true,
            details,
        },
        Err((mut details, error)) => {
            details.push(format!("error: {error}"));
            Step {
                name: name.to_owned(),
                passed: false,
                details,
            }
        }
    }
}

fn failed(name: &str, error: &str) -> Step {
    Step {
        name: name.to_owned(),
        passed: false,
        details: vec![format!("error: {error}")],
    }
}

type Outcome = Result<Vec<String>, (Vec<String>, String)>;

/// Collects details; `fail` ends the step with them.
struct Trace(Vec<String>);

impl Trace {
    fn note(&mut self, text: impl Into<String>) {
        self.0.push(text.into());
    }
    fn fail(self, error: impl std::fmt::Display) -> Outcome {
        Err((self.0, error.to_string()))
    }
}

async fn read_inventory(user: &DuisUser, counter: u64) -> Outcome {
    let mut trace = Trace(Vec::new());
    let body = DuisUser::body(
        "ReadInventory",
        vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
    );
    let xml = match user.signed_request(
        dcc_model::DCC_ACCESS_CONTROL_BROKER,
        counter,
        CommandVariant::NonDevice,
        "8.2",
        body,
    ) {
        Ok(xml) => xml,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "user -> DSP serviceD: signed ReadInventory for {TEMPLATE_CHF}"
    ));
    let answer = match user.post("serviceD", xml).await {
        Ok(answer) => answer,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "DSP -> user: {} (DSP signature verified)",
        answer.response.response_code
    ));
    let ResponseBody::DspInventory { devices, .. } = &answer.response.body else {
        return trace.fail(format!(
            "expected a DSPInventory, got {:?}",
            answer.response.body
        ));
    };
    for device in devices {
        trace.note(format!(
            "  {} {} {:?}",
            device.device_id, device.device_type, device.device_status
        ));
    }
    if answer.response.response_code != ResponseCode::Success || devices.len() < 4 {
        return trace.fail("expected I0 listing the Comms Hub's four devices");
    }
    Ok(trace.0)
}

async fn read_registers(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    smki_url: &str,
    device: Eui64,
    counter: u64,
) -> Outcome {
    let mut trace = Trace(Vec::new());
    let body = DuisUser::body("ReadInstantaneousImportRegisters", Vec::new());
    let xml = match user.signed_request(device, counter, CommandVariant::SendOverWan, "4.1.1", body)
    {
        Ok(xml) => xml,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "user -> DSP serviceS: 4.1.1 for {device}, counter {counter}"
    ));
    let answer = match user.post("serviceS", xml).await {
        Ok(answer) => answer,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "DSP -> user: {} synchronously",
        answer.response.response_code
    ));
    if answer.response.response_code != ResponseCode::Acknowledgement {
        return trace.fail("expected I99");
    }
    let payload = match await_gbcs(user, inbox, &mut trace).await {
        Ok(payload) => payload,
        Err(error) => return trace.fail(error),
    };
    let certificate = match fetch_device_certificate(smki_url, device, KeyUsage::KeyAgreement).await
    {
        Ok(certificate) => certificate,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "user <- SMKI repository: {device} KA certificate serial {}",
        certificate.serial_hex()
    ));
    let device_key = match KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1()) {
        Ok(key) => key,
        Err(error) => return trace.fail(error),
    };
    let secret = gbcs::crypto::SharedSecret::compute(&user.key_agreement, &device_key);
    let apdu = match gbcs::protection::verify_response(&payload, Some(&secret), None) {
        Ok(apdu) => apdu,
        Err(error) => return trace.fail(format!("response MAC: {error}")),
    };
    trace.note(format!(
        "GBCS response {:#06X} from {} counter {}: MAC verified",
        apdu.header.message_code().0,
        apdu.header.originator,
        apdu.header.transaction.counter
    ));
    let blocks = gbcs::protection::find_encrypted_blocks(&apdu.payload);
    let Some(block) = blocks.first() else {
        return trace.fail("no encrypted block in the response");
    };
    match gbcs::protection::decrypt_sensitive_block(
        &secret,
        apdu.header.originator,
        user.id,
        apdu.header.transaction.counter,
        block,
    ) {
        Ok(plaintext) => trace.note(format!(
            "encrypted register block decrypted: {}",
            hex_upper(&plaintext)
        )),
        Err(error) => return trace.fail(format!("decrypting the register block: {error}")),
    }
    Ok(trace.0)
}

async fn enable_supply(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    smki_url: &str,
    counter: u64,
) -> Outcome {
    let mut trace = Trace(Vec::new());
    let body = DuisUser::body("EnableSupply", Vec::new());
    let xml = match user.signed_request(
        TEMPLATE_ESME,
        counter,
        CommandVariant::TransformToPreCommand,
        "7.1",
        body,
    ) {
        Ok(xml) => xml,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "user -> DSP serviceT: 7.1 EnableSupply CV4, counter {counter}"
    ));
    let answer = match user.post("serviceT", xml).await {
        Ok(answer) => answer,
        Err(error) => return trace.fail(error),
    };
    let ResponseBody::PreCommand {
        payload: pre_command,
        ..
    } = &answer.response.body
    else {
        return trace.fail(format!(
            "expected a PreCommand, got {} {:?}",
            answer.response.response_code, answer.response.body
        ));
    };
    trace.note(format!(
        "DSP -> user: {} with a {}-byte pre-command",
        answer.response.response_code,
        pre_command.len()
    ));
    let signature = match gbcs::protection::sign_pre_command(pre_command, &user.digital_signature) {
        Ok(signature) => signature,
        Err(error) => return trace.fail(error),
    };
    let signed = match gbcs::GeneralSigning::parse(pre_command) {
        Ok(apdu) => apdu
            .with_signature(SignatureField::Present(signature))
            .encode(),
        Err(error) => return trace.fail(error),
    };
    trace.note("user signed the pre-command with its DS key");
    let body = RequestBody::SignedPreCommand {
        execution_date_time: None,
        gbcs_payload: signed,
    };
    let xml = match user.signed_request(
        TEMPLATE_ESME,
        counter,
        CommandVariant::SignedPreCommandOverWan,
        "7.1",
        body,
    ) {
        Ok(xml) => xml,
        Err(error) => return trace.fail(error),
    };
    let answer = match user.post("serviceS", xml).await {
        Ok(answer) => answer,
        Err(error) => return trace.fail(error),
    };
    trace.note(format!(
        "user -> DSP serviceS: CV5, same RequestID -> {}",
        answer.response.response_code
    ));
    if answer.response.response_code != ResponseCode::Acknowledgement {
        return trace.fail("expected I99");
    }
    let payload = match await_gbcs(user, inbox, &mut trace).await {
        Ok(payload) => payload,
        Err(error) => return trace.fail(error),
    };
    let certificate =
        match fetch_device_certificate(smki_url, TEMPLATE_ESME, KeyUsage::DigitalSignature).await {
            Ok(certificate) => certificate,
            Err(error) => return trace.fail(error),
        };
    let key = match VerifyingKey::from_sec1(&certificate.public_key_sec1()) {
        Ok(key) => key,
        Err(error) => return trace.fail(error),
    };
    match gbcs::protection::verify_response(&payload, None, Some(&key)) {
        Ok(apdu) => trace.note(format!(
            "GBCS response {:#06X} signed by {}: signature verified with its DS certificate",
            apdu.header.message_code().0,
            apdu.header.originator
        )),
        Err(error) => return trace.fail(format!("device signature: {error}")),
    }
    Ok(trace.0)
}

async fn await_gbcs(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    trace: &mut Trace,
) -> Result<Vec<u8>, String> {
    let xml = inbox
        .next(RESPONSE_WAIT)
        .await
        .map_err(|error| error.to_string())?;
    let answer = user
        .read_dsp_document(xml)
        .map_err(|error| error.to_string())?;
    trace.note(format!(
        "DSP -> user (async, Receive Response URL): {} ResponseID {}",
        answer.response.response_code,
        answer.response.response_id.clone().unwrap_or_default()
    ));
    match answer.response.body {
        ResponseBody::GbcsPayload { payload, .. } => {
            let form = match Envelope::parse(&payload) {
                Ok(Envelope::Mac { .. }) => "MAC header",
                Ok(Envelope::Bare(_)) => "signed APDU",
                Ok(Envelope::BlockTransfer(_)) => "block transfer",
                Err(_) => "undecodable",
            };
            trace.note(format!("GBCSPayload: {} bytes, {form}", payload.len()));
            Ok(payload)
        }
        other => Err(format!("expected a GBCSPayload, got {other:?}")),
    }
}

async fn negatives(
    running: &SliceTarget,
    supplier: &DuisUser,
    duis_url: &str,
    counter: u64,
    replay_counter: u64,
) -> Outcome {
    let mut trace = Trace(Vec::new());
    let inventory = || {
        DuisUser::body(
            "ReadInventory",
            vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
        )
    };
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // A signature broken by changing the signed body after signing.
    match supplier.signed_request(acb, counter, CommandVariant::NonDevice, "8.2", inventory()) {
        Ok(xml) => cases.push((
            "broken signature",
            xml.replace(&TEMPLATE_CHF.to_string(), &TEMPLATE_ESME.to_string())
                .into_bytes(),
            "E1001",
        )),
        Err(error) => return trace.fail(error),
    }
    // An originator signing with a certificate dccsim has never seen: a PKI from another seed.
    match stranger(running, duis_url) {
        Ok(stranger) => match stranger.signed_request(
            acb,
            counter,
            CommandVariant::NonDevice,
            "8.2",
            inventory(),
        ) {
            Ok(xml) => cases.push(("unknown originator", xml.into_bytes(), "E1")),
            Err(error) => return trace.fail(error),
        },
        Err(error) => return trace.fail(error),
    }
    // The same RequestID counter twice.
    match supplier.signed_request(
        acb,
        replay_counter,
        CommandVariant::NonDevice,
        "8.2",
        inventory(),
    ) {
        Ok(xml) => {
            cases.push(("first use of a counter", xml.clone().into_bytes(), "I0"));
            cases.push(("replayed counter", xml.into_bytes(), "E1003"));
        }
        Err(error) => return trace.fail(error),
    }
    // The second supplier addressing the ESME registered to the first.
    match DuisUser::new(SECOND_SUPPLIER, &running.identities, duis_url).and_then(|second| {
        second.signed_request(
            TEMPLATE_ESME,
            1_000_000,
            CommandVariant::SendOverWan,
            "4.1.1",
            DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
        )
    }) {
        Ok(xml) => cases.push((
            "second supplier to the first supplier's ESME",
            xml.into_bytes(),
            "E4",
        )),
        Err(error) => return trace.fail(error),
    }
    cases.push(("malformed XML", b"<sr:Request><unclosed>".to_vec(), "E1000"));
    let mut all_right = true;
    for (name, xml, expected) in cases {
        let service = if name.contains("second supplier") {
            "serviceS"
        } else {
            "serviceD"
        };
        match supplier.post(service, xml).await {
            Ok(answer) => {
                let code = answer.response.response_code.to_string();
                all_right &= code == expected;
                trace.note(format!("{name}: {code} (expected {expected})"));
            }
            Err(error) => {
                all_right = false;
                trace.note(format!("{name}: {error}"));
            }
        }
    }
    if !all_right {
        return trace.fail("some negative answers were not the expected E-codes");
    }
    Ok(trace.0)
}

/// The test supplier's id with keys from a PKI dccsim never trusted.
fn stranger(running: &SliceTarget, duis_url: &str) -> Result<DuisUser, crate::user::UserError> {
    let config = crate::EcosystemConfig {
        seed: running.identities.pki.seed().wrapping_add(0x5EED),
        comms_hubs: Vec::new(),
        ..crate::EcosystemConfig::default()
    };
    let identities = crate::Identities::build(&config)
        .map_err(|error| crate::user::UserError::Identity(TEST_SUPPLIER, error.to_string()))?;
    DuisUser::new(TEST_SUPPLIER, &identities, duis_url)
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}
