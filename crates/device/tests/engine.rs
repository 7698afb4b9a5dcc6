//! The device engine checks commands as a device must and answers as users expect.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceError, DeviceState, RefusalKind, SupplyState};
use gbcs::protection;
use gbcs::use_case::{ecs17b, ecs42, ecs52, gcs13a, gcs13b};
use gbcs::{Cra, Envelope, GeneralSigning, MessageCode};
use support::*;

fn device(id: Eui64, device_type: DeviceType) -> Device {
    Device::new(&device_config(id, device_type, DeviceState::default())).unwrap()
}

fn esme() -> Device {
    device(ESME, DeviceType::ElectricitySmartMeter)
}

fn assert_response_header(
    apdu: &GeneralSigning,
    device: Eui64,
    user: Eui64,
    counter: u64,
    code: MessageCode,
) {
    assert_eq!(apdu.header.transaction.cra, Cra::Response);
    assert_eq!(apdu.header.transaction.counter, counter);
    assert_eq!(apdu.header.originator, device);
    assert_eq!(apdu.header.recipient, user);
    assert_eq!(apdu.header.message_code(), code);
}

#[test]
fn ecs17b_answers_with_a_mac_and_the_registers_encrypted_for_the_supplier() {
    let state = DeviceState {
        active_import_wh: 4_321,
        reactive_import_varh: 77,
        ..DeviceState::default()
    };
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        state,
    ))
    .unwrap();
    let counter = 1_000;
    let bytes = command(
        ecs17b::MESSAGE_CODE,
        counter,
        SUPPLIER,
        ESME,
        ecs17b::command_payload(counter, SUPPLIER, ESME),
        None,
    );
    let response = esme.handle_command(&bytes, NOW).unwrap();
    assert_eq!(&response[..2], &[0xDD, 0x00], "MAC header");
    let (apdu, plaintext) = open_mac_response(&response, SUPPLIER, ESME);
    assert_response_header(&apdu, ESME, SUPPLIER, counter, ecs17b::MESSAGE_CODE);
    assert_eq!(apdu.header.date_time, Some(NOW.cosem()));
    assert_eq!(plaintext.unwrap(), ecs17b::register_plaintext(4_321, 77));
    // The payload is exactly what the reference builder makes around that block.
    let block = protection::find_encrypted_blocks(&apdu.payload)[0].to_vec();
    assert_eq!(
        apdu.payload,
        ecs17b::response_payload(counter, ESME, SUPPLIER, &[], |_| block.clone())
    );
    // Someone else's KA key does not open it.
    let other = user_secret(SECOND_SUPPLIER, ESME);
    assert!(protection::verify_response(&response, Some(&other), None).is_err());
    assert_eq!(esme.last_accepted_counter(SUPPLIER), Some(counter));
}

#[test]
fn gcs13a_and_gcs13b_answer_with_the_gas_registers_encrypted() {
    let state = DeviceState {
        gas_current_summation_delivered: 987_654,
        gas_block_counters: [1, 2, 3, 4],
        ..DeviceState::default()
    };
    let mut gsme = Device::new(&device_config(GSME, DeviceType::GasSmartMeter, state)).unwrap();
    let response = gsme
        .handle_command(
            &command(
                gcs13a::MESSAGE_CODE,
                7,
                SUPPLIER,
                GSME,
                gcs13a::command_payload(),
                None,
            ),
            NOW,
        )
        .unwrap();
    let (apdu, plaintext) = open_mac_response(&response, SUPPLIER, GSME);
    assert_response_header(&apdu, GSME, SUPPLIER, 7, gcs13a::MESSAGE_CODE);
    assert_eq!(apdu.header.date_time, Some(NOW.cosem()));
    assert_eq!(
        plaintext.unwrap(),
        gcs13a::register_plaintext(987_654, 0x01, 1, 1000)
    );

    let response = gsme
        .handle_command(
            &command(
                gcs13b::MESSAGE_CODE,
                8,
                SUPPLIER,
                GSME,
                gcs13b::command_payload(),
                None,
            ),
            NOW,
        )
        .unwrap();
    let (_, plaintext) = open_mac_response(&response, SUPPLIER, GSME);
    assert_eq!(
        plaintext.unwrap(),
        gcs13b::block_counters_plaintext([1, 2, 3, 4], 1000, 1, 0x01)
    );
}

