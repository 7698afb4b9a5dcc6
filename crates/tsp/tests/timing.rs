//! How long issuance and repository searches take (informative; asserts only generous bounds).

mod support;

use std::time::{Duration, Instant};

use dcc_model::Eui64;
use smki::repository::{render_search_request, SearchSubject};
use support::*;
use tsp::TspClient;

#[tokio::test]
async fn timing() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let devices: Vec<Eui64> = (0..100u64)
        .map(|index| Eui64::from_u64(0x00DB_1234_567A_0000 + index))
        .collect();

    let started = Instant::now();
    client.device_certificates(&devices).await.unwrap();
    let issuance = started.elapsed() / devices.len() as u32;
    let started = Instant::now();
    client.device_certificates(&devices).await.unwrap();
    let known = started.elapsed();

    let address = serve(tsp.repository).await;
    let http = reqwest::Client::new();
    let searches = 200u32;
    let started = Instant::now();
    for index in 0..searches {
        let device = devices[index as usize % devices.len()];
        let response = http
            .post(format!("http://{address}/services/certificatesearch"))
            .body(render_search_request(SearchSubject::SubjectAltName(device)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.unwrap();
    }
    let search = started.elapsed() / searches;
    println!(
        "issued {} devices at {issuance:?} per device; answered them again (known) in {known:?}; \
         HTTP certificate search {search:?} per request (sequential, store of {} devices)",
        devices.len(),
        devices.len()
    );
    assert!(issuance < Duration::from_millis(200));
    assert!(search < Duration::from_millis(200));
}
