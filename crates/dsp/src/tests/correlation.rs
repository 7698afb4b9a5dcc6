//! Correlation's decisions: a device response is matched with the command awaiting it (by the
//! device and the command's counter), answered to that command's requester once, and refused
//! when no command awaits it.

use std::time::Duration;

use dcc_model::ResponseCode;
use dcc_proto::wan::data_service_provider_upstream_server::DataServiceProviderUpstream;
use dcc_proto::wan::{DeviceMessage, DeviceMessageKind, WanCommand};
use duis::ResponseBody;
use tonic::Status;

use super::*;
use crate::upstream::Upstream;

/// The device's response to `command` (the command's header answered, `payload`), delivered
/// to the DSP as a CSP does.
pub(crate) async fn deliver_response_to(
    dsp: &TestDsp,
    command: &WanCommand,
    payload: Vec<u8>,
) -> Result<Vec<u8>, Status> {
    let envelope = gbcs::Envelope::parse(&command.gbcs).expect("a GBCS command");
    let response = gbcs::use_case::response_apdu(envelope.header(), None, payload).encode();
    deliver(dsp, &command.device_id, response.clone()).await?;
    Ok(response)
}

async fn deliver(dsp: &TestDsp, device_id: &str, gbcs: Vec<u8>) -> Result<(), Status> {
    Upstream(dsp.shared.clone())
        .deliver_device_message(tonic::Request::new(DeviceMessage {
            request_id: String::new(),
            device_id: device_id.to_owned(),
            kind: DeviceMessageKind::Response as i32,
            gbcs,
        }))
        .await
        .map(|_| ())
}

/// Sends 4.1.1 for `device` over the SM WAN; the request and the command the CSP was given.
async fn read_registers(dsp: &TestDsp, device: Eui64) -> (duis::Request, WanCommand) {
    let request = dsp.request(SUPPLIER, device, 1, "4.1.1", Vec::new());
    assert_eq!(code(&dsp.post("serviceS", &request).await), "I99");
    let command = dsp
        .csp_north
        .received()
        .into_iter()
        .find(|command| command.request_id == request.header.request_id.to_string())
        .expect("the command reached the CSP");
    (request, command)
}

#[tokio::test]
async fn a_response_is_answered_to_the_request_of_its_command_once() {
    let mut dsp = TestDsp::start().await;
    let (request, command) = read_registers(&dsp, ESME).await;
    let response = deliver_response_to(&dsp, &command, vec![0x01, 0x02])
        .await
        .expect("the DSP takes the response");
    let answer = parse_signed_by_dsp(&dsp.user.next().await);
    assert_eq!(answer.response_code, ResponseCode::Success);
    assert_eq!(answer.request_id, Some(request.header.request_id));
    let request_id = request.header.request_id;
    assert_eq!(
        answer.response_id.as_deref(),
        Some(format!("{ESME}:{}:{}", request_id.originator, request_id.counter).as_str())
    );
    let ResponseBody::GbcsPayload { payload, .. } = &answer.body else {
        panic!("a GBCS payload expected: {answer:?}");
    };
    assert_eq!(payload, &response);
    assert!(dsp
        .audit(&request_id)
        .iter()
        .any(|event| event.hop == "device" && event.outcome.as_deref() == Some("I0")));
    // A CSP delivering it again (it retries until the DSP answers): taken, not answered twice.
    deliver(&dsp, &command.device_id, response)
        .await
        .expect("a repeated response is taken");
    assert!(dsp.user.nothing_more(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn two_commands_in_flight_are_answered_each_to_its_own_request() {
    let mut dsp = TestDsp::start().await;
    let (first, first_command) = read_registers(&dsp, ESME).await;
    let (second, second_command) = read_registers(&dsp, ESME).await;
    // The device answers the second first.
    let second_response = deliver_response_to(&dsp, &second_command, vec![2])
        .await
        .expect("second taken");
    let first_response = deliver_response_to(&dsp, &first_command, vec![1])
        .await
        .expect("first taken");
    let mut answered = Vec::new();
    for _ in 0..2 {
        let answer = parse_signed_by_dsp(&dsp.user.next().await);
        let ResponseBody::GbcsPayload { payload, .. } = answer.body else {
            panic!("a GBCS payload expected");
        };
        answered.push((answer.request_id.expect("a request id"), payload));
    }
    answered.sort_by_key(|(request_id, _)| request_id.counter);
    assert_eq!(
        answered,
        [
            (first.header.request_id, first_response),
            (second.header.request_id, second_response)
        ]
    );
}

#[tokio::test]
async fn a_response_no_command_awaits_is_refused_and_answered_to_nobody() {
    let mut dsp = TestDsp::start().await;
    let (_, command) = read_registers(&dsp, ESME).await;
    // The same command with a counter the DSP never used.
    let envelope = gbcs::Envelope::parse(&command.gbcs).expect("GBCS");
    let header = envelope.header().clone();
    let stray = gbcs::use_case::response_apdu(
        &gbcs::GroupingHeader {
            transaction: gbcs::TransactionId {
                counter: header.transaction.counter + 1_000,
                ..header.transaction
            },
            ..header
        },
        None,
        Vec::new(),
    );
    let refused = deliver(&dsp, &command.device_id, stray.encode())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(
        refused.message().contains("awaits a response"),
        "{refused:?}"
    );
    assert!(dsp.user.nothing_more(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn a_device_message_that_does_not_read_is_refused_invalid_argument() {
    let dsp = TestDsp::start().await;
    let (_, command) = read_registers(&dsp, ESME).await;
    let not_an_id = deliver(&dsp, "ESME", command.gbcs.clone())
        .await
        .unwrap_err();
    assert_eq!(not_an_id.code(), tonic::Code::InvalidArgument);
    assert!(not_an_id.message().contains("device_id"), "{not_an_id:?}");
    let not_gbcs = deliver(&dsp, &command.device_id, vec![0xFF, 0x00])
        .await
        .unwrap_err();
    assert_eq!(not_gbcs.code(), tonic::Code::InvalidArgument);
    assert!(
        not_gbcs.message().contains("not a GBCS message"),
        "{not_gbcs:?}"
    );
}