#[test]
fn ecs52_reads_the_firmware_version_of_an_esme_and_a_chf() {
    for (id, device_type) in [
        (ESME, DeviceType::ElectricitySmartMeter),
        (CHF, DeviceType::CommunicationsHubFunction),
    ] {
        let mut engine = device(id, device_type);
        let response = engine
            .handle_command(
                &command(
                    ecs52::MESSAGE_CODE,
                    5,
                    SUPPLIER,
                    id,
                    ecs52::command_payload(5),
                    None,
                ),
                NOW,
            )
            .unwrap();
        let (apdu, plaintext) = open_mac_response(&response, SUPPLIER, id);
        assert_response_header(&apdu, id, SUPPLIER, 5, ecs52::MESSAGE_CODE);
        assert_eq!(apdu.header.date_time, None);
        assert_eq!(plaintext, None);
        assert_eq!(
            apdu.payload,
            ecs52::response_payload(5, &[0x01, 0x23, 0xAB, 0xCD])
        );
    }
}

#[test]
fn ecs42_signed_by_the_supplier_enables_supply_and_is_answered_signed_by_the_device() {
    let state = DeviceState {
        supply: SupplyState::Disabled,
        ..DeviceState::default()
    };
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        state,
    ))
    .unwrap();
    let bytes = command(
        ecs42::MESSAGE_CODE,
        2_000,
        SUPPLIER,
        ESME,
        ecs42::command_payload(2_000),
        Some(&ds_private(SUPPLIER)),
    );
    let response = esme.handle_command(&bytes, NOW).unwrap();
    assert_eq!(
        response.first(),
        Some(&0xDF),
        "bare signed APDU, no MAC header"
    );
    let apdu = protection::verify_response(&response, None, Some(&ds_public(ESME)))
        .expect("device signature verifies");
    assert_response_header(&apdu, ESME, SUPPLIER, 2_000, ecs42::MESSAGE_CODE);
    assert_eq!(apdu.payload, ecs42::response_payload(2_000));
    assert_eq!(esme.state().supply, SupplyState::Enabled);
    assert!(matches!(Envelope::parse(&response), Ok(Envelope::Bare(_))));
    // The same command to a fresh device is answered with the same header and payload
    // (ring's ECDSA nonce is random, so only the signature bytes differ).
    let mut again = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let second = again.handle_command(&bytes, NOW).unwrap();
    let second =
        protection::verify_response(&second, None, Some(&ds_public(ESME))).expect("verifies");
    assert_eq!(second.header, apdu.header);
    assert_eq!(second.payload, apdu.payload);
}

#[test]
fn a_bad_mac_is_refused_and_changes_nothing() {
    let mut esme = esme();
    let mut bytes = command(
        ecs52::MESSAGE_CODE,
        9,
        SUPPLIER,
        ESME,
        ecs52::command_payload(9),
        None,
    );
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let error = esme.handle_command(&bytes, NOW).unwrap_err();
    assert_eq!(error, DeviceError::MacInvalid);
    assert_eq!(error.kind(), RefusalKind::Security);
    assert_eq!(esme.last_accepted_counter(SUPPLIER), None);

    // MACed with a key other than ACB KA × device KA.
    let apdu = gbcs::use_case::command_apdu(
        ecs52::MESSAGE_CODE,
        9,
        SUPPLIER,
        ESME,
        ecs52::command_payload(9),
    );
    let wrong = protection::protect_command(&apdu, &user_secret(SUPPLIER, ESME));
    assert_eq!(
        esme.handle_command(&wrong, NOW),
        Err(DeviceError::MacInvalid)
    );

    // No MAC header at all.
    assert_eq!(
        esme.handle_command(&apdu.encode(), NOW),
        Err(DeviceError::MacMissing)
    );
}

