//! The security credentials (CS02x), HAN (CS03, CS04, CS07, GCS59, CCS01–07) and CIN (ECS50,
//! GCS36) codecs against every RTDS message of those use cases: each command and response
//! payload decodes to its typed value and encodes back to the same bytes.

use dcc_model::Eui64;
use gbcs::credentials::{self, cs02a, cs02b, cs02c, cs02d, cs02e};
use gbcs::dlms::{Data, DlmsApdu};
use gbcs::han::{chf_device_log, cs07, gcs59, join, unjoin};
use gbcs::{cin, Cra, Envelope, GeneralSigning, MessageCode};

/// What became of one message: checked, or not one of these use cases.
enum Outcome {
    RoundTrips,
    NotCovered,
}

fn round_trip(apdu: &GeneralSigning, cra: Cra) -> Result<Outcome, String> {
    let payload = &apdu.payload;
    let counter = apdu.header.transaction.counter;
    let code = apdu.header.message_code().0;
    let encoded = match (cra, code) {
        (Cra::Command, 0x0008 | 0x011B) => cs02a::ProvideSecurityCredentialDetails::decode(payload)
            .map_err(|e| e.to_string())?
            .encode(),
        (Cra::Response, 0x0008 | 0x011B) => cs02a::response_payload(
            &cs02a::decode_response_payload(payload).map_err(|e| e.to_string())?,
        ),
        (Cra::Command, 0x0100..=0x0109 | 0x0125 | 0x0126) => {
            let command =
                cs02b::UpdateSecurityCredentials::decode(payload).map_err(|e| e.to_string())?;
            if command.mode.message_code() != Some(MessageCode(code)) {
                return Err(format!(
                    "mode {} under message code {code:#06x}",
                    command.mode.0
                ));
            }
            command.encode()
        }
        (Cra::Response, 0x0100..=0x0109 | 0x0125 | 0x0126) => cs02b::response_payload(
            cs02b::decode_response_payload(payload)
                .map_err(|e| e.to_string())?
                .as_ref(),
        ),
        (Cra::Command, 0x000A) => {
            cs02c::command_payload(cs02c::decode_command(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Command, 0x000C) => {
            cs02e::command_payload(cs02e::decode_command(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Response, 0x000A) => {
            let response = cs02c::decode_response(payload).map_err(|e| e.to_string())?;
            cs02c::response_payload(response.as_deref().map_err(|code| *code))
        }
        (Cra::Response, 0x000C) => {
            let response = cs02e::decode_response(payload).map_err(|e| e.to_string())?;
            cs02e::response_payload(response.as_deref().map_err(|code| *code))
        }
        (Cra::Command, 0x000B) => {
            cs02d::command_payload(&cs02d::decode_command(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Response, 0x000B | 0x000D | 0x000E | 0x000F | 0x0010 | 0x00AB | 0x00AF) => {
            credentials::response_code_payload(
                credentials::decode_response_code(payload).map_err(|e| e.to_string())?,
            )
        }
        (Cra::Command, 0x000D | 0x000E | 0x00AB | 0x00AF) => {
            let command = join::JoinDevice::decode(payload).map_err(|e| e.to_string())?;
            if command.method_and_role.message_code() != Some(MessageCode(code)) {
                return Err(format!(
                    "join method {:?} under {code:#06x}",
                    command.method_and_role
                ));
            }
            command.encode()
        }
        (Cra::Command, 0x000F | 0x0010) => {
            unjoin::command_payload(unjoin::decode_command(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Command, 0x0013) => {
            cs07::decode_command(payload).map_err(|e| e.to_string())?;
            cs07::command_payload()
        }
        (Cra::Response, 0x0013) => {
            let response = cs07::decode_response(payload).map_err(|e| e.to_string())?;
            cs07::response_payload(response.as_deref().map_err(|code| *code))
        }
        (Cra::Command, 0x008C) => {
            gcs59::command_payload(&gcs59::decode_command(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Response, 0x008C) => {
            gcs59::response_payload(&gcs59::decode_response(payload).map_err(|e| e.to_string())?)
        }
        (Cra::Command, 0x0001 | 0x0002 | 0x0003 | 0x00FE | 0x010F) => {
            chf_device_log_command(code, counter, payload)?
        }
        (Cra::Command, 0x0058) => cin::esme_command_payload(
            counter,
            cin::decode_esme_command(payload).ok_or("not an ECS50 command")?,
        ),
        (Cra::Command, 0x0083) => cin::gsme_command_payload(
            &cin::decode_gsme_command(payload).ok_or("not a GCS36 command")?,
        ),
        _ => return Ok(Outcome::NotCovered),
    };
    if &encoded != payload {
        return Err(format!(
            "re-encodes as {}\n  expected {}",
            hex::encode_upper(&encoded),
            hex::encode_upper(payload)
        ));
    }
    Ok(Outcome::RoundTrips)
}

/// Rebuilds a CHF device log command from the values its DLMS data carries.
fn chf_device_log_command(code: u16, counter: u64, payload: &[u8]) -> Result<Vec<u8>, String> {
    let DlmsApdu::AccessRequest { data, .. } =
        DlmsApdu::parse(payload).map_err(|e| e.to_string())?
    else {
        return Err("not an access-request".into());
    };
    let eui = |bytes: &[u8]| -> Result<Eui64, String> {
        Ok(Eui64::new(bytes.try_into().map_err(|_| "not an EUI-64")?))
    };
    Ok(match (code, data.as_slice()) {
        (0x0001, [Data::Structure(fields), Data::LongUnsigned(timeout), _]) => {
            let [Data::OctetString(device), _, Data::OctetString(install_code), _] =
                fields.as_slice()
            else {
                return Err("register_device structure".into());
            };
            chf_device_log::add_device_payload(counter, eui(device)?, install_code, *timeout)
        }
        (0x0002, [Data::OctetString(device)]) => {
            chf_device_log::remove_device_payload(counter, eui(device)?)
        }
        (0x0003, [backup]) => chf_device_log::restore_payload(
            counter,
            &chf_device_log::PanBackup::from_data(backup).ok_or("restore_PAN data")?,
        ),
        (0x00FE, _) => chf_device_log::backup_payload(counter),
        (0x010F, _) => chf_device_log::read_and_check_payload(counter),
        _ => return Err("unexpected data".into()),
    })
}

#[test]
fn every_reference_payload_of_these_use_cases_round_trips() {
    let Some(gbcs_folder) = test_support::rtds_gbcs("RTDS messages for the CS02/CS03/CS04 codecs")
    else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for folder in test_support::subfolders(&gbcs_folder).unwrap() {
        for (name, bytes) in test_support::read_folder(&folder).unwrap() {
            let bytes = hex::decode(String::from_utf8_lossy(&bytes).trim()).unwrap();
            let envelope = Envelope::parse(&bytes).unwrap();
            let Some(apdu) = envelope.general_signing() else {
                continue;
            };
            let cra = apdu.header.transaction.cra;
            if cra == Cra::Alert {
                continue;
            }
            match round_trip(apdu, cra) {
                Ok(Outcome::RoundTrips) => checked += 1,
                Ok(Outcome::NotCovered) => {}
                Err(error) => failures.push(format!("{name}: {error}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The commands and responses of 6.15.x, 6.17, 6.21, 6.23, 6.24.1, 8.5, 8.7–8.12, 9.1 and
    // the NA credentials folders of RTDS 4.5.0: 131 in the shared sample, more in the whole set.
    assert!(
        checked >= 131,
        "{checked} messages of these use cases in the reference data"
    );
    println!("{checked} credentials, HAN and CIN payloads round-trip");
}

#[test]
fn truncated_payloads_are_errors_not_panics() {
    let join = join::JoinDevice {
        method_and_role: join::JoinMethodAndRole::METHOD_C,
        entity_id: Eui64::from_u64(0x00DB_1234_5678_9098),
        device_type: gbcs::han::HanDeviceType::PPMID,
        certificate: Some(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
    }
    .encode();
    for length in 0..join.len() {
        assert!(join::JoinDevice::decode(&join[..length]).is_err());
    }
    let details = cs02a::ProvideSecurityCredentialDetails {
        authorising_cell: credentials::TrustAnchorCell::management(
            credentials::RemotePartyRole::ACCESS_CONTROL_BROKER,
            credentials::KeyUsage::KeyAgreement,
        ),
        roles: vec![credentials::RemotePartyRole::SUPPLIER],
    }
    .encode();
    for length in 0..details.len() {
        assert!(cs02a::ProvideSecurityCredentialDetails::decode(&details[..length]).is_err());
    }
}

#[test]
fn load_controller_credentials_address_the_devices_with_load_controller_cells() {
    use dcc_model::DeviceType;
    for code in [0x011B, 0x0125, 0x0126] {
        let entry = gbcs::catalogue::entry(MessageCode(code)).unwrap();
        let types: Vec<DeviceType> = DeviceType::ALL
            .iter()
            .copied()
            .filter(|device_type| entry.applies_to(*device_type))
            .collect();
        assert_eq!(
            types,
            [
                DeviceType::ElectricitySmartMeter,
                DeviceType::HanConnectedAuxiliaryLoadControlSwitch
            ],
            "{code:#06x}"
        );
    }
}
