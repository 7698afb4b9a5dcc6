//! Cost of the test PKI: generating the default parties with 100 devices, validating a
//! certificate's path and finding a certificate in the store (moved here from a timed test).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dcc_model::Eui64;
use smki::{CertificateStore, TestPki};

const SEED: u64 = 20_240_101;
/// 2030-01-01T00:00:00Z: every dccsim certificate is in use.
const IN_2030: i64 = 1_893_456_000;

fn pki(c: &mut Criterion) {
    let devices: Vec<Eui64> = (0..100u64)
        .map(|index| Eui64::from_u64(0x00DB_1234_5679_0000 + index))
        .collect();
    let mut group = c.benchmark_group("test pki");
    group.sample_size(10);
    group.bench_function("generate 3 CAs, the parties and 100 devices", |b| {
        b.iter(|| TestPki::default_with_devices(black_box(SEED), &devices).unwrap())
    });
    group.finish();

    let pki = TestPki::default_with_devices(SEED, &devices).unwrap();
    let store = CertificateStore::from_pki(&pki);
    let certificate = &pki.identities()[pki.identities().len() / 2].certificate;
    c.bench_function("validate_path of a device certificate", |b| {
        b.iter(|| {
            store
                .validate_path(black_box(certificate), IN_2030)
                .unwrap()
        })
    });
    let (subject, usage, role) = (
        certificate.subject_id().unwrap(),
        certificate.key_usage().unwrap(),
        certificate.role(),
    );
    c.bench_function("find in a store of 100 devices and the parties", |b| {
        b.iter(|| store.find(black_box(subject), usage, role).len())
    });
}

criterion_group!(benches, pki);
criterion_main!(benches);
