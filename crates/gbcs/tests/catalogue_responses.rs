//! The catalogue's response facts against every RTDS response and alert: a response carries a
//! date-time in its grouping header exactly when the catalogue says so, and a GBZ component
//! is encrypted exactly when it carries data of a cluster the catalogue calls sensitive for
//! its use case.

use gbcs::catalogue;
use gbcs::gbz::GbzPayload;
use gbcs::{Cra, Envelope};

fn read_hex(path: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("readable");
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|index| u8::from_str_radix(&digits[2 * index..2 * index + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn response_date_times_and_encrypted_components_agree_with_the_catalogue() {
    let Some(root) = test_support::rtds_gbcs("RTDS reference messages") else {
        return;
    };
    let mut responses = 0;
    let mut components = 0;
    for folder in test_support::subfolders(&root).expect("folders") {
        for (name, _) in test_support::read_folder(&folder).expect("files") {
            if !name.ends_with("_RESPONSE_GBCS.HEX") {
                continue;
            }
            let bytes = read_hex(&folder.join(&name));
            let envelope = Envelope::parse(&bytes).expect("envelope");
            let apdu = envelope.general_signing().expect("not a block transfer");
            assert_eq!(apdu.header.transaction.cra, Cra::Response, "{name}");
            let code = apdu.header.message_code();
            let entry = catalogue::entry(code).expect("in the catalogue");
            assert_eq!(
                apdu.header.date_time.is_some(),
                entry.response_carries_date_time(),
                "{name}: date-time in the grouping header"
            );
            responses += 1;
            let Ok(gbz) = GbzPayload::parse(&apdu.payload) else {
                continue;
            };
            for component in &gbz.components {
                let encrypted =
                    matches!(component.body, gbcs::gbz::ComponentBody::Encrypted { .. });
                let default_response = component.frame_control & 0x03 == 0
                    && component.command_id == gbcs::zcl::command::DEFAULT_RESPONSE;
                assert_eq!(
                    encrypted,
                    !default_response && entry.encrypts_gbz_cluster(component.cluster),
                    "{name}: component on cluster {:04X}",
                    component.cluster
                );
                components += 1;
            }
        }
    }
    println!("{responses} RTDS responses, {components} GBZ components agree with the catalogue");
    assert!(responses >= 403, "{responses} responses");
}
