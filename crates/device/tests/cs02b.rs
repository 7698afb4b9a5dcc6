//! CS02b Update Security Credentials (supplierBySupplier) on the device engine: after a
//! supplier replaces its DS anchor, commands signed with the old key are refused and with the
//! new key accepted; certificates that do not fit a cell are not installed; updates that
//! cannot be read are refused and future-dated ones wait.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceError, DeviceState, SupplyState};
use gbcs::crypto::{SigningKey, VerifyingKey};
use gbcs::use_case::cs02b::{
    self, CellKeyUsage, CellUsage, CredentialsReplacementMode, RemotePartyRole, StatusCode,
    TrustAnchorCell, TrustAnchorReplacement, UpdateSecurityCredentials,
};
use gbcs::use_case::ecs42;
use gbcs::{Envelope, GeneralSigning};
use smki::{Certificate, CsrSubject, CsrSubmission, KeyUsage, Requester, TestPki};
use support::{command, device_config, ds_private, ESME, GSME, NOW, SUPPLIER};

fn apdu_of(bytes: &[u8]) -> GeneralSigning {
    Envelope::parse(bytes)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone()
}

/// A second DS certificate for the test supplier from the same PKI: a key of its own
/// (borrowed from a PKI with another seed), a CSR, issued by the organisation CA.
fn new_supplier_signing_identity(pki: &TestPki) -> (Certificate, SigningKey) {
    let other = TestPki::default_for(support::SEED + 1).unwrap();
    let key = other
        .identity(SUPPLIER, KeyUsage::DigitalSignature, None)
        .unwrap()
        .private_key_pkcs8_der
        .clone()
        .unwrap();
    let csr = smki::build_csr(
        &CsrSubject::Organisation {
            id: SUPPLIER,
            role: smki::RemotePartyRole::SUPPLIER,
            common_name: Some("DCCSIM SUPPLIER NEW".to_owned()),
        },
        KeyUsage::DigitalSignature,
        &key,
    )
    .unwrap();
    let certificate = pki
        .issue_from_csr(
            &CsrSubmission {
                csr,
                kind: None,
                usage: None,
            },
            &Requester::Operator,
        )
        .unwrap();
    (certificate, SigningKey::from_pkcs8(&key).unwrap())
}

/// The certificate in the device's supplier DS cell.
fn supplier_signing_certificate(device: &Device) -> Option<Certificate> {
    device
        .trust_anchors()
        .cell(supplier_signing_cell())
        .and_then(|anchor| anchor.certificate.clone())
}

fn supplier_signing_cell() -> TrustAnchorCell {
    TrustAnchorCell::management(RemotePartyRole::SUPPLIER, CellKeyUsage::DigitalSignature)
}

fn update(counter: u64, replacements: Vec<TrustAnchorReplacement>) -> Vec<u8> {
    UpdateSecurityCredentials {
        mode: CredentialsReplacementMode::SUPPLIER_BY_SUPPLIER,
        plaintext_symmetric_key: None,
        apply_time_based_cpv_checks: true,
        authorising_cell: Some(supplier_signing_cell()),
        authorising_seq_number: counter,
        new_floor_seq_number: Some(0),
        new_prepayment_top_up_floor_seq_number: None,
        replacements,
        certification_path_certificates: vec![support::pki()
            .organisation_ca()
            .certificate
            .der()
            .to_vec()],
        other_seq_number_changes: Vec::new(),
        execution_date_time: None,
    }
    .encode()
}

fn replace_signing(certificate: &Certificate) -> TrustAnchorReplacement {
    TrustAnchorReplacement {
        certificate: certificate.der().to_vec(),
        target: supplier_signing_cell(),
    }
}

fn enable_supply(device: Eui64, counter: u64, key: &SigningKey) -> Vec<u8> {
    command(
        ecs42::MESSAGE_CODE,
        counter,
        SUPPLIER,
        device,
        ecs42::command_payload(counter),
        Some(key),
    )
}

