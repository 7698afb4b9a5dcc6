//! The CSPs' SM WAN through the in-process ecosystem: a Comms Hub in an outage on the virtual
//! clock gives the user E21 and is served again once it is back; 12.1 Request WAN Matrix is
//! answered from the CSPs' coverage data, for a covered and an uncovered address.

mod common;

use std::time::Duration;

use common::{read_registers, start};
use dcc_model::{CommandVariant, ResponseCode};
use duis::BodyElement;
use ecosystem::config::{TEMPLATE_CHF, TEST_SUPPLIER};
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comms_hub_out_of_reach_gives_e21_and_is_served_again_when_back() {
    let inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    config.clock = clock::ClockMode::Virtual;
    // The template hub is out of reach from an hour after start for an hour.
    let start_seconds = time::OffsetDateTime::now_utc().unix_timestamp();
    config.comms_hub_wan.hubs.insert(
        TEMPLATE_CHF,
        csp::wan::HubWan {
            variant: Some("edmi".to_owned()),
            outages: vec![csp::wan::Outage {
                from_unix_seconds: start_seconds + 3_600,
                to_unix_seconds: start_seconds + 7_200,
            }],
        },
    );
    let (running, duis_url) = start(config).await;
    let supplier = DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url).expect("user");

    assert_eq!(
        read_registers(&supplier, &inbox, 1).await,
        ResponseCode::Acknowledgement
    );
    running
        .clock
        .advance(Duration::from_secs(3_600))
        .expect("clock moves");
    assert_eq!(
        read_registers(&supplier, &inbox, 2).await.to_string(),
        "E21"
    );
    running
        .clock
        .advance(Duration::from_secs(3_600))
        .expect("clock moves");
    assert_eq!(
        read_registers(&supplier, &inbox, 3).await,
        ResponseCode::Acknowledgement
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wan_matrix_answers_from_the_csps_coverage_for_covered_and_uncovered_addresses() {
    let (running, duis_url) = start(EcosystemConfig::default().with_ephemeral_ports()).await;
    let supplier = DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url).expect("user");
    let ask = |counter: u64, post_code: &str| {
        supplier
            .signed_request(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                counter,
                CommandVariant::from_number(8).expect("CV8"),
                "12.1",
                DuisUser::body(
                    "RequestWANMatrix",
                    vec![BodyElement::with_children(
                        "PartialAddress",
                        vec![
                            BodyElement::leaf("PostCode", post_code),
                            BodyElement::leaf("AddressIdentifier", "1"),
                        ],
                    )],
                ),
            )
            .expect("signed request")
    };
    let availability = |xml: &[u8]| -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(xml).into_owned();
        let document = roxmltree::Document::parse(&text).expect("xml");
        document
            .descendants()
            .filter(|node| node.has_tag_name("DSPWANMatrixResponse"))
            .map(|response| {
                let leaf = |name: &str| {
                    response
                        .children()
                        .find(|child| child.has_tag_name(name))
                        .and_then(|child| child.text())
                        .unwrap_or_default()
                        .to_owned()
                };
                (leaf("CSPRegion"), leaf("CoverageAvailability"))
            })
            .collect()
    };
    let covered = supplier
        .post("serviceD", ask(1, "NE1 4XF"))
        .await
        .expect("answer");
    assert_eq!(covered.response.response_code, ResponseCode::Success);
    assert_eq!(
        availability(&covered.xml),
        [
            ("North".to_owned(), "true".to_owned()),
            ("Central".to_owned(), "true".to_owned()),
            ("South".to_owned(), "true".to_owned())
        ]
    );
    // Shetland has no coverage in the North's data; Central/South's data covers it.
    let shetland = supplier
        .post("serviceD", ask(2, "ZE1 0AA"))
        .await
        .expect("answer");
    assert_eq!(shetland.response.response_code, ResponseCode::Success);
    assert_eq!(
        availability(&shetland.xml)[0],
        ("North".to_owned(), "false".to_owned())
    );
    // The Isles of Scilly have none in Central/South's data.
    let scilly = supplier
        .post("serviceD", ask(3, "TR21 0PP"))
        .await
        .expect("answer");
    let answers = availability(&scilly.xml);
    assert_eq!(answers[0], ("North".to_owned(), "true".to_owned()));
    assert!(
        answers[1..]
            .iter()
            .all(|(_, available)| available == "false"),
        "{answers:?}"
    );
    running.shutdown().await;
}
