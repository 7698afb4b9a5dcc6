//! The catalogue's device types, signers and sensitive-block flags against every RTDS fixture
//! (`../shared/vectors/rtds-4.5.0/expectations.json`): each command goes to a device type its
//! entry names, each critical command is signed by a role its entry allows, and a response or
//! alert carries an encrypted block exactly when its entry says it does.

use dcc_model::DeviceType;
use gbcs::catalogue::{self, Signer};
use gbcs::MessageCode;

/// The RTDS test devices and parties (DCC Boxed's template identities).
fn device_type(id: &str) -> Option<DeviceType> {
    Some(match id {
        "00DB1234567890A0" => DeviceType::ElectricitySmartMeter,
        "00DB1234567890A1" => DeviceType::GasSmartMeter,
        "00DB1234567890A2" => DeviceType::CommunicationsHubFunction,
        "00DB1234567890A3" => DeviceType::GasProxyFunction,
        "00DB1234567890A4" => DeviceType::PrepaymentInterfaceDevice,
        "00DB1234567890A5" | "00DB1234567890A6" => {
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch
        }
        _ => return None,
    })
}

fn signer(id: &str) -> Option<Signer> {
    Some(match id {
        "90B3D51F30010000" | "90B3D51F30030000" => Signer::Supplier,
        "90B3D51F30020000" => Signer::NetworkOperator,
        "90B3D51F30000002" => Signer::AccessControlBroker,
        "90B3D51F30000004" => Signer::TransitionalChangeOfSupplier,
        "90B3D51F30000001" => Signer::Recovery,
        "90B3D51F30010008" => Signer::LoadController,
        _ => return None,
    })
}

#[test]
fn every_fixture_agrees_with_its_catalogue_entry() {
    let Some(path) =
        test_support::shared_vectors("rtds-4.5.0/expectations.json", "RTDS expectations")
    else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("readable");
    let expectations: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let records = expectations["records"].as_array().expect("records");
    let mut checked = 0;
    for record in records {
        let file = record["file"].as_str().unwrap();
        let code = u16::from_str_radix(&record["message_code"].as_str().unwrap()[2..], 16).unwrap();
        let entry = catalogue::entry(MessageCode(code))
            .unwrap_or_else(|| panic!("{file}: message code {code:04X} not in the catalogue"));
        let cra = record["cra"].as_u64().unwrap();
        let device = match cra {
            1 => record["recipient"].as_str(),
            _ => record["originator"].as_str(),
        }
        .and_then(device_type);
        if let Some(device) = device {
            assert!(
                entry.applies_to(device),
                "{file}: {} not for {device}",
                entry.name
            );
        }
        let signed = record["signature_len"].as_u64().unwrap_or(0) > 0;
        if cra == 1 && signed {
            let by = signer(record["originator"].as_str().unwrap())
                .unwrap_or_else(|| panic!("{file}: unknown signer"));
            assert!(
                entry.may_be_signed_by(by),
                "{file}: {} signed by {by:?}",
                entry.name
            );
        }
        if cra != 1 {
            let encrypted = record
                .get("decrypted")
                .is_some_and(|blocks| blocks != &serde_json::Value::Null);
            if encrypted {
                assert!(
                    entry.has_sensitive_block(),
                    "{file}: {} has an encrypted block",
                    entry.name
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, records.len());
    assert_eq!(checked, 1024);
}
