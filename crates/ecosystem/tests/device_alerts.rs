//! Device alerts end to end, in one ecosystem: every alert the catalogue gives the fleet's
//! ESMEs, GSMEs, GPFs, PPMIDs and HCALCSs for a user, raised through the device control API, reaches the user
//! it is addressed to (the registered supplier, or the network operator) as a DUIS
//! `DeviceAlertMessage` signed by the DSP, whose `AlertCode` and GBCS are the alert's: MAC or
//! device signature verified with the device's certificates from the SMKI repository, encrypted
//! content decrypted, as `dccsim gbcs decode` does. A power cut and its restoration reach the
//! network operator (8F35, an outage under 3 minutes). What the control API refuses, it
//! refuses with the reason.

use std::time::Duration;

use dcc_model::{DeviceType, Eui64};
use duis::ResponseBody;
use ecosystem::config::{
    TEMPLATE_CHF, TEMPLATE_ESME, TEMPLATE_GPF, TEMPLATE_GSME, TEMPLATE_HCALCS, TEMPLATE_PPMID,
    TEST_NETWORK_OPERATOR, TEST_SUPPLIER,
};
use ecosystem::device_control::{DeviceAction, DeviceControl, DeviceControlError, PowerState};
use ecosystem::user::UserAgent;
use ecosystem::Sandbox;
use gbcs::alert::catalogue::{AlertRecipient, ALERT_CODES};
use gbcs::alert::AlertCode;
use gbcs::decode::Verification;

const WAIT: Duration = Duration::from_secs(30);

