//! Cost of the per-message cryptography with a cached shared secret.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, SharedSecretCache, SigningKey};
use gbcs::protection;
use gbcs::use_case::{command_apdu, ecs17b};

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

fn crypto(c: &mut Criterion) {
    let acb = KeyAgreementPrivateKey::from_scalar(&[0x11; 32]).unwrap();
    let device = KeyAgreementPrivateKey::from_scalar(&[0x22; 32]).unwrap();
    let cache = SharedSecretCache::new();
    let z = cache.shared_secret(&acb, device.public_key());
    let apdu = command_apdu(
        ecs17b::MESSAGE_CODE,
        0x3E8,
        SUPPLIER,
        ESME,
        ecs17b::command_payload(0x3E8, SUPPLIER, ESME),
    );
    let command = protection::protect_command(&apdu, &z);
    let plaintext = ecs17b::register_plaintext(10, 10);
    let block = protection::encrypt_sensitive_block(&z, ESME, SUPPLIER, 0x3E8, &plaintext);
    let signer = SigningKey::from_scalar(&[0x33; 32]).unwrap();
    let verifier = signer.verifying_key();
    let region = apdu.signed_region();
    let signature = signer.sign(&region).unwrap();

    c.bench_function("ecdh shared secret (uncached)", |b| {
        b.iter(|| black_box(acb.agree(device.public_key())))
    });
    c.bench_function("shared secret cache hit", |b| {
        b.iter(|| black_box(cache.shared_secret(&acb, device.public_key())))
    });
    c.bench_function("protect command (KDF + MAC)", |b| {
        b.iter(|| black_box(protection::protect_command(&apdu, &z)))
    });
    c.bench_function("verify command MAC", |b| {
        b.iter(|| black_box(protection::verify_command(&command, &z, None).is_ok()))
    });
    c.bench_function("encrypt sensitive block", |b| {
        b.iter(|| {
            black_box(protection::encrypt_sensitive_block(
                &z, ESME, SUPPLIER, 0x3E8, &plaintext,
            ))
        })
    });
    c.bench_function("decrypt sensitive block", |b| {
        b.iter(|| {
            black_box(
                protection::decrypt_sensitive_block(&z, ESME, SUPPLIER, 0x3E8, &block).is_ok(),
            )
        })
    });
    c.bench_function("ecdsa sign (ring)", |b| {
        b.iter(|| black_box(signer.sign(&region).is_ok()))
    });
    c.bench_function("ecdsa sign (RFC 6979)", |b| {
        b.iter(|| black_box(signer.sign_deterministic(&region)))
    });
    c.bench_function("ecdsa verify (ring)", |b| {
        b.iter(|| black_box(verifier.verify(&region, &signature)))
    });
}

criterion_group!(benches, crypto);
criterion_main!(benches);
