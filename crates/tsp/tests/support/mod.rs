//! Shared helpers of the TSP's integration tests: a TSP over a deterministic PKI, the DCC
//! tooling folder, and an HTTP repository on an ephemeral port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use dcc_model::Eui64;
use smki::{Identity, TestPki};
use tsp::{Tsp, TspConfig};

/// The seed of every test PKI.
pub const SEED: u64 = 42;
/// 2030-01-01T00:00:00Z: every dccsim certificate is in use.
pub const IN_2030: i64 = 1_893_456_000;
/// The test supplier (DCC Boxed's `90-B3-D5-1F-30-01-00-00`).
pub const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
/// The template ESME, generated with the PKI.
pub const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
/// Devices the PKI does not know yet.
pub const NEW_DEVICE: Eui64 = Eui64::from_u64(0x00DB_1234_5679_0001);
pub const OTHER_NEW_DEVICE: Eui64 = Eui64::from_u64(0x00DB_1234_5679_0002);

/// The default parties and the template ESME.
pub fn pki() -> Arc<TestPki> {
    Arc::new(TestPki::default_with_devices(SEED, &[ESME]).unwrap())
}

/// A TSP over [`pki`] answering at [`IN_2030`].
pub fn tsp(api_key: Option<&str>) -> Tsp {
    tsp_with(pki(), Vec::new(), api_key, IN_2030)
}

pub fn tsp_with(
    pki: Arc<TestPki>,
    extra_identities: Vec<Identity>,
    api_key: Option<&str>,
    at_time: i64,
) -> Tsp {
    tsp::new(TspConfig {
        pki,
        extra_identities,
        api_key: api_key.map(str::to_owned),
        at_time,
        fleet: 0,
    })
}

/// Serves `router` on `127.0.0.1:<ephemeral>`; the listener is bound before this returns, so
/// requests can be sent at once.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    address
}

/// DCC Boxed's published ZAZ1 identities from `keystore.json`, when the tooling is there.
pub fn dccboxed_keystore() -> Option<Vec<Identity>> {
    let path = test_support::dcc_tooling(
        "dccboxed-keystore/keystore.json",
        "DCC Boxed's published identities",
    )?;
    let json = std::fs::read_to_string(path).unwrap();
    Some(smki::load_dccboxed_keystore(&json).unwrap())
}
