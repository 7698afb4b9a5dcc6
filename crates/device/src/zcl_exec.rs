//! The generic GBZ handler: answers each ZCL command component of a GBZ payload in order
//! (read and write attributes from the object store; cluster commands by the behaviour of
//! their cluster) with one response component each. Components carrying sensitive data
//! (metering and prepayment data in the use cases whose catalogue entry says so) are
//! encrypted for the requester.

use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::zcl::{
    self, command as general, status, GeneralCommand, ReadAttributeRecord, WriteAttributeStatus,
    ZclValue,
};

use crate::engine::{Command, Device};
use crate::error::DeviceError;
use crate::fault::FaultTarget;
use crate::store::ZclAttribute;

/// What answering one component gave: the response command id, its payload and frame
/// control, before any encryption.
pub(crate) struct ComponentAnswer {
    pub frame_control: u8,
    pub command_id: u8,
    pub payload: Vec<u8>,
}

impl ComponentAnswer {
    /// A ZCL Default Response to a command sent with `command_frame_control`: it travels the
    /// other way (a command the DCC sent as a cluster's server, a publish, is answered as from
    /// the client).
    pub fn default_response(command_frame_control: u8, command_id: u8, status: u8) -> Self {
        Self {
            frame_control: reply_direction(command_frame_control),
            command_id: general::DEFAULT_RESPONSE,
            payload: GeneralCommand::DefaultResponse { command_id, status }.encode(),
        }
    }

    /// Whether the answer says its command failed: a default response with a status other
    /// than success, or than NOT_FOUND (a Get that walked past the end of a log or list), or
    /// a read or write of attributes that failed for one of them.
    pub(crate) fn failed(&self) -> bool {
        if self.frame_control & 0x03 != zcl::FRAME_TYPE_GENERAL {
            return false;
        }
        match GeneralCommand::decode(self.command_id, &self.payload) {
            Ok(GeneralCommand::DefaultResponse { status, .. }) => {
                status != status::SUCCESS && status != status::NOT_FOUND
            }
            Ok(GeneralCommand::ReadAttributesResponse(records)) => records
                .iter()
                .any(|record| record.status != status::SUCCESS),
            Ok(GeneralCommand::WriteAttributesResponse(statuses)) => statuses
                .iter()
                .any(|written| written.status != status::SUCCESS),
            _ => false,
        }
    }

    /// Whether the answer carries data (not a default response).
    fn carries_data(&self) -> bool {
        self.command_id != general::DEFAULT_RESPONSE
            || self.frame_control & 0x03 != zcl::FRAME_TYPE_GENERAL
    }
}

/// The command id of a default response to a general command that failed as a whole.
const NO_COMMAND: u8 = 0xFF;

impl Device {
    /// The status a fault gives ZCL command `command` of `cluster` in component `position`.
    pub(crate) fn zcl_command_fault(
        &self,
        cluster: u16,
        command: u8,
        position: usize,
    ) -> Option<u8> {
        self.state
            .faults
            .iter()
            .find(|fault| fault.on.strikes_zcl_command(cluster, command, position))
            .map(|fault| fault.result)
    }
}

/// The direction bit of an answer to a command sent with `command_frame_control`.
pub(crate) fn reply_direction(command_frame_control: u8) -> u8 {
    match command_frame_control & zcl::DIRECTION_SERVER_TO_CLIENT {
        0 => zcl::DIRECTION_SERVER_TO_CLIENT,
        _ => 0,
    }
}

/// Runs the components of a GBZ command in order; returns the GBZ response payload. A
/// component that fails ends the command: the ones after it are not executed and are each
/// answered with a default response naming no command (FF) with status FAILURE, as GBCS
/// devices do.
pub(crate) fn execute(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let gbz = GbzPayload::parse(command.payload())
        .map_err(|error| DeviceError::Malformed(format!("GBZ payload: {error}")))?;
    let mut components = Vec::with_capacity(gbz.components.len());
    let mut failed = false;
    // The additional header's frame counter numbers the encrypted components of the response
    // from 0, as RTDS's GSME responses number them.
    let mut encrypted_components: u8 = 0;
    for (index, component) in gbz.components.iter().enumerate() {
        let ComponentBody::Plain(payload) = &component.body else {
            return Err(DeviceError::Malformed(
                "an encrypted component in a command".to_owned(),
            ));
        };
        let answers = match failed {
            true => vec![ComponentAnswer::default_response(
                component.frame_control,
                NO_COMMAND,
                status::FAILURE,
            )],
            false => answer_component(device, command, component, index + 1, payload),
        };
        failed = failed || answers.iter().any(ComponentAnswer::failed);
        for mut answer in answers {
            if answer.carries_data() && command.entry.response_disables_default_response() {
                answer.frame_control |= zcl::DISABLE_DEFAULT_RESPONSE;
            }
            let encrypt =
                answer.carries_data() && command.entry.encrypts_gbz_cluster(component.cluster);
            let body = match encrypt {
                true => {
                    let frame_counter = encrypted_components;
                    encrypted_components = encrypted_components.wrapping_add(1);
                    ComponentBody::Encrypted {
                        additional_header: [0, frame_counter],
                        block: device.encrypt_for(command, &answer.payload)?,
                    }
                }
                false => ComponentBody::Plain(answer.payload),
            };
            components.push(GbzComponent {
                control: 0,
                cluster: component.cluster,
                from_date_time: None,
                frame_control: answer.frame_control,
                sequence_number: component.sequence_number,
                command_id: answer.command_id,
                body,
            });
        }
    }
    Ok(GbzPayload { components }.encode())
}

