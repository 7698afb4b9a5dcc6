//! Faults on a link, seen from both ends: a fake CSP behind the DSP's transport, with the
//! ecosystem's link conditions in between.

use std::sync::Arc;

use dcc_proto::link::{self, Link};
use dcc_proto::wan::communications_service_provider_client::CommunicationsServiceProviderClient;
use dcc_proto::wan::WanCommand;
use ecosystem::faults::{FaultKind, FaultSpec, LinkConditions};
use ecosystem::trace::MessageLog;
use test_support::peers::FakePeer;

fn fault(kind: FaultKind) -> FaultSpec {
    FaultSpec {
        id: Some(kind.name().to_owned()),
        kind,
        link: Some("dsp->csp".to_owned()),
        party: None,
        delay: None,
        probability: None,
        seed: Some(1),
        method: None,
        count: None,
    }
}

fn command(gbcs: &[u8]) -> WanCommand {
    WanCommand {
        request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1".to_owned(),
        comms_hub_id: "00DB1234567890A2".to_owned(),
        device_id: "00DB1234567890A0".to_owned(),
        gbcs: gbcs.to_vec(),
    }
}

fn client(
    csp: &FakePeer<WanCommand>,
    conditions: &Arc<LinkConditions>,
) -> CommunicationsServiceProviderClient<dcc_proto::transport::GrpcTransport> {
    CommunicationsServiceProviderClient::new(link::through(
        conditions.clone(),
        Link::new("dsp", "csp-north"),
        csp.csp(),
    ))
}

#[tokio::test]
async fn drop_duplicate_and_corrupt_reach_the_peer_as_a_bad_link_would() {
    let csp = FakePeer::<WanCommand>::builder().build();
    let conditions = LinkConditions::new(1, MessageLog::new());
    let mut client = client(&csp, &conditions);

    client
        .send_command(command(&[0xDD, 0x01]))
        .await
        .expect("delivered");
    assert_eq!(csp.received().len(), 1);

    conditions.inject(fault(FaultKind::Drop)).unwrap();
    let status = client
        .send_command(command(&[0xDD, 0x02]))
        .await
        .expect_err("dropped");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert!(
        status.message().contains("drop by fault injection"),
        "{status:?}"
    );
    assert_eq!(csp.received().len(), 1, "a dropped call never arrives");
    conditions.clear("drop").unwrap();

    conditions.inject(fault(FaultKind::Duplicate)).unwrap();
    client
        .send_command(command(&[0xDD, 0x03]))
        .await
        .expect("delivered");
    let received = csp.received();
    assert_eq!(received.len(), 3, "the duplicate arrives twice");
    assert_eq!(received[1], received[2]);
    conditions.clear("duplicate").unwrap();

    conditions.inject(fault(FaultKind::Corrupt)).unwrap();
    client
        .send_command(command(&[0xDD, 0x04]))
        .await
        .expect("delivered");
    assert_eq!(
        csp.received()[3].gbcs,
        vec![0xDD, 0x05],
        "last byte flipped"
    );

    let log = conditions.log().messages();
    let faults: Vec<_> = log.iter().map(|message| message.fault.clone()).collect();
    assert_eq!(log.len(), 5, "{log:#?}");
    assert_eq!(faults[0], None);
    assert!(faults[1].as_deref().unwrap().contains("drop"));
    assert_eq!(faults[2].as_deref(), Some("sent 2 times"));
    assert_eq!(log[3].label, "SendCommand (copy 2)");
    assert_eq!(faults[4].as_deref(), Some("corrupted"));
    assert!(log
        .iter()
        .all(|message| message.from == "dsp" && message.to == "csp-north"));
    assert_eq!(log[4].gbcs.as_deref(), Some(&[0xDD, 0x05][..]));
}

#[tokio::test]
async fn a_peer_refusing_is_observed_with_its_status() {
    let csp = FakePeer::<WanCommand>::builder()
        .refusing_first(1)
        .refusal_message("csp restarting")
        .build();
    let conditions = LinkConditions::new(1, MessageLog::new());
    let mut client = client(&csp, &conditions);
    let status = client
        .send_command(command(&[1]))
        .await
        .expect_err("refused");
    assert_eq!(status.message(), "csp restarting");
    client.send_command(command(&[2])).await.expect("taken");
    let log = conditions.log().messages();
    assert_eq!(log[0].outcome, "UNAVAILABLE: csp restarting");
    assert!(log[0].failed);
    assert_eq!(log[1].outcome, "OK");
}
