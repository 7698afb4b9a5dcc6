//! Device alerts end to end, in one ecosystem: every alert the catalogue gives the fleet's
//! ESMEs, GSMEs, GPFs, PPMIDs and HCALCSs for a user, raised through the device control API, reaches the user
//! it is addressed to (the registered supplier, or the network operator) as a DUIS
//! `DeviceAlertMessage` signed by the DSP, whose `AlertCode` and GBCS are the alert's: MAC or
//! device signature verified with the device's certificates from the SMKI repository, encrypted
//! content decrypted, as `dccsim gbcs decode` does. A power cut and its restoration reach the
//! network operator (8F35, an outage under 3 minutes). What the control API refuses, it
//! refuses with the reason. Every alert the users got is read by DCC's own parsers too
//! (`.dcc-tooling/oracle`: duis-parser, gbcs-parser), which must parse it, decrypt its
//! encrypted content and verify its MAC or signature: the users' private keys from the
//! sandbox's identities, the devices' certificates from its SMKI repository.

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

/// Awaits the alert `code` from `device` as `user` and checks it as a user would; returns
/// the DUIS document as received.
async fn received(
    user: &UserAgent,
    device: Eui64,
    code: AlertCode,
    critical: bool,
    encrypted: bool,
) -> Vec<u8> {
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
    answer.answer.xml.clone()
}

/// A key folder for DCC's oracle (`<eui>-ka.key`, as gbcs-parser's RTDS key store names
/// them) with the key-agreement private keys of `users`.
fn oracle_key_folder(sandbox: &Sandbox, users: &[Eui64], folder: &std::path::Path) {
    use base64::Engine;
    std::fs::create_dir_all(folder).expect("key folder");
    for user in users {
        let identity = sandbox
            .identities()
            .organisation(*user, smki::KeyUsage::KeyAgreement, None)
            .expect("the user's key-agreement identity");
        let der = identity
            .private_key_pkcs8_der
            .as_ref()
            .expect("its private key");
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
            .collect();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        );
        let name = format!("{:016x}-ka.key", user.as_u64());
        std::fs::write(folder.join(name), pem).expect("key file");
    }
}

/// DCC's oracle on each (what, DUIS document): the problems it finds, one line each.
fn oracle_problems(
    sandbox: &Sandbox,
    users: &[Eui64],
    documents: &[(String, Vec<u8>)],
) -> Vec<String> {
    let work = tempfile::tempdir().expect("scratch folder");
    let keys = work.path().join("keys");
    oracle_key_folder(sandbox, users, &keys);
    let smki = sandbox.endpoints().smki_url;
    let keys = keys.to_string_lossy().into_owned();
    let arguments = ["--smki", smki.as_str(), "--keydir", keys.as_str()];
    test_support::dcc_oracle_on(&arguments, documents).unwrap_or_else(|error| panic!("{error}"))
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
    let mut documents: Vec<(String, Vec<u8>)> = Vec::new();
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
            let document = received(
                user,
                device,
                entry.code,
                entry.is_critical(),
                entry.has_encrypted_content(),
            )
            .await;
            documents.push((format!("{} from {device}", entry.code), document));
            kinds += 1;
        }
    }
    println!("{kinds} kinds of alert reached their users");
    assert!(kinds >= 290, "{kinds} kinds");
    if test_support::dcc_oracle_available("DCC's parsers on every device alert") {
        let users = [TEST_SUPPLIER, TEST_NETWORK_OPERATOR];
        let problems = oracle_problems(&sandbox, &users, &documents);
        println!(
            "DCC's oracle read {} alerts: {} problems",
            documents.len(),
            problems.len()
        );
        assert!(problems.is_empty(), "DCC's oracle: {problems:#?}");
    }

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