fn outcome_of(response: &[u8]) -> cs02b::ExecutionOutcome {
    cs02b::decode_response_payload(&apdu_of(response).payload)
        .unwrap()
        .unwrap()
}

#[test]
fn after_the_supplier_anchor_is_replaced_the_old_key_is_refused_and_the_new_one_accepted() {
    for (device_id, device_type) in [
        (ESME, DeviceType::ElectricitySmartMeter),
        (GSME, DeviceType::GasSmartMeter),
    ] {
        let state = DeviceState {
            supply: SupplyState::Disabled,
            ..DeviceState::default()
        };
        let mut device = Device::new(&device_config(device_id, device_type, state)).unwrap();
        let old_key = ds_private(SUPPLIER);
        let (certificate, new_key) = new_supplier_signing_identity(support::pki());
        let previous = support::pki()
            .identity(SUPPLIER, KeyUsage::DigitalSignature, None)
            .unwrap()
            .certificate
            .clone();

        let replace = support::command(
            cs02b::MESSAGE_CODE,
            100,
            SUPPLIER,
            device_id,
            update(100, vec![replace_signing(&certificate)]),
            Some(&old_key),
        );
        let response = device.handle_command(&replace, NOW).unwrap();
        let signed = apdu_of(&response);
        assert!(gbcs::protection::verify_signature(
            &signed,
            &device.digital_signature_public_key()
        )
        .is_ok());
        assert_eq!(signed.header.date_time, Some(NOW.cosem()));
        let outcome = outcome_of(&response);
        assert!(outcome.all_succeeded(), "{outcome:?}");
        let row = &outcome.replacement_outcomes[0];
        assert_eq!(row.cell, supplier_signing_cell());
        assert_eq!(
            row.existing_subject_key_id,
            previous.subject_key_identifier().unwrap()
        );
        assert_eq!(
            row.replacing_subject_key_id,
            certificate.subject_key_identifier().unwrap()
        );
        assert_eq!(
            row.replacing_subject_unique_id,
            SUPPLIER.as_bytes().to_vec()
        );
        assert_eq!(
            device
                .trust_anchors()
                .signing_key(RemotePartyRole::SUPPLIER, SUPPLIER),
            Some(&VerifyingKey::from_sec1(&certificate.public_key_sec1()).unwrap())
        );

        if device_type == DeviceType::ElectricitySmartMeter {
            let refused = device.handle_command(&enable_supply(device_id, 101, &old_key), NOW);
            assert!(
                matches!(
                    refused,
                    Err(DeviceError::SignatureInvalid {
                        role: "supplier",
                        ..
                    })
                ),
                "{refused:?}"
            );
            assert_eq!(device.state().supply, SupplyState::Disabled);
            let accepted = device
                .handle_command(&enable_supply(device_id, 102, &new_key), NOW)
                .unwrap();
            assert!(gbcs::protection::verify_signature(
                &apdu_of(&accepted),
                &device.digital_signature_public_key()
            )
            .is_ok());
            assert_eq!(device.state().supply, SupplyState::Enabled);
        }
        // A further update must be signed by the new anchor too.
        let again = update(103, vec![replace_signing(&previous)]);
        let by_old = command(
            cs02b::MESSAGE_CODE,
            103,
            SUPPLIER,
            device_id,
            again.clone(),
            Some(&old_key),
        );
        assert!(matches!(
            device.handle_command(&by_old, NOW),
            Err(DeviceError::SignatureInvalid { .. })
        ));
        let by_new = command(
            cs02b::MESSAGE_CODE,
            104,
            SUPPLIER,
            device_id,
            update(104, vec![replace_signing(&previous)]),
            Some(&new_key),
        );
        assert!(outcome_of(&device.handle_command(&by_new, NOW).unwrap()).all_succeeded());
        assert_eq!(supplier_signing_certificate(&device), Some(previous));
    }
}

