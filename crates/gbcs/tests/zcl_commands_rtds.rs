//! Every cluster-specific ZCL command in the RTDS messages (plain or, with the RTDS keys,
//! decrypted) whose layout `gbcs::zcl_commands` knows decodes with it and encodes back to the
//! same bytes.

use gbcs::decode::{describe, KeyRing};
use gbcs::gbz::{ComponentBody, GbzPayload};
use gbcs::zcl::DIRECTION_SERVER_TO_CLIENT;

#[test]
fn every_rtds_cluster_command_with_a_known_layout_round_trips() {
    let Some(root) = test_support::rtds_gbcs("RTDS messages") else {
        return;
    };
    let Some(keys) = test_support::rtds_keystore("RTDS keys") else {
        return;
    };
    let files = test_support::read_folder(&keys).expect("keys");
    let ring = KeyRing::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .expect("RTDS keys");
    let mut checked = 0;
    for folder in test_support::subfolders(&root).expect("folders") {
        for (name, bytes) in test_support::read_folder(&folder).expect("files") {
            let text = String::from_utf8(bytes).expect("hex text");
            let message = (0..text.trim().len() / 2)
                .map(|index| u8::from_str_radix(&text.trim()[2 * index..2 * index + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .expect("hex");
            let Ok(decoded) = describe(&message, &ring) else {
                continue;
            };
            let Ok(gbz) = GbzPayload::parse(&decoded.payload) else {
                continue;
            };
            let mut plaintexts = decoded.encrypted_blocks.iter();
            for component in &gbz.components {
                let payload = match &component.body {
                    ComponentBody::Plain(payload) => payload.clone(),
                    ComponentBody::Encrypted { .. } => match plaintexts.next() {
                        Some(block) => match &block.plaintext {
                            Ok(plaintext) => plaintext.clone(),
                            Err(_) => continue,
                        },
                        None => continue,
                    },
                };
                if component.frame_control & 0x03 != 0x01 {
                    continue;
                }
                let from_server = component.frame_control & DIRECTION_SERVER_TO_CLIENT != 0;
                let Some(layout) = gbcs::zcl_commands::layout(
                    component.cluster,
                    from_server,
                    component.command_id,
                ) else {
                    continue;
                };
                let command = layout
                    .decode(&payload)
                    .unwrap_or_else(|error| panic!("{name}: {}: {error}", layout.name));
                assert_eq!(layout.encode(&command), payload, "{name}: {}", layout.name);
                checked += 1;
            }
        }
    }
    println!("{checked} RTDS cluster commands decode with their layouts");
    assert!(checked > 100, "{checked}");
}
