//! Revoking a supplier's certificate in the SMKI repository makes the DSP refuse that
//! supplier's next signed request with E3, while other users go on being served.

use std::time::Duration;

use dcc_model::{CommandVariant, ResponseCode};
use dcc_proto::smki::trust_service_provider_client::TrustServiceProviderClient;
use dcc_proto::smki::{CertificateStatus, ChangeCertificateStatusRequest};
use duis::BodyElement;
use ecosystem::config::{SECOND_SUPPLIER, TEMPLATE_CHF, TEST_SUPPLIER};
use ecosystem::launch::NetworkDirectory;
use ecosystem::parties::PeerDirectory;
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;
use smki::{KeyUsage, RemotePartyRole};

fn read_inventory(user: &DuisUser, counter: u64) -> String {
    user.signed_request(
        dcc_model::DCC_ACCESS_CONTROL_BROKER,
        counter,
        CommandVariant::NonDevice,
        "8.2",
        DuisUser::body(
            "ReadInventory",
            vec![BodyElement::leaf("DeviceID", TEMPLATE_CHF.to_string())],
        ),
    )
    .expect("signed request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_supplier_is_refused_with_e3() {
    let inbox = ResponseInbox::start().await.expect("inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let duis_url = running.duis_url.clone().expect("duis");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(60))
        .await
        .expect("ready");
    let supplier = DuisUser::new(TEST_SUPPLIER, &running.identities, &duis_url).expect("supplier");
    let second =
        DuisUser::new(SECOND_SUPPLIER, &running.identities, &duis_url).expect("second supplier");

    let answer = supplier
        .post("serviceD", read_inventory(&supplier, 10))
        .await
        .expect("answer");
    assert_eq!(answer.response.response_code, ResponseCode::Success);

    let xml_signing = running
        .identities
        .organisation(
            TEST_SUPPLIER,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::XML_SIGNING),
        )
        .expect("supplier XML signing identity");
    let directory = NetworkDirectory::new(running.grpc_addresses.clone());
    let mut tsp = TrustServiceProviderClient::new(directory.transport("tsp"));
    tsp.change_certificate_status(ChangeCertificateStatusRequest {
        serial: xml_signing.certificate.serial_decimal().to_owned(),
        status: CertificateStatus::Revoked as i32,
    })
    .await
    .expect("revocation accepted");

    let answer = supplier
        .post("serviceD", read_inventory(&supplier, 11))
        .await
        .expect("answer");
    assert_eq!(answer.response.response_code.to_string(), "E3");
    let answer = second
        .post("serviceD", read_inventory(&second, 12))
        .await
        .expect("answer");
    assert_eq!(
        answer.response.response_code,
        ResponseCode::Success,
        "other users are still served"
    );
    running.shutdown().await;
}