/// The response components of one command component (a log read may answer with several).
fn answer_component(
    device: &mut Device,
    command: &Command<'_>,
    component: &GbzComponent,
    position: usize,
    payload: &[u8],
) -> Vec<ComponentAnswer> {
    let cluster = component.cluster;
    let general_command = component.frame_control & 0x03 == zcl::FRAME_TYPE_GENERAL;
    if !general_command {
        return crate::future_dated::cluster_command(device, command, component, position, payload);
    }
    if let Some(status) = device.zcl_command_fault(cluster, component.command_id, position) {
        // A general command that fails as a whole is answered naming no command (FF), as
        // GBCS devices do.
        return vec![ComponentAnswer::default_response(
            component.frame_control,
            NO_COMMAND,
            status,
        )];
    }
    let request = match GeneralCommand::decode(component.command_id, payload) {
        Ok(request) => request,
        Err(_) => {
            return vec![ComponentAnswer::default_response(
                component.frame_control,
                component.command_id,
                status::MALFORMED_COMMAND,
            )]
        }
    };
    let response = match request {
        GeneralCommand::ReadAttributes(attributes) => GeneralCommand::ReadAttributesResponse(
            attributes
                .iter()
                .map(|attribute| read_record(device, command, cluster, *attribute))
                .collect(),
        ),
        GeneralCommand::WriteAttributes(records) => {
            GeneralCommand::WriteAttributesResponse(write_records(device, cluster, records))
        }
        _ => {
            return vec![ComponentAnswer::default_response(
                component.frame_control,
                component.command_id,
                status::UNSUPPORTED_GENERAL_COMMAND,
            )]
        }
    };
    vec![ComponentAnswer {
        frame_control: zcl::DIRECTION_SERVER_TO_CLIENT,
        command_id: response.command_id(),
        payload: response.encode(),
    }]
}

fn read_record(
    device: &Device,
    command: &Command<'_>,
    cluster: u16,
    attribute: u16,
) -> ReadAttributeRecord {
    let target = ZclAttribute::new(cluster, attribute);
    let target_fault = FaultTarget::ZclAttribute { cluster, attribute };
    let value = match device.state.fault_result(&target_fault) {
        Some(result) => Err(result),
        None => device
            .read_zcl(target, command.now)
            .ok_or(status::UNSUPPORTED_ATTRIBUTE),
    };
    match value {
        Ok(value) => ReadAttributeRecord {
            attribute,
            status: status::SUCCESS,
            value: Some(value),
        },
        Err(status) => ReadAttributeRecord {
            attribute,
            status,
            value: None,
        },
    }
}

fn write_records(
    device: &mut Device,
    cluster: u16,
    records: Vec<(u16, ZclValue)>,
) -> Vec<WriteAttributeStatus> {
    let mut failures = Vec::new();
    for (attribute, value) in records {
        let target = FaultTarget::ZclAttribute { cluster, attribute };
        if let Some(status) = device.state.fault_result(&target) {
            failures.push(WriteAttributeStatus {
                status,
                attribute: Some(attribute),
            });
            continue;
        }
        device
            .store
            .set_zcl(ZclAttribute::new(cluster, attribute), value);
    }
    match failures.is_empty() {
        true => vec![WriteAttributeStatus {
            status: status::SUCCESS,
            attribute: None,
        }],
        false => failures,
    }
}

impl Device {
    /// The value of a ZCL attribute: from the typed state where it owns it, else the store.
    pub(crate) fn read_zcl(
        &self,
        attribute: ZclAttribute,
        now: crate::DeviceDateTime,
    ) -> Option<ZclValue> {
        crate::bindings::read_zcl(self, attribute, now)
            .or_else(|| self.store.zcl(attribute).cloned())
    }
}
