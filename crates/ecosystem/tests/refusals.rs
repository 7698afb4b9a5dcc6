//! Refusals, table driven: each request is one a user could send, each is refused with its
//! specific DUIS code, and each row says which stage of the DSP refused it. The answers are
//! checked as any user would: signed by the DSP, `sr:Response`, the code expected; and each
//! is read by DCC's own duis-parser (`.dcc-tooling/oracle`), which must parse it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dcc_model::{CommandVariant, Eui64, RequestId, ServiceReferenceVariant};
use duis::{BodyElement, Request, RequestBody, RequestHeader, ResponseBody};
use ecosystem::config::{
    SECOND_SUPPLIER, TEMPLATE_CHF, TEMPLATE_ESME, TEMPLATE_GPF, TEMPLATE_GSME,
    TEST_NETWORK_OPERATOR, TEST_SUPPLIER,
};
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::{EcosystemConfig, Identities};
use gbcs::SignatureField;

const DCC: Eui64 = dcc_model::DCC_ACCESS_CONTROL_BROKER;
const SOUTH_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A0);
const UNKNOWN_DEVICE: Eui64 = Eui64::from_u64(0x00DB_1234_5678_99FF);

/// Counters rise through the whole test, so no row is refused as a replay by accident.
fn next_counter() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1_000_000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct Row {
    what: &'static str,
    /// The DSP stage that refuses it.
    origin: &'static str,
    url: &'static str,
    xml: String,
    expected: &'static str,
}

fn leaf(name: &str, text: &str) -> BodyElement {
    BodyElement::leaf(name, text)
}

fn element(name: &str, children: Vec<BodyElement>) -> RequestBody {
    DuisUser::body(name, children)
}

fn sign(user: &DuisUser, target: Eui64, cv: u8, variant: &str, body: RequestBody) -> String {
    sign_with_counter(user, target, next_counter(), cv, variant, body)
}

fn sign_with_counter(
    user: &DuisUser,
    target: Eui64,
    counter: u64,
    cv: u8,
    variant: &str,
    body: RequestBody,
) -> String {
    user.signed_request(
        target,
        counter,
        CommandVariant::from_number(cv).expect("command variant"),
        variant,
        body,
    )
    .expect("signed request")
}

/// A request signed by `signer` whose header says `originator` sent it.
fn signed_as(
    signer: &DuisUser,
    originator: Eui64,
    target: Eui64,
    variant: &str,
    body: RequestBody,
) -> String {
    let signed = sign(signer, target, 1, variant, body);
    let request = duis::parse_request(signed.as_bytes()).expect("own request parses");
    let request_id = request.header.request_id;
    signed.replace(
        &request_id.to_string(),
        &RequestId::new(originator, request_id.target, request_id.counter).to_string(),
    )
}

fn read_registers() -> RequestBody {
    element("ReadInstantaneousImportRegisters", Vec::new())
}

fn read_inventory(children: Vec<BodyElement>) -> RequestBody {
    element("ReadInventory", children)
}

/// `id`'s XML signing identity.
fn xml_signer(identities: &Identities, id: Eui64) -> duis::XmlSigner {
    let identity = identities
        .organisation(
            id,
            smki::KeyUsage::DigitalSignature,
            Some(smki::RemotePartyRole::XML_SIGNING),
        )
        .expect("XML signing identity");
    duis::XmlSigner::from_pkcs8(
        identity
            .private_key_pkcs8_der
            .as_deref()
            .unwrap_or_default(),
        identity.certificate.issuer_name_rfc2253(),
        identity.certificate.serial_decimal(),
    )
    .expect("signer")
}

