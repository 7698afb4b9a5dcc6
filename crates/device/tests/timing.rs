//! How long the engine takes per command (printed; run with `--nocapture` to see).

mod support;

use std::time::Instant;

use dcc_model::DeviceType;
use device::{Device, DeviceState};
use gbcs::use_case::{ecs17b, ecs42, gcs13a};
use support::*;

const ROUNDS: u64 = 200;

fn time_per_command(device: &mut Device, build: impl Fn(u64) -> Vec<u8>) -> f64 {
    let commands: Vec<Vec<u8>> = (1..=ROUNDS).map(&build).collect();
    let started = Instant::now();
    for command in &commands {
        device.handle_command(command, NOW).unwrap();
    }
    started.elapsed().as_secs_f64() * 1e6 / ROUNDS as f64
}

#[test]
fn timing() {
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let mut gsme = Device::new(&device_config(
        GSME,
        DeviceType::GasSmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let ecs17b = time_per_command(&mut esme, |counter| {
        command(
            ecs17b::MESSAGE_CODE,
            counter,
            SUPPLIER,
            ESME,
            ecs17b::command_payload(counter, SUPPLIER, ESME),
            None,
        )
    });
    let supplier = ds_private(SUPPLIER);
    let ecs42 = time_per_command(&mut esme, |counter| {
        command(
            ecs42::MESSAGE_CODE,
            1_000 + counter,
            SUPPLIER,
            ESME,
            ecs42::command_payload(1_000 + counter),
            Some(&supplier),
        )
    });
    let gcs13a = time_per_command(&mut gsme, |counter| {
        command(
            gcs13a::MESSAGE_CODE,
            counter,
            SUPPLIER,
            GSME,
            gcs13a::command_payload(),
            None,
        )
    });
    println!("handle_command µs/command over {ROUNDS}: ECS17b {ecs17b:.0}, ECS42 (verify + sign) {ecs42:.0}, GCS13a {gcs13a:.0}");
}
