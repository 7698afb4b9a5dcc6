//! Registration data files from the RDPs, batch by batch: each record is checked (form, check
//! digits, known DCC users, duplicates in its file) and refused with its reason or applied; a
//! full refresh replaces the RDP's file data when its last batch arrives, a daily update applies
//! as it comes. Batches are numbered per transmission and idempotent: one sent again (its
//! acknowledgement was lost) is acknowledged again with the same refusals and not applied twice,
//! so a transmission that broke off resumes where it stopped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dcc_model::{Eui64, UserRole};
use dcc_proto::registration::{
    FileKind as WireFileKind, Fuel as WireFuel, RefusedLine, RegistrationBatch,
    RegistrationBatchAccepted,
};
use rdp::registration_file::{KnownParties, MeterPointStatus, RegistrationRecord, Validator};
use rustc_hash::FxHashMap;
use tonic::Status;
use tracing::info;

use crate::inventory::{Registration, RegistrationHistory};
use crate::Shared;

/// Where each RDP's file transmissions stand; each source has its own lock, so the RDPs'
/// batches are checked in parallel.
#[derive(Debug, Default)]
pub(crate) struct Transmissions {
    by_source: HashMap<String, Arc<Mutex<SourceTransmissions>>>,
}

#[derive(Debug, Default)]
struct SourceTransmissions {
    in_flight: Option<InFlight>,
    /// Finished transmissions by id: what each batch gave, for batches sent again.
    completed: HashMap<String, Vec<BatchOutcome>>,
}

#[derive(Debug)]
struct InFlight {
    transmission_id: String,
    full_refresh: bool,
    validator: Validator,
    /// A full refresh's records until its last batch.
    staging: FxHashMap<Eui64, RegistrationHistory>,
    batches: Vec<BatchOutcome>,
}

#[derive(Debug, Clone, Default)]
struct BatchOutcome {
    refused: Vec<RefusedLine>,
    applied: u64,
}

fn acknowledgement(
    outcome: Option<&BatchOutcome>,
    next_batch_number: u64,
    complete: bool,
) -> RegistrationBatchAccepted {
    let outcome = outcome.cloned().unwrap_or_default();
    RegistrationBatchAccepted {
        next_batch_number,
        refused: outcome.refused,
        applied: outcome.applied,
        complete,
    }
}

/// The DCC users registration records may name, by role.
fn known_parties(shared: &Shared) -> KnownParties {
    let mut parties = KnownParties::default();
    for user in shared.users.values() {
        for role in &user.roles {
            let set = match role {
                UserRole::ImportSupplier | UserRole::ExportSupplier | UserRole::GasSupplier => {
                    &mut parties.suppliers
                }
                UserRole::ElectricityDistributor | UserRole::GasTransporter => {
                    &mut parties.network_operators
                }
                UserRole::RegisteredSupplierAgent => &mut parties.supplier_agents,
                UserRole::OtherUser => continue,
            };
            set.insert(user.id);
        }
    }
    parties
}

fn registration_of(record: RegistrationRecord) -> (Eui64, Registration) {
    (
        record.device_id,
        Registration {
            meter_point_reference: record.meter_point_reference,
            supplier: record.supplier,
            network_operator: record.network_operator,
            supplier_agent: record.supplier_agent,
            effective_from_ms: record.effective_from_ms,
            disconnected: record.status == MeterPointStatus::Disconnected,
        },
    )
}

/// The records a source's registration data amounts to, one line per meter and registration
/// in the file format, sorted: what `GET /admin/registrations/{source}` shows.
pub(crate) fn registration_lines(shared: &Shared, source: &str) -> Option<Vec<String>> {
    let inventory = shared.inventory();
    let histories = inventory.registration_histories(source)?;
    let mut lines: Vec<String> = histories
        .iter()
        .flat_map(|(device, history)| {
            history.iter().map(|registration| {
                RegistrationRecord {
                    meter_point_reference: registration.meter_point_reference.clone(),
                    device_id: *device,
                    supplier: registration.supplier,
                    effective_from_ms: registration.effective_from_ms,
                    network_operator: registration.network_operator,
                    supplier_agent: registration.supplier_agent,
                    status: if registration.disconnected {
                        MeterPointStatus::Disconnected
                    } else {
                        MeterPointStatus::Live
                    },
                }
                .line()
            })
        })
        .collect();
    lines.sort();
    Some(lines)
}