/// A request with its header fields as given (no checks of its own), signed by `user`.
#[allow(clippy::too_many_arguments)]
fn raw(
    user: &DuisUser,
    signer: &duis::XmlSigner,
    schema_version: &str,
    target: Eui64,
    cv: u8,
    reference: &str,
    variant: &str,
    body: RequestBody,
) -> String {
    let request = Request {
        schema_version: schema_version.to_owned(),
        header: RequestHeader {
            request_id: RequestId::new(user.id, target, next_counter()),
            command_variant: CommandVariant::from_number(cv).expect("command variant"),
            service_reference: reference.to_owned(),
            service_reference_variant: variant.parse::<ServiceReferenceVariant>().expect("variant"),
            first_in_sequence: None,
            preceding_service_request_id: None,
        },
        body,
    };
    duis::sign_document(&duis::render_request(&request), signer).expect("signed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_carries_its_specific_code() {
    let inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    // The network operator is suspended from 8.2 (and only from it).
    let operator_spec = config
        .users
        .iter_mut()
        .find(|user| user.id == TEST_NETWORK_OPERATOR)
        .expect("network operator configured");
    operator_spec.status = dsp::UserStatus {
        suspended: false,
        suspended_service_reference_variants: vec!["8.2".into()],
    };
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let duis_url = running.duis_url.clone().expect("DUIS front door");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(60))
        .await
        .expect("ecosystem ready");
    let identities = &running.identities;
    let user = |id| DuisUser::new(id, identities, &duis_url).expect("user");
    let supplier = user(TEST_SUPPLIER);
    let supplier_signer = xml_signer(identities, TEST_SUPPLIER);
    let operator = user(TEST_NETWORK_OPERATOR);
    let second = user(SECOND_SUPPLIER);

    // State some rows need: a device made Pending by its supplier, a pre-command issued.
    let pending = second
        .post(
            "serviceD",
            sign(
                &second,
                DCC,
                8,
                "8.4",
                element(
                    "UpdateInventory",
                    vec![
                        leaf("DeviceID", &SOUTH_ESME.to_string()),
                        leaf("UpdateDeviceStatusExceptCH", "Pending"),
                    ],
                ),
            ),
        )
        .await
        .expect("8.4 answered");
    assert_eq!(pending.response.response_code.to_string(), "I99");
    let cv4_counter = next_counter();
    let cv4 = supplier
        .post(
            "serviceT",
            sign_with_counter(
                &supplier,
                TEMPLATE_ESME,
                cv4_counter,
                4,
                "7.1",
                element("EnableSupply", Vec::new()),
            ),
        )
        .await
        .expect("pre-command");
    let ResponseBody::PreCommand {
        payload: pre_command,
        ..
    } = cv4.response.body
    else {
        panic!("no pre-command: {:?}", cv4.response)
    };
    let signed_pre_command = |key: &gbcs::crypto::SigningKey, payload: &[u8]| {
        let signature = gbcs::protection::sign_pre_command(payload, key).expect("signature");
        gbcs::GeneralSigning::parse(payload)
            .expect("pre-command parses")
            .with_signature(SignatureField::Present(signature))
            .encode()
    };
    let cv5 = |payload: Vec<u8>| RequestBody::SignedPreCommand {
        execution_date_time: None,
        gbcs_payload: payload,
    };
    let mut tampered = pre_command.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let replayed_counter = next_counter();
    supplier
        .post(
            "serviceS",
            sign_with_counter(
                &supplier,
                TEMPLATE_GSME,
                replayed_counter,
                1,
                "4.1.1",
                read_registers(),
            ),
        )
        .await
        .expect("first use of the counter");

    let good = sign(&supplier, TEMPLATE_ESME, 1, "4.1.1", read_registers());
    let good_id = duis::parse_request(good.as_bytes())
        .expect("parses")
        .header
        .request_id;
    let tampered_request = good.replace(
        &good_id.to_string(),
        &RequestId::new(good_id.originator, good_id.target, good_id.counter + 7).to_string(),
    );
    let rows = vec![
        // Parsing and authentication.
        Row { what: "not XML", origin: "parse", url: "serviceS", xml: "<sr:Request".into(), expected: "E1000" },
        Row { what: "not a DUIS request", origin: "parse", url: "serviceS", xml: r#"<Request schemaVersion="5.4"/>"#.into(), expected: "E1000" },
        Row { what: "no header", origin: "parse", url: "serviceS", xml: r#"<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4"><sr:Body/></sr:Request>"#.into(), expected: "E1000" },
        Row { what: "RequestID unreadable", origin: "parse", url: "serviceS", xml: good.replace(&format!("{}:", TEMPLATE_ESME), "nonsense:"), expected: "E1000" },
        Row { what: "command variant 9", origin: "parse", url: "serviceS", xml: good.replace("<sr:CommandVariant>1<", "<sr:CommandVariant>9<"), expected: "E1000" },
        Row { what: "a control character in the service reference", origin: "parse", url: "serviceS", xml: good.replace("<sr:ServiceReference>4.1<", "<sr:ServiceReference>4.1\u{1}<"), expected: "E1000" },
        Row { what: "unsigned", origin: "authenticate", url: "serviceS", xml: duis::render_request(&duis::parse_request(good.as_bytes()).expect("parses")), expected: "E1001" },
        Row { what: "changed after signing", origin: "authenticate", url: "serviceS", xml: tampered_request.clone(), expected: "E1001" },
        Row { what: "another user's signature", origin: "authenticate", url: "serviceS", xml: signed_as(&supplier, TEST_NETWORK_OPERATOR, TEMPLATE_ESME, "4.1.1", read_registers()), expected: "E1" },
        Row { what: "originator not a DCC user", origin: "authenticate", url: "serviceS", xml: signed_as(&supplier, Eui64::from_u64(0x90B3_D51F_30FF_0000), TEMPLATE_ESME, "4.1.1", read_registers()), expected: "E1" },
        Row { what: "user suspended from 8.2", origin: "authorise: user status", url: "serviceD", xml: sign(&operator, DCC, 8, "8.2", read_inventory(vec![leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E3" },
        Row { what: "schema version 4.0", origin: "authorise: schema", url: "serviceS", xml: raw(&supplier, &supplier_signer, "4.0", TEMPLATE_ESME, 1, "4.1", "4.1.1", read_registers()), expected: "E1006" },
        Row { what: "schema version 6.0", origin: "authorise: schema", url: "serviceS", xml: raw(&supplier, &supplier_signer, "6.0", TEMPLATE_ESME, 1, "4.1", "4.1.1", read_registers()), expected: "E1006" },
        // URL and command variant.
        Row { what: "CV1 sent to serviceD", origin: "authorise: URL", url: "serviceD", xml: sign(&supplier, TEMPLATE_ESME, 1, "4.1.1", read_registers()), expected: "E13" },
        Row { what: "CV8 sent to serviceS", origin: "authorise: URL", url: "serviceS", xml: sign(&supplier, DCC, 8, "8.2", read_inventory(vec![leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E13" },
        Row { what: "CV4 sent to serviceS", origin: "authorise: URL", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 4, "7.1", element("EnableSupply", Vec::new())), expected: "E13" },
        Row { what: "CV1 sent to serviceT", origin: "authorise: URL", url: "serviceT", xml: sign(&supplier, TEMPLATE_ESME, 1, "4.1.1", read_registers()), expected: "E13" },
        Row { what: "CV2 sent to serviceS", origin: "authorise: URL", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 2, "4.1.1", read_registers()), expected: "E13" },
        Row { what: "critical service as CV1", origin: "authorise: command variant", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 1, "7.1", element("EnableSupply", Vec::new())), expected: "E12" },
        Row { what: "non-critical service as CV4", origin: "authorise: command variant", url: "serviceT", xml: sign(&supplier, TEMPLATE_ESME, 4, "4.1.1", read_registers()), expected: "E12" },
        Row { what: "non-device service as CV2", origin: "authorise: command variant", url: "serviceD", xml: sign(&supplier, DCC, 2, "8.2", read_inventory(vec![leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E12" },
        Row { what: "device service as CV8", origin: "authorise: command variant", url: "serviceD", xml: sign(&supplier, TEMPLATE_ESME, 8, "4.1.1", read_registers()), expected: "E12" },
        Row { what: "CV5 without a CV4", origin: "signed pre-command", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 5, "7.1", cv5(signed_pre_command(&supplier.digital_signature, &pre_command))), expected: "E12" },
        Row { what: "service reference variant DUIS lacks", origin: "authorise: service", url: "serviceS", xml: raw(&supplier, &supplier_signer, "5.4", TEMPLATE_ESME, 1, "99.1", "99.1", read_registers()), expected: "E1011" },
        Row { what: "service reference of another variant", origin: "authorise: service", url: "serviceS", xml: raw(&supplier, &supplier_signer, "5.4", TEMPLATE_ESME, 1, "4.2", "4.1.1", read_registers()), expected: "E1000" },
        Row { what: "body of another service", origin: "authorise: body", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 1, "4.1.1", element("ReadInventory", Vec::new())), expected: "E1000" },
        // Roles.
        Row { what: "network operator enables supply", origin: "authorise: role", url: "serviceT", xml: sign(&operator, TEMPLATE_ESME, 4, "7.1", element("EnableSupply", Vec::new())), expected: "E2" },
        Row { what: "supplier sets voltage configuration", origin: "authorise: role", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 1, "6.5", element("UpdateDeviceConfigurationVoltage", Vec::new())), expected: "E2" },
        Row { what: "import supplier reads export registers", origin: "authorise: role", url: "serviceS", xml: sign(&second, TEMPLATE_ESME, 1, "4.2", element("ReadInstantaneousExportRegisters", Vec::new())), expected: "E2" },
        Row { what: "network operator decommissions", origin: "authorise: role", url: "serviceD", xml: sign(&operator, DCC, 8, "8.3", element("DecommissionDevice", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E2" },
        Row { what: "network operator returns a local command response", origin: "authorise: role", url: "serviceD", xml: sign(&operator, DCC, 8, "8.13", element("ReturnLocalCommandResponse", vec![leaf("DeviceGBCSResponse", "AA==")])), expected: "E2" },
        // Devices.
        Row { what: "unknown device", origin: "eligibility: inventory", url: "serviceS", xml: sign(&supplier, UNKNOWN_DEVICE, 1, "4.1.1", read_registers()), expected: "E19" },
        Row { what: "registers of a Comms Hub Function", origin: "eligibility: device type", url: "serviceS", xml: sign(&supplier, TEMPLATE_CHF, 1, "4.1.1", read_registers()), expected: "E11" },
        Row { what: "enable supply of a gas meter", origin: "eligibility: device type", url: "serviceT", xml: sign(&supplier, TEMPLATE_GSME, 4, "7.1", element("EnableSupply", Vec::new())), expected: "E11" },
        Row { what: "another supplier's meter", origin: "eligibility: registration", url: "serviceS", xml: sign(&second, TEMPLATE_ESME, 1, "4.1.1", read_registers()), expected: "E4" },
        Row { what: "a meter the supplier left", origin: "eligibility: registration", url: "serviceS", xml: sign(&supplier, Eui64::from_u64(0x00DB_1234_5678_91A1), 1, "4.1.1", read_registers()), expected: "E4" },
        Row { what: "device not commissioned", origin: "eligibility: device status", url: "serviceS", xml: sign(&second, SOUTH_ESME, 1, "4.1.1", read_registers()), expected: "E5" },
        Row { what: "network operator asks for local delivery", origin: "eligibility: local delivery", url: "serviceD", xml: sign(&operator, TEMPLATE_ESME, 2, "4.1.1", read_registers()), expected: "E17" },
        // Body and transformation.
        Row { what: "data in a body that takes none", origin: "transform", url: "serviceS", xml: sign(&supplier, TEMPLATE_ESME, 1, "4.1.1", element("ReadInstantaneousImportRegisters", vec![leaf("Extra", "1")])), expected: "E1000" },
        // Replay.
        Row { what: "counter replayed", origin: "replay protection", url: "serviceS", xml: sign_with_counter(&supplier, TEMPLATE_GSME, replayed_counter, 1, "4.1.1", read_registers()), expected: "E1003" },
        Row { what: "counter lower than the last", origin: "replay protection", url: "serviceS", xml: sign_with_counter(&supplier, TEMPLATE_GSME, replayed_counter - 1, 1, "4.1.1", read_registers()), expected: "E1003" },
        // Signed pre-commands.
        Row { what: "tampered pre-command", origin: "signed pre-command", url: "serviceS", xml: sign_with_counter(&supplier, TEMPLATE_ESME, cv4_counter, 5, "7.1", cv5(signed_pre_command(&supplier.digital_signature, &tampered))), expected: "E1004" },
        Row { what: "pre-command signed with another party's key", origin: "signed pre-command", url: "serviceS", xml: sign_with_counter(&supplier, TEMPLATE_ESME, cv4_counter, 5, "7.1", cv5(signed_pre_command(&operator.digital_signature, &pre_command))), expected: "E1001" },
        Row { what: "signed pre-command body not base64 GBCS", origin: "signed pre-command", url: "serviceS", xml: sign_with_counter(&supplier, TEMPLATE_ESME, cv4_counter, 5, "7.1", cv5(vec![1, 2, 3])), expected: "E1000" },
        // Non-device services.
        Row { what: "update inventory without an update", origin: "8.4", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.4", element("UpdateInventory", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E1000" },
        Row { what: "read inventory without criteria", origin: "8.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.2", read_inventory(Vec::new())), expected: "E1000" },
        Row { what: "read inventory of a malformed DeviceID", origin: "8.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.2", read_inventory(vec![leaf("DeviceID", "00-DB")])), expected: "E1000" },
        Row { what: "read inventory of an unknown device", origin: "8.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.2", read_inventory(vec![leaf("DeviceID", &UNKNOWN_DEVICE.to_string())])), expected: "E19" },
        Row { what: "read inventory of an MPxN nobody has", origin: "8.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.2", read_inventory(vec![leaf("MPxN", "1999999999999")])), expected: "E080201" },
        Row { what: "read a schedule that does not exist", origin: "5.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "5.2", element("ReadSchedule", vec![leaf("DSPScheduleID", "987654")])), expected: "E050201" },
        Row { what: "delete a schedule that does not exist", origin: "5.3", url: "serviceD", xml: sign(&supplier, DCC, 8, "5.3", element("DeleteSchedule", vec![leaf("DSPScheduleID", "987654")])), expected: "E050301" },
        Row { what: "schedule a service that cannot be DCC scheduled", origin: "5.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "5.1", element("CreateSchedule", vec![leaf("ScheduleFrequency", "Daily"), leaf("ScheduleStartDate", "2030-01-01"), leaf("DSPScheduledServiceReference", "4.1"), leaf("DSPScheduledServiceReferenceVariant", "4.1.1"), leaf("DeviceID", &TEMPLATE_ESME.to_string())])), expected: "E050101" },
        Row { what: "schedule with an unknown frequency", origin: "5.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "5.1", element("CreateSchedule", vec![leaf("ScheduleFrequency", "Hourly"), leaf("ScheduleStartDate", "2030-01-01"), leaf("DSPScheduledServiceReference", "4.16"), leaf("DSPScheduledServiceReferenceVariant", "4.16"), leaf("DeviceID", &TEMPLATE_ESME.to_string()), element_leaf("DSPReadActivePowerImport")])), expected: "E1000" },
        Row { what: "pre-notify a device already in the inventory", origin: "12.2", url: "serviceD", xml: sign(&supplier, DCC, 8, "12.2", element("DevicePrenotification", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string()), leaf("DeviceManufacturer", "AB01"), leaf("DeviceModel", "01"), leaf("DeviceType", "ESME")])), expected: "E120201" },
        Row { what: "delete a commissioned device", origin: "8.4", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.4", element("UpdateInventory", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string()), leaf("DeleteDevice", "")])), expected: "E080407" },
        Row { what: "Comms Hub status update of a meter", origin: "8.4", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.4", element("UpdateInventory", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string()), leaf("UpdateDeviceStatusCH", "Withdrawn")])), expected: "E080406" },
        Row { what: "meter status update of a Comms Hub", origin: "8.4", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.4", element("UpdateInventory", vec![leaf("DeviceID", &TEMPLATE_CHF.to_string()), leaf("UpdateDeviceStatusExceptCH", "Pending")])), expected: "E080405" },
        Row { what: "decommission a Gas Proxy Function", origin: "8.3", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.3", element("DecommissionDevice", vec![leaf("DeviceID", &TEMPLATE_GPF.to_string())])), expected: "E11" },
        Row { what: "decommission another supplier's meter", origin: "8.3", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.3", element("DecommissionDevice", vec![leaf("DeviceID", &SOUTH_ESME.to_string())])), expected: "E4" },
        Row { what: "firmware for devices none of which can take it", origin: "11.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "11.1", element("UpdateFirmware", vec![leaf("FirmwareImage", "AAEC"), leaf("FirmwareVersion", "00000001"), leaf("DeviceIDList", &UNKNOWN_DEVICE.to_string())])), expected: "E110101" },
        Row { what: "firmware image not base64", origin: "11.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "11.1", element("UpdateFirmware", vec![leaf("FirmwareImage", "!!"), leaf("FirmwareVersion", "00000001"), leaf("DeviceIDList", &TEMPLATE_ESME.to_string())])), expected: "E1000" },
        Row { what: "local command response that is not GBCS", origin: "8.13", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.13", element("ReturnLocalCommandResponse", vec![leaf("DeviceGBCSResponse", "AAEC")])), expected: "E1000" },
        Row { what: "WAN matrix without an address", origin: "12.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "12.1", element("RequestWANMatrix", Vec::new())), expected: "E1000" },
        Row { what: "opt in a device of another type", origin: "8.6", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.6", element("ServiceOptIn", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string()), leaf("DeviceType", "GSME"), BodyElement::with_children("MPxNs", vec![leaf("ImportMPxN", "1100000000001")]), leaf("OptInDate", "2030-01-01")])), expected: "E11" },
        Row { what: "Comms Hub installed that is a meter", origin: "8.14.1", url: "serviceD", xml: sign(&supplier, DCC, 8, "8.14.1", element("CHFInstallSuccessSMWAN", vec![leaf("DeviceID", &TEMPLATE_ESME.to_string()), leaf("CHFInstallType", "New CHF Install"), leaf("MPxN", "1100000000001"), leaf("AerialInstall", "false"), leaf("CHFLocation", "Basement or Cellar")])), expected: "E11" },
    ];
    assert!(rows.len() >= 50, "{} rows", rows.len());
    let client = reqwest::Client::new();
    let mut wrong = Vec::new();
    let mut answers: Vec<(&str, Vec<u8>)> = Vec::new();
    for row in &rows {
        let response = client
            .post(format!("{duis_url}/api/v1/{}", row.url))
            .header("content-type", "application/xml")
            .body(row.xml.clone())
            .send()
            .await
            .expect("post");
        let status = response.status();
        let body = response.bytes().await.expect("body").to_vec();
        assert!(
            status.is_success(),
            "{}: HTTP {status}: {}",
            row.what,
            String::from_utf8_lossy(&body)
        );
        answers.push((row.what, body.clone()));
        let answer = supplier
            .read_dsp_document(body)
            .unwrap_or_else(|error| panic!("{}: {error}", row.what));
        let code = answer.response.response_code.to_string();
        if code != row.expected {
            wrong.push(format!(
                "{} ({}): {code}, expected {}",
                row.what, row.origin, row.expected
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows got another code:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
    println!("{} refusals, each with its code", rows.len());
    if test_support::dcc_oracle_available("DCC's duis-parser on every refusal") {
        let documents: Vec<(String, Vec<u8>)> = answers
            .iter()
            .map(|(what, body)| ((*what).to_owned(), body.clone()))
            .collect();
        let problems = test_support::dcc_oracle_on(&["--smki", "none"], &documents)
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(problems.is_empty(), "DCC's duis-parser: {problems:#?}");
    }
    running.shutdown().await;
}

fn element_leaf(name: &str) -> BodyElement {
    BodyElement::with_children(name, Vec::new())
}
