//! CS02b Update Security Credentials (supplierBySupplier) on the device engine: the reference
//! ESME answers the RTDS command with the RTDS outcome, and after a supplier replaces its DS
//! anchor, commands signed with the old key are refused and with the new key accepted.

mod support;

use std::path::{Path, PathBuf};

use dcc_model::{DeviceType, Eui64};
use gbcs::crypto::{SigningKey, VerifyingKey};
use gbcs::use_case::cs02b::{
    self, CellKeyUsage, CellUsage, CredentialsReplacementMode, RemotePartyRole, StatusCode,
    TrustAnchorCell, TrustAnchorReplacement, UpdateSecurityCredentials,
};
use gbcs::use_case::ecs42;
use gbcs::{Envelope, GeneralSigning};
use smartmeter::{
    AnchorRole, Device, DeviceConfig, DeviceDateTime, DeviceError, MeterState, RefusalKind,
    SupplyState, TrustAnchorCertificates,
};
use smki::{Certificate, CsrSubject, CsrSubmission, Identity, KeyUsage, Requester, TestPki};
use support::{command, device_config, ds_private, ESME, GSME, NOW, SUPPLIER};

const RTDS_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

fn rtds() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/rtds-4.5.0");
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("../shared/vectors not found and CI=true");
    }
    println!("SKIPPED: ../shared/vectors not found");
    None
}

fn rtds_certificate(rtds: &Path, stem: &str) -> Certificate {
    Certificate::from_der_or_pem(
        &std::fs::read(rtds.join("keystore").join(format!("{stem}.pem"))).unwrap(),
    )
    .unwrap()
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|index| u8::from_str_radix(&digits[2 * index..2 * index + 2], 16).unwrap())
        .collect()
}

fn apdu_of(bytes: &[u8]) -> GeneralSigning {
    Envelope::parse(bytes)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone()
}

/// The reference ESME (published KA key, RTDS ACB and supplier anchors, the supplier's
/// prepayment top-up KA cell filled) with a test-PKI DS key.
fn reference_esme(rtds: &Path) -> Device {
    let text = std::fs::read_to_string(rtds.join("gbcs-parser-inline-test-vectors.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pem = json["device_00db1234567890a0_ka_private_key_pem_from_crypto_test_ts"]
        .as_str()
        .unwrap();
    let key = smki::private_key_der_from_pem_or_der(pem.as_bytes()).unwrap();
    let key_agreement = Identity::new(
        "00db1234567890a0-ka",
        rtds_certificate(rtds, "00db1234567890a0-ka"),
        Some(key),
    )
    .unwrap();
    let digital_signature = support::pki()
        .identity(ESME, KeyUsage::DigitalSignature, None)
        .unwrap()
        .clone();
    let config = DeviceConfig {
        device_id: RTDS_ESME,
        device_type: DeviceType::ElectricitySmartMeter,
        digital_signature,
        key_agreement,
        trust_anchors: TrustAnchorCertificates {
            access_control_broker_key_agreement: rtds_certificate(rtds, "90b3d51f30000002-ka"),
            supplier_digital_signature: Some(rtds_certificate(rtds, "90b3d51f30010000-ds")),
            network_operator_digital_signature: None,
            remote_party_key_agreement: vec![rtds_certificate(rtds, "90b3d51f30010000-ka")],
        },
        state: MeterState::default(),
    };
    Device::new(&config)
        .unwrap()
        .with_supplier_prepayment_top_up_key_agreement(rtds_certificate(
            rtds,
            "90b3d51f30010000-pp-ka",
        ))
}

#[test]
fn the_reference_esme_answers_the_reference_update_with_the_reference_outcome() {
    let Some(rtds) = rtds() else { return };
    let folder = rtds.join("gbcs/6.15.1_CS02bSupplierBySupplier");
    let case = "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS";
    let command = read_hex(&folder.join(format!("{case}_COMMAND_GBCS.HEX")));
    let expected = apdu_of(&read_hex(&folder.join(format!("{case}_RESPONSE_GBCS.HEX"))));
    let mut esme = reference_esme(&rtds);
    let date_time = DeviceDateTime {
        year: 2015,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };
    let response = apdu_of(&esme.handle_command(&command, date_time).unwrap());
    // Same header and payload; the signature is the test DS key's (the reference one is not published).
    assert_eq!(
        response.clone().with_signature(expected.signature).encode(),
        expected.encode()
    );
    assert!(
        gbcs::protection::verify_signature(&response, &esme.digital_signature_public_key()).is_ok()
    );
    let anchors = esme.trust_anchor_certificates();
    let new_ds = anchors.supplier_digital_signature.as_ref().unwrap();
    assert_eq!(
        new_ds.subject_key_identifier().unwrap(),
        [0x43, 0x04, 0x6B, 0x4F, 0xB7, 0xC4, 0xF1, 0x1B]
    );
    assert_eq!(anchors.remote_party_key_agreement.len(), 1);
    assert_ne!(
        anchors.remote_party_key_agreement[0],
        rtds_certificate(&rtds, "90b3d51f30010000-ka")
    );
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
        let state = MeterState {
            supply: SupplyState::Disabled,
            ..MeterState::default()
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
                .signer(AnchorRole::Supplier)
                .unwrap()
                .digital_signature,
            VerifyingKey::from_sec1(&certificate.public_key_sec1()).unwrap()
        );

        if device_type == DeviceType::ElectricitySmartMeter {
            let refused = device.handle_command(&enable_supply(device_id, 101, &old_key), NOW);
            assert!(
                matches!(
                    refused,
                    Err(DeviceError::SignatureInvalid {
                        role: AnchorRole::Supplier,
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
        assert_eq!(
            device
                .trust_anchor_certificates()
                .supplier_digital_signature
                .as_ref(),
            Some(&previous)
        );
    }
}

#[test]
fn certificates_that_are_not_the_suppliers_are_not_installed() {
    let mut device = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        MeterState::default(),
    ))
    .unwrap();
    let pki = support::pki();
    let before = device
        .trust_anchor_certificates()
        .supplier_digital_signature
        .clone();
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
        assert_eq!(
            device
                .trust_anchor_certificates()
                .supplier_digital_signature,
            before,
            "{name}"
        );
    }
}

#[test]
fn updates_that_cannot_be_executed_now_are_refused_and_change_nothing() {
    let mut device = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        MeterState::default(),
    ))
    .unwrap();
    let before = device
        .trust_anchor_certificates()
        .supplier_digital_signature
        .clone();
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
    let error = device.handle_command(&future_dated, NOW).unwrap_err();
    assert!(matches!(error, DeviceError::NotSupported(_)), "{error}");
    assert_eq!(error.kind(), RefusalKind::Unsupported);
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
    assert_eq!(
        device
            .trust_anchor_certificates()
            .supplier_digital_signature,
        before
    );
    assert_eq!(device.last_accepted_counter(SUPPLIER), None);
    // The top-up cell is optional: a device without one reports an empty existing cell.
    let top_up = command(
        cs02b::MESSAGE_CODE,
        305,
        SUPPLIER,
        ESME,
        update(
            305,
            vec![TrustAnchorReplacement {
                certificate: support::pki()
                    .identity(SUPPLIER, KeyUsage::KeyAgreement, None)
                    .unwrap()
                    .certificate
                    .der()
                    .to_vec(),
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
    assert!(outcome.replacement_outcomes[0]
        .existing_subject_key_id
        .is_empty());
}