#[test]
fn certificates_that_are_not_the_suppliers_are_not_installed() {
    let mut device = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let pki = support::pki();
    let before = supplier_signing_certificate(&device);
    let network_operator = pki
        .identity(support::NETWORK_OPERATOR, KeyUsage::DigitalSignature, None)
        .unwrap()
        .certificate
        .clone();
    let supplier_key_agreement = pki
        .identity(SUPPLIER, KeyUsage::KeyAgreement, None)
        .unwrap()
        .certificate
        .clone();
    let (stranger, _) = new_supplier_signing_identity(&TestPki::default_for(7).unwrap());
    let cases = [
        ("a network operator's DS certificate", network_operator),
        (
            "the supplier's KA certificate in the DS cell",
            supplier_key_agreement,
        ),
        ("a supplier DS certificate from another CA", stranger),
    ];
    for (counter, (name, certificate)) in (200u64..).zip(cases) {
        let replace = command(
            cs02b::MESSAGE_CODE,
            counter,
            SUPPLIER,
            ESME,
            update(counter, vec![replace_signing(&certificate)]),
            Some(&ds_private(SUPPLIER)),
        );
        let outcome = outcome_of(&device.handle_command(&replace, NOW).unwrap());
        assert_eq!(
            outcome.replacement_outcomes[0].status,
            StatusCode::BAD_CERTIFICATE,
            "{name}"
        );
        assert_eq!(supplier_signing_certificate(&device), before, "{name}");
    }
}

#[test]
fn future_dated_updates_wait_and_unreadable_ones_are_refused_and_change_nothing() {
    let mut device = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let before = supplier_signing_certificate(&device);
    let (certificate, new_key) = new_supplier_signing_identity(support::pki());
    let payload = |counter: u64| {
        let mut update = UpdateSecurityCredentials::decode(&update(
            counter,
            vec![replace_signing(&certificate)],
        ))
        .unwrap();
        update.execution_date_time = Some("20300115000000Z".to_owned());
        update.encode()
    };
    let future_dated = command(
        cs02b::MESSAGE_CODE,
        300,
        SUPPLIER,
        ESME,
        payload(300),
        Some(&ds_private(SUPPLIER)),
    );
    let accepted = device.handle_command(&future_dated, NOW).unwrap();
    assert_eq!(
        cs02b::decode_response_payload(&apdu_of(&accepted).payload).unwrap(),
        None,
        "accepted for later: no outcome yet"
    );
    let wrong_seq_number = command(
        cs02b::MESSAGE_CODE,
        301,
        SUPPLIER,
        ESME,
        update(999, vec![replace_signing(&certificate)]),
        Some(&ds_private(SUPPLIER)),
    );
    assert!(matches!(
        device.handle_command(&wrong_seq_number, NOW),
        Err(DeviceError::Malformed(_))
    ));
    let signed_by_the_new_key_before_it_is_installed = command(
        cs02b::MESSAGE_CODE,
        302,
        SUPPLIER,
        ESME,
        update(302, vec![replace_signing(&certificate)]),
        Some(&new_key),
    );
    assert!(matches!(
        device.handle_command(&signed_by_the_new_key_before_it_is_installed, NOW),
        Err(DeviceError::SignatureInvalid { .. })
    ));
    let unsigned = command(
        cs02b::MESSAGE_CODE,
        303,
        SUPPLIER,
        ESME,
        update(303, vec![replace_signing(&certificate)]),
        None,
    );
    assert!(matches!(
        device.handle_command(&unsigned, NOW),
        Err(DeviceError::SignatureMissing { .. })
    ));
    let garbage = command(
        cs02b::MESSAGE_CODE,
        304,
        SUPPLIER,
        ESME,
        vec![0x30, 0x03, 0x02, 0x01],
        Some(&ds_private(SUPPLIER)),
    );
    assert!(matches!(
        device.handle_command(&garbage, NOW),
        Err(DeviceError::Malformed(_))
    ));
    assert_eq!(supplier_signing_certificate(&device), before);
    assert_eq!(device.last_accepted_counter(SUPPLIER), Some(300));
    // The top-up cell: a device of a test PKI holds the supplier's KA certificate there (the
    // PKI makes no separate prepayment key), and reports it as the cell's existing key.
    let supplier_key_agreement = support::pki()
        .identity(SUPPLIER, KeyUsage::KeyAgreement, None)
        .unwrap()
        .certificate
        .clone();
    let top_up = command(
        cs02b::MESSAGE_CODE,
        305,
        SUPPLIER,
        ESME,
        update(
            305,
            vec![TrustAnchorReplacement {
                certificate: supplier_key_agreement.der().to_vec(),
                target: TrustAnchorCell {
                    role: RemotePartyRole::SUPPLIER,
                    key_usage: CellKeyUsage::KeyAgreement,
                    cell_usage: CellUsage::PrepaymentTopUp,
                },
            }],
        ),
        Some(&ds_private(SUPPLIER)),
    );
    let outcome = outcome_of(&device.handle_command(&top_up, NOW).unwrap());
    assert_eq!(outcome.replacement_outcomes[0].status, StatusCode::SUCCESS);
    assert_eq!(
        Some(
            outcome.replacement_outcomes[0]
                .existing_subject_key_id
                .clone()
        ),
        supplier_key_agreement.subject_key_identifier()
    );
}

