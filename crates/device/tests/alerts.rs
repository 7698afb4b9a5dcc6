//! Alerts the engine raises.
//!
//! - Against every RTDS alert (`*_ALERT*_GBCS.HEX`): the reference device (its published keys,
//!   the RTDS organisations as anchors, a stand-in DS key) raising the same alert with the
//!   same content at the same time and counter makes the reference's bytes: a MACed alert byte
//!   for byte (MAC and encrypted blocks keyed by the RTDS keys), a signed one with the same
//!   signed region and a signature that verifies against its own key.
//! - Every row of the alert catalogue, for every device type that raises it: the alert goes to
//!   the right party under the device's next counter, protected as the catalogue says, and a
//!   user decodes it with `gbcs::decode`, its encrypted content decrypting.
//! - Power cuts, registers, and what a device refuses.

mod support;

use std::path::Path;

use dcc_model::device_control::{ActionRefusal, DeviceAction, PowerState};
use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceDateTime, DeviceState, KeyFolder};
use gbcs::alert::catalogue::{self, ALERT_CODES};
use gbcs::alert::{Alert, AlertCode, AlertDetails};
use gbcs::decode::{describe, KeyRing, Verification};
use gbcs::gbz::ComponentBody;
use gbcs::SignatureField;
use smki::{KeyUsage, TestPki};
use support::{apdu, ACB, NETWORK_OPERATOR, NOW, SUPPLIER};

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    hex_bytes(text.trim())
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|index| u8::from_str_radix(&text[2 * index..2 * index + 2], 16).unwrap())
        .collect()
}

