//! A generated fleet (`dccsim up --fleet N`) as a user meets it: requests to randomly chosen
//! (seeded) premises are answered end to end by devices made on first contact, with responses
//! the user verifies against certificates the SMKI repository made on first search; the DSP
//! knows every fleet device (8.2) and who is registered for it (E4 for another supplier); and
//! a fleet device's certificates are the same however often and by whichever party made.

use dcc_model::{Eui64, ResponseCode};
use duis::{BodyElement, ResponseBody};
use ecosystem::config::{SECOND_SUPPLIER, TEST_SUPPLIER};
use ecosystem::{EcosystemConfig, Identities, Sandbox, SandboxOptions};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use smki::KeyUsage;

/// Large enough that nothing about the fleet is made per device at start (20,000 devices), small
/// enough for a debug build's tests.
const PREMISES: u32 = 5_000;

fn fleet_config() -> EcosystemConfig {
    EcosystemConfig {
        fleet: PREMISES,
        ..EcosystemConfig::default()
    }
}

fn read_registers() -> BodyElement {
    BodyElement::with_children("ReadInstantaneousImportRegisters", Vec::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_random_fleet_devices_are_answered_end_to_end_and_verified() {
    let sandbox = Sandbox::start_with(fleet_config(), SandboxOptions::default())
        .await
        .expect("the ecosystem with a fleet starts");
    let first = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let second = sandbox.user(SECOND_SUPPLIER).expect("second supplier");
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(10);
    for _ in 0..4 {
        let index = random.next_u32() % PREMISES;
        let premises = ecosystem::fleet::premises(index);
        let esme = premises.electricity_meter.as_ref().expect("an ESME");
        let gsme = premises.gas_meter.as_ref().expect("a GSME");
        let (registered, other) = if esme.registered_supplier == TEST_SUPPLIER {
            (&first, &second)
        } else {
            (&second, &first)
        };
        for meter in [esme.device_id, gsme.device_id] {
            let exchange = registered
                .request("4.1.1", meter, read_registers())
                .await
                .unwrap_or_else(|error| panic!("premises {index}, {meter}: {error}"));
            assert_eq!(
                exchange.response_code(),
                &ResponseCode::Acknowledgement,
                "{meter}"
            );
            exchange
                .verified_gbcs()
                .unwrap_or_else(|error| panic!("premises {index}, {meter}: {error}"));
        }
        let refused = other
            .request("4.1.1", esme.device_id, read_registers())
            .await
            .expect("the DSP answers");
        assert_eq!(
            refused.response_code(),
            &ResponseCode::USER_NOT_AUTHORISED_FOR_DEVICE
        );

        let inventory = registered
            .request(
                "8.2",
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                BodyElement::with_children(
                    "ReadInventory",
                    vec![BodyElement::leaf(
                        "DeviceID",
                        premises.communications_hub_function.to_string(),
                    )],
                ),
            )
            .await
            .expect("8.2");
        let ResponseBody::DspInventory { devices, .. } = inventory.answer.response.body else {
            panic!("8.2 answers DSPInventory");
        };
        let mut listed: Vec<Eui64> = devices.iter().map(|device| device.device_id).collect();
        listed.sort();
        let mut expected: Vec<Eui64> = premises
            .devices()
            .iter()
            .map(|device| device.device_id)
            .collect();
        expected.sort();
        assert_eq!(listed, expected, "premises {index}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_device_has_the_same_certificates_made_twice_and_by_the_smki_repository() {
    let config = fleet_config();
    let device = ecosystem::fleet::premises(PREMISES - 1)
        .gas_meter
        .expect("a GSME")
        .device_id;
    let identities = Identities::build(&config).expect("identities");
    let (signing, agreement) = identities.device(device).expect("made from the seed");
    assert_eq!(
        identities.device(device).expect("made again"),
        (signing.clone(), agreement.clone())
    );
    let elsewhere = Identities::build(&config).expect("identities built apart");
    assert_eq!(
        elsewhere.device(device).expect("made apart"),
        (signing.clone(), agreement.clone())
    );
    let outside = ecosystem::fleet::premises(PREMISES).communications_hub_function;
    assert!(
        identities.device(outside).is_err(),
        "{outside} is past the fleet"
    );

    let sandbox = Sandbox::start_with(config, SandboxOptions::default())
        .await
        .expect("the ecosystem with a fleet starts");
    let smki_url = sandbox.endpoints().smki_url;
    for (usage, expected) in [
        (KeyUsage::DigitalSignature, &signing),
        (KeyUsage::KeyAgreement, &agreement),
    ] {
        let published = ecosystem::user::fetch_device_certificate(&smki_url, device, usage)
            .await
            .expect("the repository makes it on first search");
        assert_eq!(published.der(), expected.certificate.der());
    }
    sandbox.shutdown().await;
}
