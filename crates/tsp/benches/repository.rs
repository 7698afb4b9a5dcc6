//! Cost of the TSP: issuing device certificates the PKI did not know, answering for devices it
//! knows, and an HTTP certificate search over loopback (moved here from a timed test).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dcc_model::Eui64;
use smki::repository::{render_search_request, SearchSubject};
use smki::TestPki;
use tsp::{Tsp, TspClient, TspConfig};

/// 2030-01-01T00:00:00Z: every dccsim certificate is in use.
const IN_2030: i64 = 1_893_456_000;

fn tsp(pki: &Arc<TestPki>) -> Tsp {
    tsp::new(TspConfig {
        pki: pki.clone(),
        extra_identities: Vec::new(),
        api_key: None,
        at_time: IN_2030,
        fleet: 0,
    })
}

fn repository(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pki = Arc::new(TestPki::default_for(42).unwrap());
    let devices: Vec<Eui64> = (0..10u64)
        .map(|index| Eui64::from_u64(0x00DB_1234_567A_0000 + index))
        .collect();

    let mut group = c.benchmark_group("tsp");
    group.sample_size(10);
    group.bench_function("issue 10 new devices' certificates", |b| {
        b.iter_batched(
            || TspClient::new(tsp(&pki).local_transport()),
            |client| {
                runtime
                    .block_on(client.device_certificates(&devices))
                    .unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let known = tsp(&pki);
    let client = TspClient::new(known.local_transport());
    runtime
        .block_on(client.device_certificates(&devices))
        .unwrap();
    c.bench_function("10 known devices' certificates", |b| {
        b.iter(|| {
            runtime
                .block_on(client.device_certificates(&devices))
                .unwrap()
        })
    });

    let address = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, known.repository).await.unwrap() });
        address
    });
    let http = reqwest::Client::new();
    let body = render_search_request(SearchSubject::SubjectAltName(devices[0]));
    c.bench_function("HTTP certificate search of a device", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = http
                    .post(format!("http://{address}/services/certificatesearch"))
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 200);
                response.text().await.unwrap()
            })
        })
    });
}

criterion_group!(benches, repository);
criterion_main!(benches);
