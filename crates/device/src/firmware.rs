//! Firmware: an image distributed to the device (11.1, through its Comms Hub) is held with
//! its manufacturer image hash (SHA-256 of the image) and version, and a meter reports the
//! hash it calculated (alert 8F72, firmware verification succeeded). CS06 Activate Firmware:
//! the device activates the firmware image it holds when the command names that image's
//! manufacturer image hash, now or at a future execution date-time.
//!
//! - Now: the outcome is success (the image's version runs from then), no image held, or a
//!   hash mismatch, with the firmware version running after the command.
//! - Future dated: the activation is accepted (`commandAccepted`) and waits, replacing one
//!   already waiting; the cancellation date-time cancels it. The device executes it when a
//!   later command finds its time passed: running it then is not modelled yet, as with
//!   future-dated credentials updates (the waiting activation is kept and readable).
//! - The payload's originator counter must be the command's own counter.

use dcc_model::DeviceType;
use gbcs::alert::AlertCode;
use gbcs::firmware::{
    ActivateFirmware, ActivateFirmwareResponse, ActivationOutcome, CANCELLATION_DATE_TIME,
};
use gbcs::MessageCode;
use sha2::{Digest, Sha256};

use crate::date_time::DeviceDateTime;
use crate::engine::{Command, Device};
use crate::error::DeviceError;
use crate::fault::FaultTarget;
use crate::future_dated::{Instruction, InstructionKey, PendingInstruction};
use crate::handlers::UseCaseHandler;
use crate::state::HeldFirmwareImage;

/// Firmware verification succeeded (ESME and GSME, carrying the image hash).
const FIRMWARE_VERIFIED: AlertCode = AlertCode(0x8F72);

impl Device {
    /// Takes a firmware image distributed to it: holds it (replacing one held) with its
    /// manufacturer image hash, SHA-256 of the image, and `version`, until CS06 activates it.
    /// A meter reports the hash it calculated (8F72); returns the hash.
    pub fn receive_firmware_image(
        &mut self,
        image: &[u8],
        version: Vec<u8>,
        now: DeviceDateTime,
    ) -> Vec<u8> {
        let hash = Sha256::digest(image).to_vec();
        self.state.firmware_image = Some(HeldFirmwareImage {
            manufacturer_image_hash: hash.clone(),
            firmware_version: version,
        });
        if matches!(
            self.device_type(),
            DeviceType::ElectricitySmartMeter | DeviceType::GasSmartMeter
        ) {
            // Both meter types raise it; a refusal would only mean the catalogue changed.
            let _ = self.raise(FIRMWARE_VERIFIED, self.local_time(now));
        }
        hash
    }
}

/// The octets of a firmware version as 11.1 gives it (up to 8 characters): 8 hex digits are
/// the 4 octets ECS52 reads back (`02000001`); any other text is taken as its characters.
pub fn firmware_version_octets(text: &str) -> Vec<u8> {
    let hex = text.len() == 8 && text.bytes().all(|byte| byte.is_ascii_hexdigit());
    if !hex {
        return text.as_bytes().to_vec();
    }
    (0..4)
        .filter_map(|index| u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok())
        .collect()
}

/// The firmware use cases with a handler of their own.
pub(crate) const HANDLERS: &[UseCaseHandler] = &[UseCaseHandler {
    message_code: MessageCode(0x0012),
    execute: activate_firmware,
}];

fn activate_firmware(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let activation = ActivateFirmware::decode(command.payload())
        .map_err(|error| DeviceError::Malformed(format!("activate firmware: {error}")))?;
    let counter = command.apdu.header.transaction.counter;
    if activation.originator_counter != counter {
        return Err(DeviceError::Malformed(format!(
            "activate firmware: the payload's originator counter {} is not the command's {counter}",
            activation.originator_counter
        )));
    }
    let target = FaultTarget::UseCase {
        message_code: command.entry.message_code.0,
    };
    if let Some(result) = device.state.fault_result(&target) {
        return Ok(outcome(result, device.state.firmware_version.clone()));
    }
    match activation.execution_date_time.as_deref() {
        Some(CANCELLATION_DATE_TIME) => {
            device.cancel_instruction(InstructionKey::FirmwareActivation);
            return Ok(ActivateFirmwareResponse::CommandAccepted.encode());
        }
        Some(time) => {
            let due = gbcs::alert::seconds_of_generalized_time(time).map_err(|error| {
                DeviceError::Malformed(format!("activate firmware: execution date-time: {error}"))
            })?;
            if due > command.now.seconds_since_2000() {
                let header = &command.apdu.header;
                device.hold_instruction(PendingInstruction {
                    due,
                    message_code: header.message_code(),
                    counter,
                    instruction: Instruction::FirmwareActivation {
                        originator: header.originator,
                        activation: Box::new(activation),
                    },
                });
                return Ok(ActivateFirmwareResponse::CommandAccepted.encode());
            }
        }
        None => {}
    }
    let executed = execute_activation(device, &activation);
    Ok(ActivateFirmwareResponse::ExecutionOutcome(executed).encode())
}

/// Activates the image the device holds if it is the one `activation` names (by its
/// manufacturer image hash): the outcome, and the version running after it. A future-dated
/// activation runs this at its execution time.
pub(crate) fn execute_activation(
    device: &mut Device,
    activation: &ActivateFirmware,
) -> ActivationOutcome {
    let state = &mut device.state;
    let code = match &state.firmware_image {
        None => ActivationOutcome::NO_IMAGE_HELD,
        Some(image) if image.manufacturer_image_hash != activation.image_hash => {
            ActivationOutcome::HASH_MISMATCH
        }
        Some(image) => {
            state.firmware_version = image.firmware_version.clone();
            state.firmware_image = None;
            ActivationOutcome::SUCCESS
        }
    };
    ActivationOutcome {
        response_code: code,
        firmware_version: state.firmware_version.clone(),
    }
}

fn outcome(response_code: u8, firmware_version: Vec<u8>) -> Vec<u8> {
    ActivateFirmwareResponse::ExecutionOutcome(ActivationOutcome {
        response_code,
        firmware_version,
    })
    .encode()
}
