//! The DCC Boxed inventory as a user meets it: the template Comms Hub's HAN holds a PPMID and
//! two HCALCSs that answer their own commands; joins name devices the DSP knows only from its
//! inventory (their types, a method C partner's key agreement certificate from the SMKI
//! repository); the ACB signs the joins it sends for a non-critical request; and the DSP holds
//! the device log backups of the hub the template hub replaced, which 8.12.1 and 8.12.2
//! restore. Negative rows: a partner or an old hub the DSP does not know is E19. The legacy
//! hub's devices are of an earlier GBCS version, its ESME polyphase: the inventory says so,
//! and they get the use cases of their generation.

use dcc_model::{DeviceStatus, DeviceType, Eui64, ResponseCode};
use duis::{BodyElement, ResponseBody};
use ecosystem::config::{
    JOIN_PARTNER_ESME, JOIN_PARTNER_GSME, JOIN_PARTNER_HCALCS, JOIN_PARTNER_PPMID, LEGACY_CHF,
    LEGACY_ESME, LEGACY_GBCS_VERSION, LEGACY_GPF, LEGACY_GSME, REPLACED_CHF, REPLACED_GPF,
    SOUTH_CHF, TEMPLATE_AUXILIARY_CONTROLLER, TEMPLATE_CHF, TEMPLATE_ESME, TEMPLATE_GPF,
    TEMPLATE_GSME, TEMPLATE_HCALCS, TEMPLATE_PPMID, TEST_SUPPLIER,
};
use ecosystem::user::{Exchange, UserAgent};
use ecosystem::Sandbox;
use gbcs::decode::Verification;
use gbcs::dlms::DlmsApdu;
use gbcs::han::{cs07, gcs59, HanDeviceType};

fn only(name: &str, leaf: &str, value: Eui64) -> BodyElement {
    BodyElement::with_children(name, vec![BodyElement::leaf(leaf, value.to_string())])
}

/// The devices 8.2 Read Inventory lists for a Comms Hub's premises.
async fn read_inventory(user: &UserAgent, chf: Eui64) -> Vec<duis::InventoryDevice> {
    let inventory = user
        .request(
            "8.2",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            only("ReadInventory", "DeviceID", chf),
        )
        .await
        .expect("8.2");
    match inventory.answer.response.body {
        ResponseBody::DspInventory { devices, .. } => devices,
        other => panic!("8.2 answers DSPInventory: {other:?}"),
    }
}

/// A join (8.7.1 critical, 8.7.2 not) of `other` to `target`, seen through.
async fn join(user: &UserAgent, variant: &str, target: Eui64, other: Eui64) -> Exchange {
    let body = match variant {
        "8.7.1" => "JoinServiceCritical",
        _ => "JoinServiceNonCritical",
    };
    user.request(variant, target, only(body, "OtherDeviceID", other))
        .await
        .expect("the DSP answers")
}

/// The join response code in the device's signed response.
fn join_response_code(exchange: &Exchange) -> u8 {
    let gbcs = exchange.verified_gbcs().expect("the device's response");
    assert_eq!(gbcs.decoded.signature, Verification::Valid);
    match gbcs.decoded.payload.as_slice() {
        [0x02, 0x01, code] => *code,
        other => panic!("not one INTEGER response code: {other:02X?}"),
    }
}

