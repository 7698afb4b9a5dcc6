//! Routing's decisions: which CSP a command goes to (by the device's region), what a CSP's
//! refusal becomes (E20, or E21 for a hub the SM WAN cannot reach), what never goes over the SM
//! WAN (pre-commands, local delivery, commands the DSP holds), and when a command executes.

use dcc_model::{CspRegion, DeviceType, Eui64};
use duis::{BodyElement, ResponseBody};
use tonic::Status;

use super::*;
use crate::routing::{self, Timing};

/// The device and hub a CSP was sent a command for, and the command's GBCS header.
fn sent(command: &dcc_proto::wan::WanCommand) -> (Eui64, Eui64, gbcs::GroupingHeader) {
    let device = command.device_id.parse().expect("device id");
    let hub = command.comms_hub_id.parse().expect("hub id");
    let envelope = gbcs::Envelope::parse(&command.gbcs).expect("a GBCS command");
    (device, hub, envelope.header().clone())
}

#[tokio::test]
async fn a_command_goes_to_the_csp_of_its_devices_region_through_the_devices_hub() {
    let dsp = TestDsp::start().await;
    let north = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let south = dsp.request(SUPPLIER, SOUTH_ESME, 1, "4.1.1", Vec::new());
    assert_eq!(code(&dsp.post("serviceS", &north).await), "I99");
    assert_eq!(code(&dsp.post("serviceS", &south).await), "I99");

    let [to_north] = dsp
        .csp_north
        .received()
        .try_into()
        .expect("one command north");
    let (device, hub, header) = sent(&to_north);
    assert_eq!((device, hub), (ESME, CHF));
    assert_eq!(to_north.request_id, north.header.request_id.to_string());
    assert_eq!(header.recipient, ESME);
    assert_eq!(header.originator, SUPPLIER);
    assert_eq!(header.transaction.counter, north.header.request_id.counter);

    let [to_south] = dsp
        .csp_central_south
        .received()
        .try_into()
        .expect("one command south");
    assert_eq!(sent(&to_south).0, SOUTH_ESME);
    assert_eq!(sent(&to_south).1, SOUTH_CHF);
    assert_eq!(to_south.request_id, south.header.request_id.to_string());
}

#[tokio::test]
async fn a_device_moved_to_another_region_is_reached_through_that_regions_csp() {
    let dsp = TestDsp::start().await;
    {
        let mut inventory = dsp.shared.inventory();
        let mut esme = inventory.device(ESME).cloned().expect("ESME");
        esme.region = CspRegion::Central;
        inventory.put(esme);
    }
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    assert_eq!(code(&dsp.post("serviceS", &request).await), "I99");
    assert!(dsp.csp_north.received().is_empty());
    assert_eq!(dsp.csp_central_south.received().len(), 1);
}

/// The synchronous answer to a 4.1.1 sent through a CSP refusing with `status`, and the
/// command's audit log.
async fn refused_by_csp(status: Status) -> (String, Vec<crate::store::AuditEvent>, TestDsp) {
    let dsp = TestDsp::with(Options {
        csp_north: FakeCsp::builder().refusing(1, status).build(),
        ..Options::default()
    })
    .await;
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let answer = dsp.post("serviceS", &request).await;
    assert_eq!(dsp.csp_north.received().len(), 1, "the CSP was asked once");
    let audit = dsp.audit(&request.header.request_id);
    (code(&answer), audit, dsp)
}

#[tokio::test]
async fn a_csp_that_cannot_be_reached_or_refuses_makes_the_request_e20() {
    for status in [
        Status::unavailable("restarting"),
        Status::not_found("comms hub of another region"),
    ] {
        let (code, audit, _) = refused_by_csp(status.clone()).await;
        assert_eq!(code, "E20", "{status:?}");
        let refusal = audit
            .iter()
            .find(|event| event.what.starts_with("command not taken"))
            .unwrap_or_else(|| panic!("no refusal audited: {audit:?}"));
        assert_eq!(refusal.hop, "csp-north");
        assert_eq!(refusal.outcome.as_deref(), Some("E20"));
    }
}