/// The alerts a device raised, each read: its message code and the alert.
fn raised(device: &mut Device) -> Vec<(gbcs::MessageCode, gbcs::alert::Alert)> {
    let alerts = support::take_alerts_but_billing(device);
    alerts
        .iter()
        .map(|bytes| {
            let apdu = apdu_of(bytes);
            let code = apdu.header.message_code();
            (
                code,
                gbcs::alert::Alert::parse(code, &apdu.payload).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_future_dated_update_replaces_the_cell_at_its_time_and_reports_its_outcome() {
    let mut device = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let before = supplier_signing_certificate(&device);
    let (certificate, new_key) = new_supplier_signing_identity(support::pki());
    let mut update =
        UpdateSecurityCredentials::decode(&update(400, vec![replace_signing(&certificate)]))
            .unwrap();
    update.execution_date_time = Some("20300115000000Z".to_owned());
    let future_dated = command(
        cs02b::MESSAGE_CODE,
        400,
        SUPPLIER,
        ESME,
        update.encode(),
        Some(&ds_private(SUPPLIER)),
    );
    device.handle_command(&future_dated, NOW).unwrap();
    assert_eq!(
        device.pending_instruction_count(),
        1,
        "the update waits for its time"
    );
    // Its execution date-time, 2030-01-15 00:00 UTC.
    let due = device::DeviceDateTime {
        year: 2030,
        month: 1,
        day: 15,
        hour: 0,
        minute: 0,
        second: 0,
    };
    device.catch_up(NOW);
    assert_eq!(
        supplier_signing_certificate(&device),
        before,
        "not before its time"
    );
    assert!(raised(&mut device).is_empty());

    device.catch_up(due);
    assert_eq!(
        supplier_signing_certificate(&device).map(|held| held.serial_decimal().to_owned()),
        Some(certificate.serial_decimal().to_owned()),
        "replaced at its time"
    );
    let alerts = raised(&mut device);
    let [(message_code, alert)] = alerts.as_slice() else {
        panic!("one alert expected: {alerts:?}");
    };
    assert_eq!(
        message_code.0, 0x00CB,
        "Futured Dated Update Security Credentials Alert"
    );
    assert_eq!(alert.code.0, 0x8F66);
    assert_eq!(alert.details.future_dated_counter(), Some(400));
    // The new key is the supplier's now.
    let enable = enable_supply(ESME, 401, &new_key);
    device.handle_command(&enable, due).unwrap();
    device.catch_up(due);
    assert!(raised(&mut device).is_empty(), "reported once");
}
