//! What the engine costs per command (moved here from a test that timed it and asserted
//! nothing): a MAC-protected read with an encrypted register block (ECS17b), a critical
//! command whose supplier signature is verified and whose response is signed (ECS42), and a
//! GBZ read (GCS13a).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dcc_model::DeviceType;
use device::{Device, DeviceState};
use gbcs::use_case::{ecs17b, ecs42, gcs13a};
use support::{command, device_config, ds_private, ESME, GSME, NOW, SUPPLIER};

fn bench_commands(
    c: &mut Criterion,
    name: &str,
    device_id: dcc_model::Eui64,
    device_type: DeviceType,
    build: impl Fn(u64) -> Vec<u8>,
) {
    let mut device = Device::new(&device_config(
        device_id,
        device_type,
        DeviceState::default(),
    ))
    .expect("device");
    // Each command has the next counter (the device refuses one it has seen); building it is
    // not measured.
    let mut counter = 0;
    c.bench_function(name, |b| {
        b.iter_batched(
            || {
                counter += 1;
                build(counter)
            },
            |command| device.handle_command(&command, NOW).expect("answered"),
            BatchSize::SmallInput,
        )
    });
}

fn handle_command(c: &mut Criterion) {
    bench_commands(
        c,
        "ECS17b read (MAC, encrypted block)",
        ESME,
        DeviceType::ElectricitySmartMeter,
        |counter| {
            command(
                ecs17b::MESSAGE_CODE,
                counter,
                SUPPLIER,
                ESME,
                ecs17b::command_payload(counter, SUPPLIER, ESME),
                None,
            )
        },
    );
    let supplier = ds_private(SUPPLIER);
    bench_commands(
        c,
        "ECS42 critical (verify and sign)",
        ESME,
        DeviceType::ElectricitySmartMeter,
        |counter| {
            command(
                ecs42::MESSAGE_CODE,
                counter,
                SUPPLIER,
                ESME,
                ecs42::command_payload(counter),
                Some(&supplier),
            )
        },
    );
    bench_commands(
        c,
        "GCS13a GBZ read",
        GSME,
        DeviceType::GasSmartMeter,
        |counter| {
            command(
                gcs13a::MESSAGE_CODE,
                counter,
                SUPPLIER,
                GSME,
                gcs13a::command_payload(),
                None,
            )
        },
    );
}

criterion_group!(benches, handle_command);
criterion_main!(benches);
