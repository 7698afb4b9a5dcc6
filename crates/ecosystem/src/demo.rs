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
    let mut trace = Trace::default();
    let outcome = read_inventory(&supplier, next(), &mut trace).await;
    report
        .steps
        .push(step("8.2 Read Inventory (CV8, serviceD)", trace, outcome));
    let mut trace = Trace::default();
    let outcome = read_registers(
        &supplier,
        inbox,
        &smki_url,
        TEMPLATE_ESME,
        next(),
        &mut trace,
    )
    .await;
    report.steps.push(step(
        "4.1.1 ECS17b read ESME import registers",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = read_registers(
        &supplier,
        inbox,
        &smki_url,
        TEMPLATE_GSME,
        next(),
        &mut trace,
    )
    .await;
    report.steps.push(step(
        "4.1.1 GCS13a read GSME consumption via the GPF",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = enable_supply(&supplier, inbox, &smki_url, next(), &mut trace).await;
    report.steps.push(step(
        "7.1 ECS42 enable supply (CV4 then CV5)",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = negatives(running, &supplier, &duis_url, next(), next(), &mut trace).await;
    report.steps.push(step("negative answers", trace, outcome));
    report
}

/// A finished step: what was noted, and the error that ended it, if any.
fn step(name: &str, trace: Trace, outcome: Outcome) -> Step {
    let mut details = trace.0;
    if let Err(error) = &outcome {
        details.push(format!("error: {error}"));
    }
    Step {
        name: name.to_owned(),
        passed: outcome.is_ok(),
        details,
    }
}

fn failed(name: &str, error: &str) -> Step {
    step(name, Trace::default(), fail(error))
}

/// A step's result: it either ran through, or stopped with a reason.
type Outcome = Result<(), String>;

fn fail(error: impl std::fmt::Display) -> Outcome {
    Err(error.to_string())
}

fn describe(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// What a step saw, hop by hop.
#[derive(Default)]
struct Trace(Vec<String>);

impl Trace {
    fn note(&mut self, text: impl Into<String>) {
        self.0.push(text.into());
    }
}

async fn read_inventory(user: &DuisUser, counter: u64, trace: &mut Trace) -> Outcome {
    let body = DuisUser::body(
        "ReadInventory",
        vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
    );
    let xml = user
        .signed_request(
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            counter,
            CommandVariant::NonDevice,
            "8.2",
            body,
        )
        .map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceD: signed ReadInventory for {TEMPLATE_CHF}"
    ));
    let answer = user.post("serviceD", xml).await.map_err(describe)?;
    trace.note(format!(
        "DSP -> user: {} (DSP signature verified)",
        answer.response.response_code
    ));
    let ResponseBody::DspInventory { devices, .. } = &answer.response.body else {
        return fail(format!(
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
        return fail("expected I0 listing the Comms Hub's four devices");
    }
    Ok(())
}

async fn read_registers(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    smki_url: &str,
    device: Eui64,
    counter: u64,
    trace: &mut Trace,
) -> Outcome {
    let body = DuisUser::body("ReadInstantaneousImportRegisters", Vec::new());
    let xml = user
        .signed_request(device, counter, CommandVariant::SendOverWan, "4.1.1", body)
        .map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceS: 4.1.1 for {device}, counter {counter}"
    ));
    let answer = user.post("serviceS", xml).await.map_err(describe)?;
    trace.note(format!(
        "DSP -> user: {} synchronously",
        answer.response.response_code
    ));
    if answer.response.response_code != ResponseCode::Acknowledgement {
        return fail("expected I99");
    }
    let payload = await_gbcs(user, inbox, trace).await?;
    let certificate = fetch_device_certificate(smki_url, device, KeyUsage::KeyAgreement)
        .await
        .map_err(describe)?;
    trace.note(format!(
        "user <- SMKI repository: {device} KA certificate serial {}",
        certificate.serial_hex()
    ));
    let device_key =
        KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1()).map_err(describe)?;
    let secret = gbcs::crypto::SharedSecret::compute(&user.key_agreement, &device_key);
    let apdu = gbcs::protection::verify_response(&payload, Some(&secret), None)
        .map_err(|error| format!("response MAC: {error}"))?;
    trace.note(format!(
        "GBCS response {:#06X} from {} counter {}: MAC verified",
        apdu.header.message_code().0,
        apdu.header.originator,
        apdu.header.transaction.counter
    ));
    let blocks = gbcs::protection::find_encrypted_blocks(&apdu.payload);
    let Some(block) = blocks.first() else {
        return fail("no encrypted block in the response");
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
        Err(error) => return fail(format!("decrypting the register block: {error}")),
    }
    Ok(())
}

async fn enable_supply(
    user: &DuisUser,
    inbox: &mut ResponseInbox,
    smki_url: &str,
    counter: u64,
    trace: &mut Trace,
) -> Outcome {
    let body = DuisUser::body("EnableSupply", Vec::new());
    let xml = user
        .signed_request(
            TEMPLATE_ESME,
            counter,
            CommandVariant::TransformToPreCommand,
            "7.1",
            body,
        )
        .map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceT: 7.1 EnableSupply CV4, counter {counter}"
    ));
    let answer = user.post("serviceT", xml).await.map_err(describe)?;
    let ResponseBody::PreCommand {
        payload: pre_command,
        ..
    } = &answer.response.body
    else {
        return fail(format!(
            "expected a PreCommand, got {} {:?}",
            answer.response.response_code, answer.response.body
        ));
    };
    trace.note(format!(
        "DSP -> user: {} with a {}-byte pre-command",
        answer.response.response_code,
        pre_command.len()
    ));
    let signature = gbcs::protection::sign_pre_command(pre_command, &user.digital_signature)
        .map_err(describe)?;
    let signed = gbcs::GeneralSigning::parse(pre_command)
        .map_err(describe)?
        .with_signature(SignatureField::Present(signature))
        .encode();
    trace.note("user signed the pre-command with its DS key");
    let body = RequestBody::SignedPreCommand {
        execution_date_time: None,
        gbcs_payload: signed,
    };
    let xml = user
        .signed_request(
            TEMPLATE_ESME,
            counter,
            CommandVariant::SignedPreCommandOverWan,
            "7.1",
            body,
        )
        .map_err(describe)?;
    let answer = user.post("serviceS", xml).await.map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceS: CV5, same RequestID -> {}",
        answer.response.response_code
    ));
    if answer.response.response_code != ResponseCode::Acknowledgement {
        return fail("expected I99");
    }
    let payload = await_gbcs(user, inbox, trace).await?;
    let certificate = fetch_device_certificate(smki_url, TEMPLATE_ESME, KeyUsage::DigitalSignature)
        .await
        .map_err(describe)?;
    let key = VerifyingKey::from_sec1(&certificate.public_key_sec1()).map_err(describe)?;
    match gbcs::protection::verify_response(&payload, None, Some(&key)) {
        Ok(apdu) => trace.note(format!(
            "GBCS response {:#06X} signed by {}: signature verified with its DS certificate",
            apdu.header.message_code().0,
            apdu.header.originator
        )),
        Err(error) => return fail(format!("device signature: {error}")),
    }
    Ok(())
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
    trace: &mut Trace,
) -> Outcome {
    let inventory = || {
        DuisUser::body(
            "ReadInventory",
            vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
        )
    };
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // A signature broken by changing the signed body after signing.
    let signed = supplier
        .signed_request(acb, counter, CommandVariant::NonDevice, "8.2", inventory())
        .map_err(describe)?;
    let broken = signed.replace(&TEMPLATE_CHF.to_string(), &TEMPLATE_ESME.to_string());
    cases.push(("broken signature", broken.into_bytes(), "E1001"));
    // An originator signing with a certificate dccsim has never seen: a PKI from another seed.
    let unknown = stranger(running, duis_url)
        .and_then(|stranger| {
            stranger.signed_request(acb, counter, CommandVariant::NonDevice, "8.2", inventory())
        })
        .map_err(describe)?;
    cases.push(("unknown originator", unknown.into_bytes(), "E1"));
    // The same RequestID counter twice.
    let replayed = supplier
        .signed_request(
            acb,
            replay_counter,
            CommandVariant::NonDevice,
            "8.2",
            inventory(),
        )
        .map_err(describe)?;
    cases.push((
        "first use of a counter",
        replayed.clone().into_bytes(),
        "I0",
    ));
    cases.push(("replayed counter", replayed.into_bytes(), "E1003"));
    // The second supplier addressing the ESME registered to the first.
    let second = DuisUser::new(SECOND_SUPPLIER, &running.identities, duis_url)
        .and_then(|second| {
            second.signed_request(
                TEMPLATE_ESME,
                1_000_000,
                CommandVariant::SendOverWan,
                "4.1.1",
                DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
            )
        })
        .map_err(describe)?;
    cases.push((
        "second supplier to the first supplier's ESME",
        second.into_bytes(),
        "E4",
    ));
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
        return fail("some negative answers were not the expected E-codes");
    }
    Ok(())
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
