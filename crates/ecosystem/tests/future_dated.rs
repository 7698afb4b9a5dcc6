//! A future-dated request executed by the device at its time, through the in-process
//! ecosystem on a virtual clock: the supplier sends 6.4.1 (ECS28a) for the template ESME with
//! an `ExecutionDateTime` an hour ahead; the ESME answers at once and the load limit settings
//! it reads (4.15, ECS27) stay as they were; once the clock passes the time, the smart meter
//! party's task catches the ESME up, and the supplier receives the ESME's 8F66 alerts, one
//! per activated setting, each as a `FutureDatedDeviceAlertMessage` answering the request;
//! 4.15 then reads the new settings. The same for a GSME's change of payment mode (1.6,
//! GCS03), whose engine the Comms Hub party hosts. And the device's own schedule: the ESME's
//! billing data log pushed (ECS68) when the clock passes its billing date.

// Not every test file uses every shared helper.
#[allow(dead_code)]
mod common;

use std::time::Duration;

use common::WAIT;
use dcc_model::ResponseCode;
use duis::{BodyElement, ResponseBody};
use ecosystem::config::{TEMPLATE_ESME, TEMPLATE_GSME, TEST_SUPPLIER};
use ecosystem::sandbox::{Sandbox, SandboxOptions};
use ecosystem::user::UserAgent;
use ecosystem::EcosystemConfig;
use gbcs::alert::{Alert, AlertDetails};
use gbcs::dlms::{Data, DlmsApdu};
use gbcs::gbz::{ComponentBody, GbzPayload};
use gbcs::zcl::{GeneralCommand, ZclValue};

/// The payload of a GBCS message's general-signing APDU.
fn apdu_payload(gbcs: &[u8]) -> Vec<u8> {
    gbcs::Envelope::parse(gbcs)
        .expect("a GBCS message")
        .general_signing()
        .expect("a general-signing APDU")
        .payload
        .clone()
}

/// The default ecosystem on a virtual clock, and its test supplier.
async fn on_a_virtual_clock() -> (Sandbox, UserAgent) {
    let config = EcosystemConfig {
        clock: clock::ClockMode::Virtual,
        ..EcosystemConfig::default()
    };
    let sandbox = Sandbox::start_with(config, SandboxOptions::default())
        .await
        .expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    (sandbox, supplier)
}