/// The devices joined to `device`, as its CS07 response (8.9) lists them.
async fn device_log(user: &UserAgent, device: Eui64) -> Vec<gbcs::han::DeviceLogEntry> {
    let log = user
        .request(
            "8.9",
            device,
            BodyElement::with_children("ReadDeviceLog", Vec::new()),
        )
        .await
        .expect("8.9");
    let payload = &log.verified_gbcs().expect("CS07 response").decoded.payload;
    cs07::decode_response(payload)
        .expect("a CS07 response")
        .expect("read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_hub_s_han_devices_answer_and_the_replaced_hub_s_backups_restore() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");

    // 8.2: the template hub's devices, its PPMID and HCALCSs among them, all Commissioned.
    let devices = read_inventory(&supplier, TEMPLATE_CHF).await;
    let listed: Vec<(Eui64, DeviceType, Option<DeviceStatus>)> = devices
        .iter()
        .map(|device| (device.device_id, device.device_type, device.device_status))
        .collect();
    for (id, device_type) in [
        (TEMPLATE_PPMID, DeviceType::PrepaymentInterfaceDevice),
        (
            TEMPLATE_HCALCS,
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
        ),
        (
            TEMPLATE_AUXILIARY_CONTROLLER,
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
        ),
    ] {
        assert!(
            listed.contains(&(id, device_type, Some(DeviceStatus::Commissioned))),
            "{id} {device_type} in {listed:?}"
        );
    }

    // Each HAN device joins an ESME the DSP knows from its inventory (CS03A2, signed by the
    // supplier), and answers signed.
    for han_device in [
        TEMPLATE_PPMID,
        TEMPLATE_HCALCS,
        TEMPLATE_AUXILIARY_CONTROLLER,
    ] {
        let exchange = join(&supplier, "8.7.1", han_device, JOIN_PARTNER_ESME).await;
        assert_eq!(exchange.response_code(), &ResponseCode::Acknowledgement);
        assert_eq!(join_response_code(&exchange), 0);
        let header = &exchange.verified_gbcs().unwrap().decoded.header;
        assert_eq!(header.originator, han_device);
        assert_eq!(header.message_code().0, 0x00AB);
    }

    // A non-critical join to the PPMID: CS03C with the GSME's KA certificate, signed by the
    // ACB, answered signed by the PPMID; the PPMID then reports both partners (CS07).
    let exchange = join(&supplier, "8.7.2", TEMPLATE_PPMID, JOIN_PARTNER_GSME).await;
    assert_eq!(join_response_code(&exchange), 0);
    let header = &exchange.verified_gbcs().unwrap().decoded.header;
    assert_eq!(header.message_code().0, 0x00AF);
    let joined = device_log(&supplier, TEMPLATE_PPMID).await;
    for (partner, device_type) in [
        (JOIN_PARTNER_ESME, HanDeviceType::ESME),
        (JOIN_PARTNER_GSME, HanDeviceType::GSME),
    ] {
        assert!(
            joined
                .iter()
                .any(|entry| (entry.device, entry.device_type) == (partner, device_type)),
            "{partner} in {joined:?}"
        );
    }

    // The ESME joins an HCALCS (CS03A1); CS07 then lists it with its type.
    let exchange = join(&supplier, "8.7.1", TEMPLATE_ESME, JOIN_PARTNER_HCALCS).await;
    assert_eq!(join_response_code(&exchange), 0);
    let joined = device_log(&supplier, TEMPLATE_ESME).await;
    assert!(
        joined
            .iter()
            .any(|entry| entry.device == JOIN_PARTNER_HCALCS
                && entry.device_type == HanDeviceType::HCALCS),
        "{joined:?}"
    );

    // The GSME joins a PPMID by method C: the command carries the PPMID's KA certificate.
    let exchange = join(&supplier, "8.7.1", TEMPLATE_GSME, JOIN_PARTNER_PPMID).await;
    assert_eq!(join_response_code(&exchange), 0);

    // A partner the inventory does not hold.
    let unknown = join(
        &supplier,
        "8.7.1",
        TEMPLATE_ESME,
        Eui64::from_u64(0x00DB_1234_5678_99FF),
    )
    .await;
    assert_eq!(unknown.response_code().to_string(), "E19");

    // 8.12.1: the template hub takes the replaced CHF's backup (CCS03, from the ACB).
    let restored = supplier
        .request(
            "8.12.1",
            TEMPLATE_CHF,
            only("RestoreHANDeviceLog", "OldCHFID", REPLACED_CHF),
        )
        .await
        .expect("8.12.1");
    let payload = &restored
        .verified_gbcs()
        .expect("CCS03 response")
        .decoded
        .payload;
    let Ok(DlmsApdu::AccessResponse { results, .. }) = DlmsApdu::parse(payload) else {
        panic!("CCS03 answers an access-response: {payload:02X?}");
    };
    assert!(
        !results.is_empty() && results.iter().all(|result| result.result == 0),
        "{results:?}"
    );
    // A hub the DSP holds no backup of.
    let none = supplier
        .request(
            "8.12.1",
            TEMPLATE_CHF,
            only("RestoreHANDeviceLog", "OldCHFID", SOUTH_CHF),
        )
        .await
        .expect("8.12.1");
    assert_eq!(none.response_code().to_string(), "E19");

    // 8.12.2: the template GPF takes the replaced GPF's log (GCS59): the GSME and the PPMID.
    let restored = supplier
        .request(
            "8.12.2",
            TEMPLATE_GPF,
            only("RestoreGPFDeviceLog", "OldGPFID", REPLACED_GPF),
        )
        .await
        .expect("8.12.2");
    let payload = &restored
        .verified_gbcs()
        .expect("GCS59 response")
        .decoded
        .payload;
    let outcomes: Vec<(Eui64, u8)> = gcs59::decode_response(payload)
        .expect("a GCS59 response")
        .iter()
        .map(|(entry, code)| (entry.device, *code))
        .collect();
    assert_eq!(outcomes, [(TEMPLATE_GSME, 0), (TEMPLATE_PPMID, 0)]);
    sandbox.shutdown().await;
}