/// Takes one batch of a registration data file.
pub(crate) fn accept_batch(
    shared: &Shared,
    batch: RegistrationBatch,
) -> Result<RegistrationBatchAccepted, Status> {
    if batch.registration_data_provider.is_empty() {
        return Err(Status::invalid_argument(
            "field registration_data_provider: required",
        ));
    }
    let fuel = match WireFuel::try_from(batch.fuel) {
        Ok(WireFuel::Electricity) => rdp::Fuel::Electricity,
        Ok(WireFuel::Gas) => rdp::Fuel::Gas,
        _ => return Err(Status::invalid_argument("field fuel: electricity or gas")),
    };
    let full_refresh = match WireFileKind::try_from(batch.file_kind) {
        Ok(WireFileKind::FullRefresh) => true,
        Ok(WireFileKind::DailyUpdate) => false,
        _ => {
            return Err(Status::invalid_argument(
                "field file_kind: full refresh or daily update",
            ))
        }
    };
    let source = format!("{}/files", batch.registration_data_provider);
    let source_state = shared
        .registration_transmissions
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .by_source
        .entry(source.clone())
        .or_default()
        .clone();
    let mut state = source_state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let number = batch.batch_number;
    if let Some(batches) = state.completed.get(&batch.transmission_id) {
        return Ok(acknowledgement(
            batches.get(number as usize),
            batches.len() as u64,
            true,
        ));
    }
    let same = state
        .in_flight
        .as_ref()
        .is_some_and(|in_flight| in_flight.transmission_id == batch.transmission_id);
    if !same {
        if number != 0 {
            return Err(Status::failed_precondition(format!(
                "transmission {} is not in progress: start it at batch 0",
                batch.transmission_id
            )));
        }
        state.in_flight = Some(InFlight {
            transmission_id: batch.transmission_id.clone(),
            full_refresh,
            validator: Validator::new(fuel, known_parties(shared)),
            staging: FxHashMap::default(),
            batches: Vec::new(),
        });
    }
    let Some(in_flight) = state.in_flight.as_mut() else {
        return Err(Status::internal("no transmission in progress"));
    };
    let expected = in_flight.batches.len() as u64;
    if number < expected {
        return Ok(acknowledgement(
            in_flight.batches.get(number as usize),
            expected,
            false,
        ));
    }
    if number > expected {
        return Err(Status::failed_precondition(format!(
            "transmission {}: expected batch {expected}, got {number}",
            batch.transmission_id
        )));
    }
    let mut outcome = BatchOutcome::default();
    let mut updates = Vec::new();
    for line in batch.lines {
        match in_flight.validator.check(line.line_number, &line.text) {
            Ok(record) => {
                outcome.applied += 1;
                let (device, registration) = registration_of(record);
                if in_flight.full_refresh {
                    in_flight
                        .staging
                        .entry(device)
                        .or_default()
                        .push(registration);
                } else {
                    updates.push((device, registration));
                }
            }
            Err(error) => outcome.refused.push(RefusedLine {
                line_number: line.line_number,
                code: error.code().to_owned(),
                reason: error.to_string(),
                text: line.text,
            }),
        }
    }
    if !updates.is_empty() {
        let mut inventory = shared.inventory();
        for (device, registration) in updates {
            inventory.add_registration(&source, device, registration);
        }
    }
    in_flight.batches.push(outcome.clone());
    let next = in_flight.batches.len() as u64;
    if !batch.last {
        return Ok(acknowledgement(Some(&outcome), next, false));
    }
    let Some(finished) = state.in_flight.take() else {
        return Err(Status::internal("no transmission in progress"));
    };
    let applied: u64 = finished.batches.iter().map(|outcome| outcome.applied).sum();
    let refused: usize = finished
        .batches
        .iter()
        .map(|outcome| outcome.refused.len())
        .sum();
    if finished.full_refresh {
        shared
            .inventory()
            .replace_registration_histories(&source, finished.staging);
        shared.readiness.registrations_received(&source);
    }
    info!(rdp = %source, transmission = %finished.transmission_id, applied, refused, "registration file applied");
    state
        .completed
        .insert(finished.transmission_id, finished.batches);
    Ok(acknowledgement(Some(&outcome), next, true))
}