/// The alert's details with its encrypted content replaced by the plaintext (as `raise_with`
/// takes it), decrypted with the RTDS keys.
fn plain_details(
    details: AlertDetails,
    plaintexts: &mut impl Iterator<Item = Vec<u8>>,
) -> AlertDetails {
    match details {
        AlertDetails::EncryptedDataLog { protection, .. } => AlertDetails::EncryptedDataLog {
            protection,
            block: plaintexts.next().expect("a decrypted data log"),
        },
        AlertDetails::Components(components) => AlertDetails::Components(
            components
                .into_iter()
                .map(|mut component| {
                    if let ComponentBody::Encrypted {
                        additional_header, ..
                    } = component.body
                    {
                        component.body = ComponentBody::Encrypted {
                            additional_header,
                            block: plaintexts.next().expect("a decrypted component"),
                        };
                    }
                    component
                })
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn the_reference_devices_raise_every_reference_alert() {
    let Some(rtds) = test_support::shared_vectors("rtds-4.5.0", "RTDS reference alerts") else {
        return;
    };
    let files = test_support::read_folder(&rtds.join("keystore")).unwrap();
    let folder = KeyFolder::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .unwrap();
    let keys = KeyRing::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .unwrap();
    let mut raised = 0;
    let mut failures = Vec::new();
    for path in test_support::rtds_alert_files(&rtds.join("gbcs")).unwrap() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let reference = read_hex(&path);
        let found = apdu(&reference);
        let header = &found.header;
        // CS02b's and CS02g's future-dated credentials alerts and CS06's future-dated
        // firmware activation alert report the instruction's own execution outcome: raised by
        // the engine when it executes one (tests/future_dated.rs), not here.
        if matches!(header.message_code().0, 0x00CA | 0x00CB | 0x0124) {
            continue;
        }
        let alert = Alert::parse(header.message_code(), &found.payload).unwrap();
        let decoded = describe(&reference, &keys).unwrap();
        let mut plaintexts = decoded
            .encrypted_blocks
            .iter()
            .map(|block| block.plaintext.clone().expect("the reference decrypts"));
        let details = plain_details(alert.details.clone(), &mut plaintexts);
        let device_type = test_support::rtds_device_type(header.originator).unwrap();
        let state = DeviceState {
            originator_counter: header.transaction.counter - 1,
            ..DeviceState::default()
        };
        let preferred = [header.recipient];
        let mut device = folder
            .device(header.originator, device_type, state, &preferred)
            .unwrap()
            .device;
        let now = DeviceDateTime::from_seconds_since_2000(alert.time);
        if let Err(refusal) = device.raise_with(alert.code, details, now) {
            failures.push(format!("{name}: refused: {refusal}"));
            continue;
        }
        let ours = device.take_alerts().pop().expect("one alert raised");
        raised += 1;
        // An ECS100 about a command the ACB sent for a user names the user: the catalogue's
        // alert goes to the supplier itself, so only the payload is compared.
        let on_behalf = header
            .other_information
            .supplementary_remote_party_counter
            .is_some();
        let same = match (&found.signature, on_behalf) {
            (_, true) => apdu(&ours).payload == found.payload,
            (SignatureField::Present(_), false) => {
                let mine = apdu(&ours);
                mine.signed_region() == found.signed_region()
                    && gbcs::protection::verify_signature(
                        &mine,
                        &device.digital_signature_public_key(),
                    )
                    .is_ok()
            }
            (_, false) => ours == reference,
        };
        if !same {
            failures.push(format!(
                "{name}:\n  ours      {}\n  reference {}",
                hex(&ours),
                hex(&reference)
            ));
        }
    }
    assert!(raised >= 70, "{raised} reference alerts raised");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

const PPMID: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A4);
const HCALCS: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A5);

/// A device of every type, from one test PKI.
fn devices() -> (TestPki, Vec<(DeviceType, Eui64)>) {
    let fleet = [
        (DeviceType::ElectricitySmartMeter, support::ESME),
        (DeviceType::GasSmartMeter, support::GSME),
        (DeviceType::CommunicationsHubFunction, support::CHF),
        (DeviceType::GasProxyFunction, support::GPF),
        (DeviceType::PrepaymentInterfaceDevice, PPMID),
        (DeviceType::HanConnectedAuxiliaryLoadControlSwitch, HCALCS),
    ];
    let ids: Vec<Eui64> = fleet.iter().map(|(_, id)| *id).collect();
    (
        TestPki::default_with_devices(support::SEED, &ids).unwrap(),
        fleet.to_vec(),
    )
}

fn build(pki: &TestPki, device: Eui64, device_type: DeviceType) -> Device {
    let config =
        device::DeviceConfig::from_test_pki(pki, device, device_type, DeviceState::default())
            .unwrap();
    Device::new(&config).unwrap()
}

/// What a user holding `recipient`'s KA key needs to check an alert from `device`.
fn key_ring(pki: &TestPki, device: Eui64, recipient: Eui64) -> KeyRing {
    let mut keys = KeyRing::new();
    for (usage, suffix) in [
        (KeyUsage::KeyAgreement, "ka"),
        (KeyUsage::DigitalSignature, "ds"),
    ] {
        let certificate = &pki.identity(device, usage, None).unwrap().certificate;
        keys.add_file(
            &format!("{}-{suffix}.pem", device.to_hex()),
            certificate.pem().as_bytes(),
        )
        .unwrap();
    }
    let scalar = pki
        .identity(recipient, KeyUsage::KeyAgreement, None)
        .unwrap()
        .private_scalar()
        .unwrap();
    keys.add_key_agreement_private(
        recipient,
        gbcs::crypto::KeyAgreementPrivateKey::from_scalar(&scalar).unwrap(),
    );
    keys
}

#[test]
fn every_catalogue_alert_is_raised_protected_and_readable_by_its_recipient() {
    let (pki, fleet) = devices();
    let mut raised = 0;
    for (device_type, id) in fleet {
        let mut device = build(&pki, id, device_type);
        for entry in ALERT_CODES
            .iter()
            .filter(|entry| entry.raised_by(device_type))
        {
            let what = format!("{} from a {device_type}", entry.code);
            let before = device.state().originator_counter;
            device
                .raise(entry.code, NOW)
                .unwrap_or_else(|refusal| panic!("{what}: {refusal}"));
            let bytes = device.take_alerts().pop().unwrap();
            let apdu = apdu(&bytes);
            let header = &apdu.header;
            assert_eq!(header.transaction.cra, gbcs::Cra::Alert, "{what}");
            assert_eq!(
                header.transaction.counter,
                before + 1,
                "{what}: the next counter"
            );
            assert_eq!(header.originator, id, "{what}");
            assert_eq!(header.message_code(), entry.message_code, "{what}");
            let recipient = match (device_type, entry.recipient) {
                (DeviceType::CommunicationsHubFunction, _) => ACB,
                (_, catalogue::AlertRecipient::Supplier) => SUPPLIER,
                (_, catalogue::AlertRecipient::NetworkOperator) => NETWORK_OPERATOR,
                (_, catalogue::AlertRecipient::AccessControlBroker) => ACB,
            };
            assert_eq!(header.recipient, recipient, "{what}: its recipient");
            let decoded = describe(&bytes, &key_ring(&pki, id, recipient)).unwrap();
            match entry.is_critical() {
                true => {
                    assert_eq!(decoded.signature, Verification::Valid, "{what}: signed");
                    assert_eq!(decoded.mac, Verification::Absent, "{what}: no MAC");
                }
                false => {
                    assert_eq!(decoded.mac, Verification::Valid, "{what}: MACed");
                    assert_eq!(
                        decoded.signature,
                        Verification::Absent,
                        "{what}: not signed"
                    );
                }
            }
            assert_eq!(
                decoded.encrypted_blocks.len(),
                usize::from(entry.has_encrypted_content()),
                "{what}: its encrypted blocks"
            );
            for block in &decoded.encrypted_blocks {
                assert!(
                    block.plaintext.is_ok(),
                    "{what}: decrypts for the recipient"
                );
            }
            let alert = Alert::parse(entry.message_code, &apdu.payload).unwrap();
            assert_eq!(alert.code, entry.code, "{what}");
            assert_eq!(alert.time, NOW.seconds_since_2000(), "{what}");
            raised += 1;
        }
    }
    assert!(raised >= 300, "{raised} (alert, device type) pairs raised");
}

#[test]
fn the_billing_data_log_alerts_carry_the_registers_encrypted() {
    let (pki, _) = devices();
    let mut esme = build(&pki, support::ESME, DeviceType::ElectricitySmartMeter);
    esme.raise(AlertCode(0x8F0A), NOW).unwrap();
    let bytes = esme.take_alerts().pop().unwrap();
    let decoded = describe(&bytes, &key_ring(&pki, support::ESME, SUPPLIER)).unwrap();
    let plaintext = decoded.encrypted_blocks[0].plaintext.clone().unwrap();
    // structure { compact-array { time, active import, 48 TOU registers, 4 x 8 blocks } }
    assert_eq!(plaintext[..6], [0x02, 0x01, 0x13, 0x02, 0x07, 0x06]);
    let mut gsme = build(&pki, support::GSME, DeviceType::GasSmartMeter);
    gsme.raise(AlertCode(0x8F0A), NOW).unwrap();
    let bytes = gsme.take_alerts().pop().unwrap();
    let decoded = describe(&bytes, &key_ring(&pki, support::GSME, SUPPLIER)).unwrap();
    assert_eq!(decoded.header.message_code().0, 0x008B);
    let snapshot = decoded.encrypted_blocks[0].plaintext.clone().unwrap();
    // Publish Snapshot: snapshot id 0, the time, one found, command 0 of 1, cause billing,
    // payload type 6 (TOU and block registers, as the RTDS GSME's), 56 bytes of registers.
    assert_eq!(snapshot[4..8], NOW.seconds_since_2000().to_le_bytes());
    assert_eq!(snapshot[11..16], [0x02, 0, 0, 0, 0x06]);
    assert_eq!(snapshot.len(), 16 + 56);
}

#[test]
fn an_esme_reports_a_supply_outage_when_power_returns() {
    let (pki, _) = devices();
    let mut esme = build(&pki, support::ESME, DeviceType::ElectricitySmartMeter);
    let later = |minutes: u32| {
        DeviceDateTime::from_seconds_since_2000(NOW.seconds_since_2000() + minutes * 60)
    };
    let off = DeviceAction::Power(PowerState::Off);
    let on = DeviceAction::Power(PowerState::On);
    assert_eq!(esme.act(&off, NOW), Ok(Vec::new()));
    assert_eq!(esme.act(&on, later(5)), Ok(vec![AlertCode(0x8F36)]));
    let bytes = esme.take_alerts().pop().unwrap();
    let alert = Alert::parse(gbcs::MessageCode(0x0067), &apdu(&bytes).payload).unwrap();
    assert_eq!(
        alert.details,
        AlertDetails::SupplyOutage {
            interrupted: NOW.seconds_since_2000(),
            restored: later(5).seconds_since_2000(),
        }
    );
    assert_eq!(apdu(&bytes).header.recipient, NETWORK_OPERATOR);
    assert_eq!(esme.act(&off, later(10)), Ok(Vec::new()));
    assert_eq!(esme.act(&on, later(11)), Ok(vec![AlertCode(0x8F35)]));
    assert_eq!(esme.act(&on, later(12)), Ok(Vec::new()), "already on");
    let counters: Vec<u64> = esme
        .take_alerts()
        .iter()
        .map(|bytes| apdu(bytes).header.transaction.counter)
        .collect();
    assert_eq!(counters, [2]);
    let mut gsme = build(&pki, support::GSME, DeviceType::GasSmartMeter);
    assert!(matches!(
        gsme.act(&off, NOW),
        Err(ActionRefusal::NotSupported(reason)) if reason.contains("only an ESME")
    ));
}

#[test]
fn what_a_device_does_not_do_is_refused_with_the_reason() {
    let (pki, _) = devices();
    let mut esme = build(&pki, support::ESME, DeviceType::ElectricitySmartMeter);
    assert_eq!(
        esme.act(&DeviceAction::RaiseAlert(0x1234), NOW),
        Err(ActionRefusal::Invalid(
            "1234 is not a GBCS alert code".to_owned()
        ))
    );
    assert_eq!(
        esme.act(&DeviceAction::RaiseAlert(0x8F1D), NOW),
        Err(ActionRefusal::NotSupported(
            "ESME does not raise alert 8F1D (GSME power supply loss): it is raised by GSME"
                .to_owned()
        ))
    );
    assert!(matches!(
        esme.act(&DeviceAction::Reset, NOW),
        Err(ActionRefusal::NotSupported(_))
    ));
    let set = |register: &str, value: &str| DeviceAction::SetRegister {
        register: register.to_owned(),
        value: value.to_owned(),
    };
    assert_eq!(esme.act(&set("Meter-Balance", "-250"), NOW), Ok(Vec::new()));
    assert_eq!(esme.state().meter_balance, -250);
    assert!(matches!(
        esme.act(&set("meter_balance", "lots"), NOW),
        Err(ActionRefusal::Invalid(reason)) if reason.contains("a number of pence")
    ));
    assert!(matches!(
        esme.act(&set("gas_consumption", "1"), NOW),
        Err(ActionRefusal::NotSupported(reason)) if reason == "ESME has no register gas_consumption"
    ));
    assert!(matches!(
        esme.act(&set("voltage", "230"), NOW),
        Err(ActionRefusal::NotSupported(reason)) if reason.starts_with("voltage is not a register")
    ));
    assert!(
        esme.take_alerts().is_empty(),
        "nothing refused raised an alert"
    );
    assert_eq!(esme.state().originator_counter, 0, "nor used a counter");
}