/// 8.2 names the legacy hub's GBCS version and its ESME's variant; the reads whose use case
/// depends on them (6.2.1 voltage, 6.2.3 billing calendar, 6.2.4 identity) get the use case of
/// the device's generation, and the device answers it, verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_s_gbcs_version_and_esme_variant_choose_its_use_cases() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let devices = read_inventory(&supplier, LEGACY_CHF).await;
    let mut listed: Vec<Eui64> = devices.iter().map(|device| device.device_id).collect();
    listed.sort();
    assert_eq!(listed, [LEGACY_ESME, LEGACY_GSME, LEGACY_CHF, LEGACY_GPF]);
    for device in devices {
        assert_eq!(
            device.device_gbcs_version.as_deref(),
            Some(LEGACY_GBCS_VERSION),
            "{}",
            device.device_id
        );
        let variant = (device.device_id == LEGACY_ESME).then_some("C");
        assert_eq!(
            device.esme_variant.as_deref(),
            variant,
            "{}",
            device.device_id
        );
    }

    let cases = [
        ("6.2.1", LEGACY_ESME, "ECS26k"),
        ("6.2.1", TEMPLATE_ESME, "ECS26b"),
        ("6.2.3", LEGACY_ESME, "ECS26d"),
        ("6.2.3", TEMPLATE_ESME, "ECS26l"),
        ("6.2.3", LEGACY_GSME, "GCS21d"),
        ("6.2.3", TEMPLATE_GSME, "GCS21k"),
        ("6.2.4", LEGACY_CHF, "ECS26i"),
        ("6.2.4", TEMPLATE_CHF, "ECS26n"),
        ("6.2.4", TEMPLATE_GPF, "GCS21e"),
    ];
    for (variant, device, expected) in cases {
        let service = duis::catalogue::lookup(variant).expect("a service");
        let exchange = supplier
            .request(
                variant,
                device,
                BodyElement::with_children(service.body_element, Vec::new()),
            )
            .await
            .expect("the DSP answers");
        let gbcs = exchange
            .verified_gbcs()
            .unwrap_or_else(|error| panic!("{variant} to {device}: {error}"));
        let use_case = gbcs.decoded.use_case.and_then(|entry| entry.use_case_id());
        assert_eq!(use_case, Some(expected), "{variant} to {device}");
        assert_eq!(
            gbcs.decoded.mac,
            Verification::Valid,
            "{variant} to {device}"
        );
    }
}
