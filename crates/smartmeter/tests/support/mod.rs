//! Shared test helpers: a seeded test PKI, and commands built as the DSP builds them.
#![allow(dead_code)]

use std::sync::OnceLock;

use dcc_model::{DeviceType, Eui64, DCC_ACCESS_CONTROL_BROKER};
use device::{DeviceConfig, DeviceDateTime, DeviceState};
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};
use gbcs::protection;
use gbcs::use_case::command_apdu;
use gbcs::{MessageCode, SharedSecret, SignatureField};
use smki::{KeyUsage, TestPki};

pub const SEED: u64 = 20_240_501;
pub const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
pub const GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A1);
pub const CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);
pub const GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A3);
pub const SUPPLIER: Eui64 = device::TEST_SUPPLIER;
pub const NETWORK_OPERATOR: Eui64 = device::TEST_NETWORK_OPERATOR;
pub const SECOND_SUPPLIER: Eui64 = device::TEST_SECOND_SUPPLIER;
pub const ACB: Eui64 = DCC_ACCESS_CONTROL_BROKER;

pub const NOW: DeviceDateTime = DeviceDateTime {
    year: 2024,
    month: 5,
    day: 1,
    hour: 12,
    minute: 30,
    second: 15,
};

/// One PKI for the whole test binary (generation is deterministic but not free).
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::default_with_devices(SEED, &[ESME, GSME, CHF, GPF]).unwrap())
}

pub fn device_config(device: Eui64, device_type: DeviceType, state: DeviceState) -> DeviceConfig {
    DeviceConfig::from_test_pki(pki(), device, device_type, state).unwrap()
}

fn scalar(party: Eui64, usage: KeyUsage) -> [u8; 32] {
    pki()
        .identity(party, usage, None)
        .and_then(|identity| identity.private_scalar())
        .unwrap()
}

pub fn ka_private(party: Eui64) -> KeyAgreementPrivateKey {
    KeyAgreementPrivateKey::from_scalar(&scalar(party, KeyUsage::KeyAgreement)).unwrap()
}

pub fn ds_private(party: Eui64) -> SigningKey {
    SigningKey::from_scalar(&scalar(party, KeyUsage::DigitalSignature)).unwrap()
}

pub fn ka_public(party: Eui64) -> KeyAgreementPublicKey {
    let identity = pki().identity(party, KeyUsage::KeyAgreement, None).unwrap();
    KeyAgreementPublicKey::from_sec1(&identity.certificate.public_key_sec1()).unwrap()
}

pub fn ds_public(party: Eui64) -> VerifyingKey {
    let identity = pki()
        .identity(party, KeyUsage::DigitalSignature, None)
        .unwrap();
    VerifyingKey::from_sec1(&identity.certificate.public_key_sec1()).unwrap()
}

/// A command as the DSP sends it: MAC keyed by ACB KA × device KA, signed by `signer` if given.
pub fn command(
    message_code: MessageCode,
    counter: u64,
    originator: Eui64,
    device: Eui64,
    payload: Vec<u8>,
    signer: Option<&SigningKey>,
) -> Vec<u8> {
    let mut apdu = command_apdu(message_code, counter, originator, device, payload);
    if let Some(key) = signer {
        let signature = protection::sign_pre_command(&apdu.pre_command(), key).unwrap();
        apdu = apdu.with_signature(SignatureField::Present(signature));
    }
    let z = SharedSecret::compute(&ka_private(ACB), &ka_public(device));
    protection::protect_command(&apdu, &z)
}

/// Z between a user's KA key and a device's, as the user computes it.
pub fn user_secret(user: Eui64, device: Eui64) -> SharedSecret {
    SharedSecret::compute(&ka_private(user), &ka_public(device))
}

/// A mounted party's routes as a transport, so tests call it as its peers would.
#[derive(Clone)]
pub struct MountedRoutes(pub tonic::service::Routes);

impl tonic::server::NamedService for MountedRoutes {
    const NAME: &'static str = "mounted-party";
}

impl tower::Service<http::Request<tonic::body::Body>> for MountedRoutes {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower::Service::<http::Request<tonic::body::Body>>::poll_ready(&mut self.0, cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.call(request))
    }
}

/// Starts a mounted party's background tasks and returns a transport to its routes.
pub fn start(mounted: dcc_proto::service::MountedService) -> dcc_proto::transport::GrpcTransport {
    for task in mounted.tasks {
        tokio::spawn(task);
    }
    dcc_proto::transport::local(MountedRoutes(mounted.routes))
}

/// What a fake peer has received, with a wait that wakes on every arrival (no sleeps).
pub struct Received<T> {
    items: std::sync::Mutex<Vec<T>>,
    arrived: tokio::sync::Notify,
}

impl<T: Clone> Default for Received<T> {
    fn default() -> Self {
        Self {
            items: std::sync::Mutex::new(Vec::new()),
            arrived: tokio::sync::Notify::new(),
        }
    }
}

impl<T: Clone> Received<T> {
    pub fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.arrived.notify_waiters();
    }

    pub fn all(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `condition` holds for what has arrived, and returns it.
    pub async fn wait_until(&self, condition: impl Fn(&[T]) -> bool) -> Vec<T> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let items = self.all();
            if condition(&items) {
                return items;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "condition not met in time; received {} item(s)",
                    items.len()
                );
            }
        }
    }
}
