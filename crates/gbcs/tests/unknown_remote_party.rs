//! The other-information forms of messages to and from an unknown remote party, over every RTDS
//! fixture: a command sent by the ACB for such a party carries the party's KA certificate right
//! after the supplementary remote party counter; the device's response carries the supplementary
//! originator counter instead.

mod common;

use common::{read_hex_file, rtds};
use gbcs::{Cra, Envelope};

#[test]
fn certificates_follow_the_counter_and_originator_counters_only_in_responses() {
    let Some(rtds) = rtds() else { return };
    let (mut certificates, mut originator_counters) = (0, 0);
    for folder in test_support::subfolders(&rtds.join("gbcs")).expect("RTDS folders") {
        for (name, _) in test_support::read_folder(&folder).expect("RTDS folder") {
            let bytes = read_hex_file(&folder.join(&name));
            let Ok(envelope) = Envelope::parse(&bytes) else {
                continue;
            };
            let Some(apdu) = envelope.general_signing() else {
                continue;
            };
            let header = &apdu.header;
            let info = &header.other_information;
            if let Some(certificate) = &info.remote_party_certificate {
                certificates += 1;
                assert_eq!(header.transaction.cra, Cra::Command, "{name}");
                assert_eq!(
                    certificate.first(),
                    Some(&0x30),
                    "{name}: a DER certificate"
                );
                assert_eq!(info.supplementary_originator_counter, None, "{name}");
                assert!(info.supplementary_remote_party_counter.is_some(), "{name}");
            }
            if info.supplementary_originator_counter.is_some() {
                originator_counters += 1;
                assert_ne!(header.transaction.cra, Cra::Command, "{name}");
            }
        }
    }
    assert!(certificates >= 1, "the URP commands carry certificates");
    assert!(originator_counters >= 1, "the URP responses carry counters");
}