/// Awaits the alert `code` from `device` as `user` and checks it as a user would.
async fn received(
    user: &UserAgent,
    device: Eui64,
    code: AlertCode,
    critical: bool,
    encrypted: bool,
) {
    let what = format!("{code} from {device}");
    let answer = user
        .alert(Some(&code.to_string()), Some(device), WAIT)
        .await
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    let body = &answer.answer.response.body;
    let (alert_code, payload) =
        ecosystem::user::device_alert(body).unwrap_or_else(|| panic!("{what}: not a device alert"));
    assert_eq!(alert_code, code.to_string(), "{what}: DUIS AlertCode");
    // A future-dated command's outcome answers the command's request: a ResponseMessage of
    // its service with a FutureDatedDeviceAlertMessage; the others are DeviceAlertMessages.
    let future_dated_outcome = matches!(code.0, 0x8F66 | 0x8F67);
    match body {
        ResponseBody::DeviceAlert { .. } => assert!(!future_dated_outcome, "{what}"),
        ResponseBody::OtherResponseMessage { content, .. } => {
            assert!(future_dated_outcome, "{what}");
            assert_eq!(content.name, "FutureDatedDeviceAlertMessage", "{what}");
            assert!(
                answer.answer.response.request_id.is_some(),
                "{what}: RequestID"
            );
        }
        other => panic!("{what}: {other:?}"),
    }
    let verified = answer
        .verified()
        .unwrap_or_else(|error| panic!("{what}: the GBCS does not verify: {error}"));
    let decoded = &verified.decoded;
    assert_eq!(decoded.header.originator, device, "{what}: originator");
    assert_eq!(decoded.header.transaction.cra, gbcs::Cra::Alert, "{what}");
    assert_eq!(
        gbcs::alert::alert_code(&decoded.payload),
        Ok(code),
        "{what}: GBCS code"
    );
    let (signature, mac) = match critical {
        true => (Verification::Valid, Verification::Absent),
        false => (Verification::Absent, Verification::Valid),
    };
    assert_eq!(
        (decoded.signature, decoded.mac),
        (signature, mac),
        "{what}: protection"
    );
    assert_eq!(
        !verified.plaintexts().is_empty(),
        encrypted,
        "{what}: encrypted content decrypted for the user"
    );
    assert_eq!(payload, verified.payload, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_alert_of_the_fleet_reaches_its_user_as_a_device_alert_message() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let control = sandbox.device_control();
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let network_operator = sandbox
        .user(TEST_NETWORK_OPERATOR)
        .expect("network operator");
    let fleet = [
        (TEMPLATE_ESME, DeviceType::ElectricitySmartMeter),
        (TEMPLATE_GSME, DeviceType::GasSmartMeter),
        (TEMPLATE_GPF, DeviceType::GasProxyFunction),
        (TEMPLATE_PPMID, DeviceType::PrepaymentInterfaceDevice),
        (
            TEMPLATE_HCALCS,
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
        ),
    ];
    let mut kinds = 0;
    for (device, device_type) in fleet {
        for entry in ALERT_CODES
            .iter()
            .filter(|entry| entry.raised_by(device_type))
        {
            let raised = control
                .act(device, &DeviceAction::RaiseAlert(entry.code.to_string()))
                .await
                .unwrap_or_else(|error| panic!("{} from {device}: {error}", entry.code));
            assert_eq!(raised, [entry.code.0]);
            let user = match entry.recipient {
                AlertRecipient::NetworkOperator => &network_operator,
                AlertRecipient::Supplier => &supplier,
                // The DCC's own alerts (a GPF's device log backup): no user's.
                AlertRecipient::AccessControlBroker => continue,
            };
            received(
                user,
                device,
                entry.code,
                entry.is_critical(),
                entry.has_encrypted_content(),
            )
            .await;
            kinds += 1;
        }
    }
    println!("{kinds} kinds of alert reached their users");
    assert!(kinds >= 290, "{kinds} kinds");

    // Power: cut, then restored at once.
    let power = |state| DeviceAction::Power(state);
    assert_eq!(
        control.act(TEMPLATE_ESME, &power(PowerState::Off)).await,
        Ok(Vec::new())
    );
    let restored = control
        .act(TEMPLATE_ESME, &power(PowerState::On))
        .await
        .expect("power on");
    assert_eq!(restored, [0x8F35], "an outage of under 3 minutes");
    received(
        &network_operator,
        TEMPLATE_ESME,
        AlertCode(0x8F35),
        true,
        false,
    )
    .await;

    // Refusals, with their reasons.
    let refusal = control
        .act(TEMPLATE_ESME, &DeviceAction::RaiseAlert("8F1D".into()))
        .await
        .unwrap_err();
    assert_eq!(
        refusal,
        DeviceControlError::NotSupported {
            device: TEMPLATE_ESME,
            action: "raise alert 8F1D".into(),
            reason: "ESME does not raise alert 8F1D (GSME power supply loss): it is raised by GSME"
                .into(),
        }
    );
    assert!(matches!(
        control.act(TEMPLATE_ESME, &DeviceAction::RaiseAlert("8F".into())).await,
        Err(DeviceControlError::Invalid { reason, .. }) if reason.contains("not an alert code")
    ));
    assert!(matches!(
        control.act(TEMPLATE_ESME, &DeviceAction::RaiseAlert("1234".into())).await,
        Err(DeviceControlError::Invalid { reason, .. }) if reason == "1234 is not a GBCS alert code"
    ));
    let unknown = Eui64::from_u64(0x00DB_1234_5678_99FF);
    assert_eq!(
        control.act(unknown, &DeviceAction::Reset).await,
        Err(DeviceControlError::UnknownDevice(unknown))
    );
    assert!(matches!(
        control.act(TEMPLATE_GSME, &power(PowerState::Off)).await,
        Err(DeviceControlError::NotSupported { reason, .. }) if reason.contains("only an ESME")
    ));
    // A CHF's alerts go to the DCC: the DSP records them and sends them to no user.
    assert_eq!(
        control
            .act(TEMPLATE_CHF, &DeviceAction::RaiseAlert("8F12".into()))
            .await,
        Ok(vec![0x8F12])
    );
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let audit = audit_mentioning(
        &sandbox,
        &format!("{TEMPLATE_CHF}:{acb}:1"),
        "device alert 8F12",
    )
    .await;
    assert!(audit.contains("for the DCC"), "{audit}");
    let delivered_to_users = sandbox.inbox.delivered().into_iter().any(|answer| {
        matches!(&answer.response.body, ResponseBody::DeviceAlert { alert_code, .. } if alert_code == "8F12")
    });
    assert!(!delivered_to_users, "a CHF's alert reached a user");
    sandbox.shutdown().await;
}

/// The DSP's audit of `reference` once it mentions `text` (within [`WAIT`]).
async fn audit_mentioning(sandbox: &Sandbox, reference: &str, text: &str) -> String {
    let url = format!("{}/admin/audit/{reference}", sandbox.endpoints().duis_url);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let audit = reqwest::get(&url)
            .await
            .expect("the DSP answers")
            .text()
            .await
            .expect("an audit");
        if audit.contains(text) || tokio::time::Instant::now() > deadline {
            return audit;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
