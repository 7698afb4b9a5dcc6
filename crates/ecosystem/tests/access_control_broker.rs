//! Commands the DCC's access control broker (ACB) originates for a user's request, through the
//! in-process ecosystem, with the SM WAN holding each command ten seconds on the virtual clock:
//! the CHF takes two in a row from the ACB's one counter sequence, and the ESME gets, in flight
//! together, the requester's own read and a read the ACB sends for a requester it does not
//! know (4.14 with the requester's KA certificate) with the same counter; every device
//! response reaches the user as the answer to its own request.

// Not every test file uses every shared helper.
#[allow(dead_code)]
mod common;

use std::time::Duration;

use base64::Engine;
use common::{start, WAIT};
use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode, DCC_ACCESS_CONTROL_BROKER};
use duis::{BodyElement, RequestBody, ResponseBody};
use ecosystem::config::{TEMPLATE_CHF, TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;
use smki::KeyUsage;

/// The SM WAN of the template hub (the ESME's too): every command takes ten seconds, none is
/// lost.
fn wan_holding_commands_ten_seconds() -> csp::wan::WanConfig {
    let mut wan = csp::wan::WanConfig {
        modelled: true,
        ..csp::wan::WanConfig::default()
    };
    wan.variants.insert(
        "ten-seconds".to_owned(),
        csp::wan::WanBehaviour {
            latency_median_ms: 10_000.0,
            latency_sigma: 0.0,
            bandwidth_bytes_per_second: 0.0,
            loss: 0.0,
            reachable_fraction: 1.0,
            period_seconds: 600.0,
        },
    );
    wan.hubs.insert(
        TEMPLATE_CHF,
        csp::wan::HubWan {
            variant: Some("ten-seconds".to_owned()),
            outages: Vec::new(),
        },
    );
    wan
}

/// Sends a command variant 1 request, which the DSP acknowledges; its RequestID.
async fn sent(
    user: &DuisUser,
    target: Eui64,
    counter: u64,
    variant: &str,
    body: RequestBody,
) -> RequestId {
    let xml = user
        .signed_request(target, counter, CommandVariant::SendOverWan, variant, body)
        .expect("signed request");
    let answer = user.post("serviceS", xml).await.expect("the DSP answers");
    assert_eq!(
        answer.response.response_code,
        ResponseCode::Acknowledgement,
        "{variant} to {target}"
    );
    RequestId::new(user.id, target, counter)
}

/// The GBCS header of the device's response to `request_id`, which the user gets as I0.
async fn response_header(inbox: &ResponseInbox, request_id: RequestId) -> gbcs::GroupingHeader {
    let response = inbox
        .response_to(request_id, WAIT)
        .await
        .unwrap_or_else(|error| panic!("{request_id}: {error}"));
    assert_eq!(response.response.response_code, ResponseCode::Success);
    let ResponseBody::GbcsPayload { payload, .. } = &response.response.body else {
        panic!(
            "{request_id}: not a GBCSPayload: {:?}",
            response.response.body
        );
    };
    gbcs::Envelope::parse(payload)
        .expect("the device's response")
        .header()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_s_commands_count_on_one_sequence_and_their_responses_reach_the_user() {
    let inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    config.clock = clock::ClockMode::Virtual;
    config.comms_hub_wan = wan_holding_commands_ten_seconds();
    let (running, duis_url) = start(config).await;
    let supplier = DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url).expect("user");
    let deliver = || async {
        running
            .clock
            .advance(Duration::from_secs(60))
            .expect("the clock moves");
    };

    // Every CHF command is the ACB's: 6.31 (DBCH01) and 8.9 (CCS06) count on. (One at a time:
    // commands of one originator in flight together may reach the device out of order.)
    let sub_ghz = sent(
        &supplier,
        TEMPLATE_CHF,
        1,
        "6.31",
        DuisUser::body("ReadCHFSubGHzChannel", Vec::new()),
    )
    .await;
    deliver().await;
    let sub_ghz = response_header(&inbox, sub_ghz).await;
    let device_log = sent(
        &supplier,
        TEMPLATE_CHF,
        2,
        "8.9",
        DuisUser::body("ReadDeviceLog", Vec::new()),
    )
    .await;
    deliver().await;
    let device_log = response_header(&inbox, device_log).await;
    for header in [&sub_ghz, &device_log] {
        assert_eq!(header.recipient, DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(
            header.other_information.supplementary_remote_party_id,
            Some(TEST_SUPPLIER)
        );
    }
    assert_eq!(
        device_log.transaction.counter,
        sub_ghz.transaction.counter + 1,
        "one sequence for the ACB on the CHF"
    );

    // The supplier's own read of the ESME with counter 1, and 4.14 with its KA certificate,
    // which the ESME takes from the ACB (the supplier is no remote party it knows as the
    // requester of an encrypted read): the ACB's first command to the ESME, counter 1 too.
    let registers = sent(
        &supplier,
        TEMPLATE_ESME,
        1,
        "4.1.1",
        DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
    )
    .await;
    let certificate = &running
        .identities
        .organisation(TEST_SUPPLIER, KeyUsage::KeyAgreement, None)
        .expect("the supplier's KA certificate")
        .certificate;
    let read_log_period = BodyElement::with_children(
        "ReadLogPeriod",
        vec![
            BodyElement::leaf("StartDateTime", "2014-12-25T23:30:00Z"),
            BodyElement::leaf("EndDateTime", "2015-01-01T00:00:00Z"),
        ],
    );
    let daily_read_log = sent(
        &supplier,
        TEMPLATE_ESME,
        2,
        "4.14",
        DuisUser::body(
            "ReadPrepaymentDailyReadLog",
            vec![
                read_log_period,
                BodyElement::leaf(
                    "KAPublicSecurityCredentials",
                    base64::engine::general_purpose::STANDARD.encode(certificate.der()),
                ),
            ],
        ),
    )
    .await;
    deliver().await;
    let registers = response_header(&inbox, registers).await;
    assert_eq!(registers.recipient, TEST_SUPPLIER);
    assert_eq!(registers.transaction.counter, 1);
    let daily_read_log = response_header(&inbox, daily_read_log).await;
    assert_eq!(daily_read_log.recipient, DCC_ACCESS_CONTROL_BROKER);
    assert_eq!(daily_read_log.transaction.counter, 1);
    assert_eq!(
        daily_read_log
            .other_information
            .supplementary_remote_party_counter,
        Some(2)
    );
    running.shutdown().await;
}