#[tokio::test]
async fn a_hub_the_sm_wan_cannot_reach_makes_the_request_e21() {
    let mut status = Status::unavailable("comms hub in an outage");
    status.metadata_mut().insert(
        csp::SM_WAN_METADATA_KEY,
        tonic::metadata::MetadataValue::from_static(csp::COMMS_HUB_UNREACHABLE),
    );
    let (code, audit, _) = refused_by_csp(status).await;
    assert_eq!(code, "E21");
    assert!(
        audit
            .iter()
            .any(|event| event.outcome.as_deref() == Some("E21")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_command_the_csp_did_not_take_awaits_no_response() {
    let (code, _, dsp) = refused_by_csp(Status::unavailable("restarting")).await;
    assert_eq!(code, "E20");
    let command = dsp.csp_north.received().remove(0);
    let refused = super::correlation::deliver_response_to(&dsp, &command, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
}

#[tokio::test]
async fn pre_commands_and_local_delivery_never_go_over_the_sm_wan() {
    let dsp = TestDsp::start().await;
    // 7.1 Enable Supply, command variant 4: the pre-command comes back to sign.
    let transform = dsp.request(SUPPLIER, ESME, 4, "7.1", Vec::new());
    let answer = dsp.post("serviceT", &transform).await;
    assert_eq!(code(&answer), "I0");
    let ResponseBody::PreCommand { payload, .. } = &answer.body else {
        panic!("a pre-command expected: {answer:?}");
    };
    let pre_command = gbcs::Envelope::parse(payload).expect("a GBCS pre-command");
    assert_eq!(pre_command.header().recipient, ESME);
    // 4.1.1 for local delivery (command variant 2): the command comes back in the answer.
    let local = dsp.request(SUPPLIER, ESME, 2, "4.1.1", Vec::new());
    let answer = dsp.post("serviceD", &local).await;
    assert_eq!(code(&answer), "I0");
    let ResponseBody::LocalCommand { payload, .. } = &answer.body else {
        panic!("a command for local delivery expected: {answer:?}");
    };
    assert_eq!(
        gbcs::Envelope::parse(payload)
            .expect("GBCS")
            .header()
            .recipient,
        ESME
    );
    assert!(dsp.csp_north.received().is_empty());
    assert!(dsp.csp_central_south.received().is_empty());
}

#[tokio::test]
async fn a_future_dated_request_the_dsp_holds_is_acknowledged_and_not_sent_yet() {
    let dsp = TestDsp::start().await;
    let tomorrow = clock::xml_date_time(START + time::Duration::days(1));
    let request = dsp.request(
        SUPPLIER,
        ESME,
        1,
        "4.1.1",
        vec![BodyElement::leaf("ExecutionDateTime", tomorrow)],
    );
    assert_eq!(code(&dsp.post("serviceS", &request).await), "I99");
    assert!(dsp.csp_north.received().is_empty());
    let held = dsp.shared.store.all_held().expect("held requests");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].request_id, request.header.request_id);
}

#[tokio::test]
async fn when_a_command_executes_follows_the_service_table_and_the_device_type() {
    let dsp = TestDsp::start().await;
    let at = START + time::Duration::hours(1);
    let at_ms = crate::unix_ms(at);
    let with_time = |variant: &str, text: &str| {
        dsp.request(
            SUPPLIER,
            ESME,
            1,
            variant,
            vec![BodyElement::leaf("ExecutionDateTime", text)],
        )
    };
    let device = |device_type| super::record(ESME, device_type, CHF, CspRegion::North);
    let esme = device(DeviceType::ElectricitySmartMeter);
    let chf = device(DeviceType::CommunicationsHubFunction);
    let timing = |variant: &str, text: &str, device: &crate::DeviceRecord| {
        let service = duis::catalogue::lookup(variant).expect("service");
        routing::execution_date_time(&with_time(variant, text))
            .and_then(|at| routing::timing_of(&dsp.shared, at, service, device))
            .map_err(|rejection| rejection.response_code().to_string())
    };
    let future = clock::xml_date_time(at);
    let past = clock::xml_date_time(START - time::Duration::hours(1));
    let service_by = |future_dated: duis::catalogue::FutureDated| {
        duis::catalogue::SERVICES
            .iter()
            .find(|service| service.future_dated == future_dated)
            .expect("a service of that kind")
            .service_reference_variant
    };
    use duis::catalogue::FutureDated::*;
    // No time, or a time past: on demand.
    let service = duis::catalogue::lookup("4.1.1").expect("service");
    let on_demand = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    assert_eq!(
        routing::timing_of(
            &dsp.shared,
            routing::execution_date_time(&on_demand).unwrap(),
            service,
            &esme
        ),
        Ok(Timing::OnDemand)
    );
    assert_eq!(
        timing(service_by(HeldByDsp), &past, &esme),
        Ok(Timing::OnDemand)
    );
    // A future time by the service's kind.
    assert_eq!(
        timing(service_by(HeldByDsp), &future, &esme),
        Ok(Timing::HeldUntil(at_ms))
    );
    assert_eq!(
        timing(service_by(SentToDevice), &future, &esme),
        Ok(Timing::ExecutedByDeviceAt(at_ms))
    );
    let either = service_by(HeldByDspOrSentToDevice);
    assert_eq!(
        timing(either, &future, &esme),
        Ok(Timing::ExecutedByDeviceAt(at_ms))
    );
    assert_eq!(timing(either, &future, &chf), Ok(Timing::HeldUntil(at_ms)));
    // A service that cannot be future dated, and a time that does not read.
    assert_eq!(
        timing(service_by(NotFutureDated), &future, &esme),
        Err("E1000".into())
    );
    assert_eq!(
        timing(service_by(HeldByDsp), "tomorrow", &esme),
        Err("E1000".into())
    );
}