#[test]
fn a_counter_not_above_the_last_accepted_is_a_replay() {
    let mut esme = esme();
    let ecs52_command = |counter| {
        command(
            ecs52::MESSAGE_CODE,
            counter,
            SUPPLIER,
            ESME,
            ecs52::command_payload(counter),
            None,
        )
    };
    esme.handle_command(&ecs52_command(100), NOW).unwrap();
    for counter in [100, 99, 0] {
        assert_eq!(
            esme.handle_command(&ecs52_command(counter), NOW),
            Err(DeviceError::Replayed {
                originator: SUPPLIER,
                counter,
                last_accepted: 100
            })
        );
    }
    esme.handle_command(&ecs52_command(101), NOW).unwrap();
    // Counters are per originator.
    let from_other = command(
        ecs52::MESSAGE_CODE,
        50,
        SECOND_SUPPLIER,
        ESME,
        ecs52::command_payload(50),
        None,
    );
    esme.handle_command(&from_other, NOW).unwrap();
    assert_eq!(esme.last_accepted_counter(SUPPLIER), Some(101));
    assert_eq!(esme.last_accepted_counter(SECOND_SUPPLIER), Some(50));
}

#[test]
fn an_unsigned_critical_command_is_refused() {
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState {
            supply: SupplyState::Disabled,
            ..DeviceState::default()
        },
    ))
    .unwrap();
    let bytes = command(
        ecs42::MESSAGE_CODE,
        3,
        SUPPLIER,
        ESME,
        ecs42::command_payload(3),
        None,
    );
    let error = esme.handle_command(&bytes, NOW).unwrap_err();
    assert!(
        matches!(
            error,
            DeviceError::SignatureMissing {
                originator: SUPPLIER,
                found: "null",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.kind(), RefusalKind::Security);
    assert_eq!(esme.state().supply, SupplyState::Disabled);
    // A refusal does not consume the counter: the signed command with it still works.
    let signed = command(
        ecs42::MESSAGE_CODE,
        3,
        SUPPLIER,
        ESME,
        ecs42::command_payload(3),
        Some(&ds_private(SUPPLIER)),
    );
    esme.handle_command(&signed, NOW).unwrap();
    assert_eq!(esme.state().supply, SupplyState::Enabled);
}

#[test]
fn a_critical_command_signed_by_the_wrong_key_or_an_untrusted_party_is_refused() {
    let mut esme = esme();
    // Originator the supplier, signed with the network operator's DS key.
    let forged = command(
        ecs42::MESSAGE_CODE,
        4,
        SUPPLIER,
        ESME,
        ecs42::command_payload(4),
        Some(&ds_private(NETWORK_OPERATOR)),
    );
    let error = esme.handle_command(&forged, NOW).unwrap_err();
    assert!(
        matches!(
            error,
            DeviceError::SignatureInvalid {
                originator: SUPPLIER,
                ..
            }
        ),
        "{error}"
    );
    // A supplier the device holds no anchor for, signing with its own key.
    let untrusted = command(
        ecs42::MESSAGE_CODE,
        5,
        SECOND_SUPPLIER,
        ESME,
        ecs42::command_payload(5),
        Some(&ds_private(SECOND_SUPPLIER)),
    );
    let error = esme.handle_command(&untrusted, NOW).unwrap_err();
    assert!(
        matches!(
            error,
            DeviceError::UntrustedSigner {
                originator: SECOND_SUPPLIER,
                ..
            }
        ),
        "{error}"
    );
    // The network operator is an anchor, but not one allowed to close the load switch.
    let network_operator = command(
        ecs42::MESSAGE_CODE,
        6,
        NETWORK_OPERATOR,
        ESME,
        ecs42::command_payload(6),
        Some(&ds_private(NETWORK_OPERATOR)),
    );
    assert!(matches!(
        esme.handle_command(&network_operator, NOW),
        Err(DeviceError::UntrustedSigner { .. })
    ));
    assert_eq!(esme.last_accepted_counter(SUPPLIER), None);
}

#[test]
fn unknown_and_unsupported_message_codes_are_refused() {
    let mut esme = esme();
    let unknown = command(MessageCode(0xFFF0), 1, SUPPLIER, ESME, vec![0x00], None);
    assert_eq!(
        esme.handle_command(&unknown, NOW),
        Err(DeviceError::UnknownMessageCode(MessageCode(0xFFF0)))
    );
    let gas_to_esme = command(
        gcs13a::MESSAGE_CODE,
        2,
        SUPPLIER,
        ESME,
        gcs13a::command_payload(),
        None,
    );
    let error = esme.handle_command(&gas_to_esme, NOW).unwrap_err();
    assert!(
        matches!(
            error,
            DeviceError::UseCaseNotSupported {
                use_case: "GCS13a",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.kind(), RefusalKind::Unsupported);
    // In the catalogue but not implemented by the stubs (ECS01a, 0x0001).
    let not_implemented = command(MessageCode(0x0001), 3, SUPPLIER, ESME, vec![0x00], None);
    assert!(matches!(
        esme.handle_command(&not_implemented, NOW),
        Err(DeviceError::UseCaseNotSupported { .. })
    ));
}

#[test]
fn commands_for_another_device_or_parties_without_a_key_are_refused() {
    let mut esme = esme();
    let for_gsme = command(
        ecs52::MESSAGE_CODE,
        1,
        SUPPLIER,
        GSME,
        ecs52::command_payload(1),
        None,
    );
    assert_eq!(
        esme.handle_command(&for_gsme, NOW),
        Err(DeviceError::WrongRecipient {
            recipient: GSME,
            device: ESME
        })
    );
    let stranger = Eui64::from_u64(0x90B3_D51F_30FF_0000);
    let from_stranger = command(
        ecs52::MESSAGE_CODE,
        1,
        stranger,
        ESME,
        ecs52::command_payload(1),
        None,
    );
    assert_eq!(
        esme.handle_command(&from_stranger, NOW),
        Err(DeviceError::UnknownRemoteParty(stranger))
    );
    assert_eq!(esme.last_accepted_counter(stranger), None);
    assert!(matches!(
        esme.handle_command(&[], NOW),
        Err(DeviceError::Malformed(_))
    ));
    assert!(matches!(
        esme.handle_command(&[0xDD, 0x00, 0x00], NOW),
        Err(DeviceError::Malformed(_))
    ));
}

#[test]
fn responses_are_not_taken_as_commands() {
    let mut esme = esme();
    let apdu = gbcs::use_case::command_apdu(
        ecs52::MESSAGE_CODE,
        1,
        SUPPLIER,
        ESME,
        ecs52::command_payload(1),
    );
    let response = gbcs::use_case::response_apdu(&apdu.header, None, Vec::new());
    // Swap back so the recipient is the ESME, keep the response CRA flag.
    let mut header = response.header.clone();
    header.recipient = ESME;
    header.originator = SUPPLIER;
    let bytes = protection::protect_command(
        &GeneralSigning { header, ..response },
        &user_secret(ACB, ESME),
    );
    assert_eq!(
        esme.handle_command(&bytes, NOW),
        Err(DeviceError::NotACommand(Cra::Response))
    );
}

#[test]
fn an_auxiliary_switch_takes_ecs47_durations_and_ecs47a_date_times_on_the_same_objects() {
    use gbcs::cosem::{class, reference, AccessRequest};
    use gbcs::dlms::{Data, DlmsApdu};
    let mut esme = esme();
    let start_and_end = |object: u8| reference(class::DATA, [0, 0, 94, 44, 119, object], 2);
    let script = |index: u16| {
        AccessRequest::new()
            .set(start_and_end(2), Data::LongUnsigned(60))
            .execute_script([0, 0, 10, 0, 103, 255], index)
    };
    let date_time =
        |hour: u8| Data::OctetString(vec![0x07, 0xDF, 1, 3, 0xFF, hour, 0, 0, 0, 0x80, 0, 0xFF]);
    // RTDS's ECS47 (7.6: deactivate switch 3 for 60 minutes), then its ECS47a (7.13: the
    // controller's state from one date-time to another) on the same objects.
    let ecs47 = script(0x0312);
    let ecs47a = AccessRequest::new()
        .set(start_and_end(1), date_time(0))
        .set(start_and_end(2), date_time(1))
        .execute_script([0, 0, 10, 0, 103, 255], 0x2332);
    for (counter, code, request) in [
        (3_000, MessageCode(0x0055), ecs47),
        (3_001, MessageCode(0x011E), ecs47a),
    ] {
        let bytes = command(
            code,
            counter,
            SUPPLIER,
            ESME,
            request.encode(counter),
            Some(&ds_private(SUPPLIER)),
        );
        let response = esme.handle_command(&bytes, NOW).unwrap();
        let apdu = protection::verify_response(&response, None, Some(&ds_public(ESME)))
            .expect("device signature verifies");
        let Ok(DlmsApdu::AccessResponse { results, .. }) = DlmsApdu::parse(&apdu.payload) else {
            panic!("not an access-response: {:02X?}", apdu.payload);
        };
        assert!(
            results.iter().all(|result| result.result == 0),
            "{code}: {results:?}"
        );
    }
}
