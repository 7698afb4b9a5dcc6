//! The end-to-end slice, played as a user: read the inventory, read an ESME's and a GSME's
//! registers, enable supply with a critical command, and see five kinds of bad request
//! refused. Each step records what happened, hop by hop.

use dcc_model::{CommandVariant, Eui64, ResponseCode};
use duis::{BodyElement, ResponseBody};
use gbcs::decode::Verification;

use crate::config::{SECOND_SUPPLIER, TEMPLATE_CHF, TEMPLATE_ESME, TEMPLATE_GSME, TEST_SUPPLIER};
use crate::user::{DuisUser, Exchange, UserAgent};
use crate::Identities;

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

/// Runs the slice as `supplier` (the test supplier); `identities` are the ecosystem's, for the
/// negative cases that need other users.
pub async fn run_slice(supplier: &UserAgent, identities: &Identities, duis_url: &str) -> Report {
    let mut report = Report::default();
    let mut trace = Trace::default();
    let outcome = read_inventory(supplier, &mut trace).await;
    report
        .steps
        .push(step("8.2 Read Inventory (CV8, serviceD)", trace, outcome));
    let mut trace = Trace::default();
    let outcome = read_registers(supplier, TEMPLATE_ESME, &mut trace).await;
    report.steps.push(step(
        "4.1.1 ECS17b read ESME import registers",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = read_registers(supplier, TEMPLATE_GSME, &mut trace).await;
    report.steps.push(step(
        "4.1.1 GCS13a read GSME consumption via the GPF",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = enable_supply(supplier, &mut trace).await;
    report.steps.push(step(
        "7.1 ECS42 enable supply (CV4 then CV5)",
        trace,
        outcome,
    ));
    let mut trace = Trace::default();
    let outcome = negatives(supplier, identities, duis_url, &mut trace).await;
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

fn inventory_body() -> BodyElement {
    BodyElement::with_children(
        "ReadInventory",
        vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
    )
}

async fn read_inventory(user: &UserAgent, trace: &mut Trace) -> Outcome {
    trace.note(format!(
        "user -> DSP serviceD: signed ReadInventory for {TEMPLATE_CHF}"
    ));
    let exchange = user
        .request(
            "8.2",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            inventory_body(),
        )
        .await
        .map_err(describe)?;
    let response = &exchange.answer.response;
    trace.note(format!(
        "DSP -> user: {} (DSP signature verified)",
        response.response_code
    ));
    let ResponseBody::DspInventory { devices, .. } = &response.body else {
        return fail(format!("expected a DSPInventory, got {:?}", response.body));
    };
    for device in devices {
        trace.note(format!(
            "  {} {} {:?}",
            device.device_id, device.device_type, device.device_status
        ));
    }
    if response.response_code != ResponseCode::Success || devices.len() < 4 {
        return fail("expected I0 listing the Comms Hub's four devices");
    }
    Ok(())
}

async fn read_registers(user: &UserAgent, device: Eui64, trace: &mut Trace) -> Outcome {
    let body = BodyElement::with_children("ReadInstantaneousImportRegisters", Vec::new());
    let exchange = user
        .request("4.1.1", device, body)
        .await
        .map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceS: 4.1.1 for {device}, RequestID {}",
        exchange.request_id
    ));
    note_answers(&exchange, trace);
    let verified = exchange.verified_gbcs().map_err(describe)?;
    let header = &verified.decoded.header;
    trace.note(format!(
        "GBCS response {} from {} counter {}: MAC {} with the device's KA certificate from the SMKI repository",
        header.message_code(),
        header.originator,
        header.transaction.counter,
        verification(verified.decoded.mac),
    ));
    let plaintexts = verified.plaintexts();
    let Some(plaintext) = plaintexts.first() else {
        return fail("no encrypted block in the response");
    };
    trace.note(format!(
        "encrypted register block decrypted: {}",
        gbcs::decode::hex_upper(plaintext)
    ));
    Ok(())
}

async fn enable_supply(user: &UserAgent, trace: &mut Trace) -> Outcome {
    let body = BodyElement::with_children("EnableSupply", Vec::new());
    let exchange = user
        .request("7.1", TEMPLATE_ESME, body)
        .await
        .map_err(describe)?;
    trace.note(format!(
        "user -> DSP serviceT: 7.1 EnableSupply CV{}, RequestID {}",
        exchange.command_variant, exchange.request_id
    ));
    let Some(pre_command) = &exchange.pre_command else {
        return fail(format!(
            "expected a PreCommand, got {} {:?}",
            exchange.response_code(),
            exchange.answer.response.body
        ));
    };
    trace.note(format!(
        "DSP -> user: {} with a pre-command; the user signed it with its DS key",
        pre_command.response.response_code
    ));
    trace.note("user -> DSP serviceS: CV5, same RequestID");
    note_answers(&exchange, trace);
    let verified = exchange.verified_gbcs().map_err(describe)?;
    trace.note(format!(
        "GBCS response {} signed by {}: signature {} with its DS certificate",
        verified.decoded.header.message_code(),
        verified.decoded.header.originator,
        verification(verified.decoded.signature),
    ));
    Ok(())
}

/// Notes the synchronous answer and, when there is one, the asynchronous response.
fn note_answers(exchange: &Exchange, trace: &mut Trace) {
    trace.note(format!(
        "DSP -> user: {} synchronously",
        exchange.response_code()
    ));
    if let Some(device_response) = &exchange.device_response {
        let response = &device_response.answer.response;
        trace.note(format!(
            "DSP -> user (async, Receive Response URL): {} ResponseID {}",
            response.response_code,
            response.response_id.clone().unwrap_or_default()
        ));
    }
}

fn verification(verification: Verification) -> &'static str {
    match verification {
        Verification::Valid => "verified",
        Verification::Invalid => "INVALID",
        Verification::Absent => "absent",
        Verification::NoKey => "not checked",
    }
}

async fn negatives(
    supplier: &UserAgent,
    identities: &Identities,
    duis_url: &str,
    trace: &mut Trace,
) -> Outcome {
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let signer = supplier.user();
    let counter = supplier.counters().next(signer.id, acb);
    let mut cases: Vec<(&str, &str, String, &str)> = Vec::new();
    // A signature broken by changing the signed body after signing.
    let signed = signer
        .signed_request(
            acb,
            counter,
            CommandVariant::NonDevice,
            "8.2",
            duis::RequestBody::ServiceRequest(inventory_body()),
        )
        .map_err(describe)?;
    let broken = signed.replace(&TEMPLATE_CHF.to_string(), &TEMPLATE_ESME.to_string());
    cases.push(("broken signature", "serviceD", broken, "E1001"));
    // An originator signing with a certificate dccsim has never seen: a PKI from another seed.
    let unknown = stranger(identities, duis_url)
        .and_then(|stranger| {
            stranger.signed_request(
                acb,
                counter,
                CommandVariant::NonDevice,
                "8.2",
                duis::RequestBody::ServiceRequest(inventory_body()),
            )
        })
        .map_err(describe)?;
    cases.push(("unknown originator", "serviceD", unknown, "E1"));
    // The same RequestID counter twice.
    let replay_counter = supplier.counters().next(signer.id, acb);
    let replayed = signer
        .signed_request(
            acb,
            replay_counter,
            CommandVariant::NonDevice,
            "8.2",
            duis::RequestBody::ServiceRequest(inventory_body()),
        )
        .map_err(describe)?;
    cases.push(("first use of a counter", "serviceD", replayed.clone(), "I0"));
    cases.push(("replayed counter", "serviceD", replayed, "E1003"));
    // The second supplier addressing the ESME registered to the first.
    let second = DuisUser::new(SECOND_SUPPLIER, identities, duis_url)
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
        "serviceS",
        second,
        "E4",
    ));
    cases.push((
        "malformed XML",
        "serviceD",
        "<sr:Request><unclosed>".to_owned(),
        "E1000",
    ));
    let mut all_right = true;
    for (name, endpoint, xml, expected) in cases {
        match supplier.post(endpoint, xml, name).await {
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
fn stranger(identities: &Identities, duis_url: &str) -> Result<DuisUser, crate::user::UserError> {
    let config = crate::EcosystemConfig {
        seed: identities.pki.seed().wrapping_add(0x5EED),
        comms_hubs: Vec::new(),
        ..crate::EcosystemConfig::default()
    };
    let identities = crate::Identities::build(&config)
        .map_err(|error| crate::user::UserError::Identity(TEST_SUPPLIER, error.to_string()))?;
    DuisUser::new(TEST_SUPPLIER, &identities, duis_url)
}