/// 4.15: the load limit supply state, the count of limits exceeded (value and scaler-unit)
/// and the Limiter's threshold and periods, as the ESME answers them.
async fn load_limit_data(supplier: &UserAgent) -> Vec<Data> {
    let exchange = supplier
        .request(
            "4.15",
            TEMPLATE_ESME,
            BodyElement::with_children("ReadLoadLimitData", Vec::new()),
        )
        .await
        .expect("4.15 answered");
    let verified = exchange
        .verified_gbcs()
        .expect("the ESME's response verifies");
    match DlmsApdu::parse(&apdu_payload(&verified.payload)) {
        Ok(DlmsApdu::AccessResponse { data, results, .. }) => {
            assert!(
                results.iter().all(|result| result.result == 0),
                "{results:?}"
            );
            data
        }
        other => panic!("not an access-response: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_dated_load_limit_update_takes_effect_at_its_time_and_is_reported() {
    let (sandbox, supplier) = on_a_virtual_clock().await;
    let before = load_limit_data(&supplier).await;

    let now = sandbox.clock.now();
    let execution = (now + time::Duration::hours(1))
        .replace_millisecond(0)
        .expect("a whole second");
    let body = BodyElement::with_children(
        "UpdateDeviceConfigurationLoadLimitingGeneralSettings",
        vec![
            BodyElement::leaf("ExecutionDateTime", clock::xml_date_time(execution)),
            BodyElement::leaf("LoadLimitPeriod", "300"),
            BodyElement::leaf("LoadLimitPowerThreshold", "6900"),
            BodyElement::leaf("LoadLimitRestorationPeriod", "30"),
            BodyElement::leaf("LoadLimitSupplyState", "Disable"),
        ],
    );
    let update = supplier
        .request("6.4.1", TEMPLATE_ESME, body)
        .await
        .expect("6.4.1 answered");
    assert_eq!(update.response_code(), &ResponseCode::Acknowledgement);
    update
        .verified_gbcs()
        .expect("the ESME accepted the update");

    // Before the time: the settings read as they were.
    assert_eq!(load_limit_data(&supplier).await, before);

    sandbox
        .clock
        .advance(Duration::from_secs(2 * 3600))
        .expect("the virtual clock moves");
    let mut targets = Vec::new();
    let mut instructions = Vec::new();
    for _ in 0..4 {
        let alert = supplier
            .alert(Some("8F66"), Some(TEMPLATE_ESME), WAIT)
            .await
            .expect("the ESME's 8F66 reaches the supplier");
        assert_eq!(
            alert.answer.response.request_id,
            Some(update.request_id),
            "a FutureDatedDeviceAlertMessage answering the update"
        );
        let ResponseBody::OtherResponseMessage { content, .. } = &alert.answer.response.body else {
            panic!("not a future-dated alert: {:?}", alert.answer.response.body);
        };
        assert_eq!(content.name, "FutureDatedDeviceAlertMessage");
        // The DSP numbers each outcome by its instruction's place in the command.
        let number = |name| {
            content
                .find_text(name)
                .and_then(|text| text.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("{name} in {content:?}"))
        };
        instructions.push((
            number("InstructionNumber"),
            number("TotalCommandInstructions"),
        ));
        let verified = alert.verified().expect("the alert verifies");
        let message_code = verified.decoded.header.message_code();
        let parsed =
            Alert::parse(message_code, &apdu_payload(&verified.payload)).expect("an alert payload");
        assert_eq!(
            parsed.time,
            device::DeviceDateTime::from_offset_date_time(execution).seconds_since_2000()
        );
        let AlertDetails::FutureDatedDlms {
            counter, target, ..
        } = parsed.details
        else {
            panic!("{:?}", parsed.details);
        };
        assert_eq!(counter, update.request_id.counter);
        targets.push(target.obis);
    }
    instructions.sort_unstable();
    assert_eq!(instructions, [(1, 4), (2, 4), (3, 4), (4, 4)]);
    targets.sort_unstable();
    assert_eq!(
        targets,
        [
            [0, 0, 94, 44, 0, 3],
            [0, 0, 94, 44, 128, 6],
            [0, 0, 94, 44, 128, 7],
            [0, 0, 94, 44, 128, 8],
        ]
    );

    let after = load_limit_data(&supplier).await;
    assert_eq!(after[0], Data::Boolean(0xFF), "{after:?}");
    assert_eq!(
        after[3..],
        [
            Data::DoubleLongUnsigned(6_900),
            Data::DoubleLongUnsigned(300),
            Data::DoubleLongUnsigned(30),
        ]
    );
    sandbox.shutdown().await;
}

/// 6.2.9 (GCS21j) on the template GSME: its payment control configuration.
async fn payment_control_configuration(supplier: &UserAgent) -> u64 {
    let exchange = supplier
        .request(
            "6.2.9",
            TEMPLATE_GSME,
            BodyElement::with_children("ReadDeviceConfigurationPaymentMode", Vec::new()),
        )
        .await
        .expect("6.2.9 answered");
    let verified = exchange
        .verified_gbcs()
        .expect("the GSME's response verifies");
    let gbz = GbzPayload::parse(&apdu_payload(&verified.payload)).expect("a GBZ response");
    gbz.components
        .iter()
        .find_map(|component| {
            let ComponentBody::Plain(payload) = &component.body else {
                return None;
            };
            match GeneralCommand::decode(component.command_id, payload) {
                Ok(GeneralCommand::ReadAttributesResponse(records)) => records
                    .iter()
                    .find(|record| record.attribute == 0x0000)
                    .and_then(|record| record.value.as_ref())
                    .and_then(ZclValue::as_unsigned),
                _ => None,
            }
        })
        .expect("the payment control configuration")
}

/// The same for the template GSME, whose engine the Comms Hub party hosts: 1.6 to prepayment
/// mode (GCS03) an hour ahead; 6.2.9 reads credit mode until the clock passes the time, then
/// the supplier gets the GSME's 8F66 naming the Change Payment Mode, and 6.2.9 reads
/// prepayment mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_dated_payment_mode_change_on_a_gsme_takes_effect_at_its_time() {
    let (sandbox, supplier) = on_a_virtual_clock().await;
    let credit = payment_control_configuration(&supplier).await;
    assert_eq!(credit & 0x0002, 0, "credit mode: {credit:04X}");

    let execution = (sandbox.clock.now() + time::Duration::hours(1))
        .replace_millisecond(0)
        .expect("a whole second");
    let body = BodyElement::with_children(
        "UpdatePaymentMode",
        vec![
            BodyElement::leaf("ExecutionDateTime", clock::xml_date_time(execution)),
            BodyElement::with_children(
                "Prepayment",
                vec![
                    BodyElement::leaf("SuspendDebtDisabled", "false"),
                    BodyElement::leaf("SuspendDebtEmergency", "true"),
                    BodyElement::leaf("DisablementThreshold", "0"),
                ],
            ),
        ],
    );
    let update = supplier
        .request("1.6", TEMPLATE_GSME, body)
        .await
        .expect("1.6 answered");
    assert_eq!(update.response_code(), &ResponseCode::Acknowledgement);
    update
        .verified_gbcs()
        .expect("the GSME accepted the change");
    assert_eq!(payment_control_configuration(&supplier).await, credit);

    sandbox
        .clock
        .advance(Duration::from_secs(2 * 3600))
        .expect("the virtual clock moves");
    let alert = supplier
        .alert(Some("8F66"), Some(TEMPLATE_GSME), WAIT)
        .await
        .expect("the GSME's 8F66 reaches the supplier");
    assert_eq!(alert.answer.response.request_id, Some(update.request_id));
    let verified = alert.verified().expect("the alert verifies");
    let parsed = Alert::parse(
        verified.decoded.header.message_code(),
        &apdu_payload(&verified.payload),
    )
    .expect("an alert payload");
    assert_eq!(
        parsed.details,
        AlertDetails::FutureDatedGbz {
            message_code: gbcs::MessageCode(0x006D),
            counter: update.request_id.counter,
            cluster: 0x0705,
            frame_control: 0x01,
            command_id: 0x06,
        }
    );
    let prepayment = payment_control_configuration(&supplier).await;
    assert_eq!(
        prepayment & 0x0002,
        0x0002,
        "prepayment mode: {prepayment:04X}"
    );
    sandbox.shutdown().await;
}

/// A meter pushes its billing data log at each billing date: the supplier reads the template
/// ESME (so its party watches it), the virtual clock moves to just past midnight on the first
/// of next month (a meter in service bills monthly), and the supplier gets the ESME's ECS68
/// (8F0A, Billing Data Log Updated) as a DeviceAlertMessage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_esme_pushes_its_billing_data_log_at_the_billing_date() {
    let (sandbox, supplier) = on_a_virtual_clock().await;
    load_limit_data(&supplier).await;
    let now = sandbox.clock.now();
    let first_of_next_month = now
        .replace_day(1)
        .and_then(|first| {
            let (year, month) = match first.month() {
                time::Month::December => (first.year() + 1, time::Month::January),
                month => (first.year(), month.next()),
            };
            first.replace_year(year)?.replace_month(month)
        })
        .expect("the first of next month")
        .replace_time(time::Time::MIDNIGHT);
    sandbox
        .clock
        .set(first_of_next_month + time::Duration::minutes(1))
        .expect("the virtual clock moves");
    let alert = supplier
        .alert(Some("8F0A"), Some(TEMPLATE_ESME), WAIT)
        .await
        .expect("the ESME's billing data log reaches the supplier");
    assert!(
        matches!(alert.answer.response.body, ResponseBody::DeviceAlert { .. }),
        "{:?}",
        alert.answer.response.body
    );
    let verified = alert.verified().expect("the alert verifies");
    assert_eq!(verified.decoded.header.message_code().0, 0x0061, "ECS68");
    let parsed = Alert::parse(
        verified.decoded.header.message_code(),
        &apdu_payload(&verified.payload),
    )
    .expect("an alert payload");
    assert_eq!(
        parsed.time,
        device::DeviceDateTime::from_offset_date_time(first_of_next_month).seconds_since_2000()
    );
    sandbox.shutdown().await;
}
