//! The cluster-specific ZCL commands of GBCS: what a GSME, GPF or PPMID does with them.

use gbcs::gbz::GbzComponent;
use gbcs::zcl::status;

use crate::engine::{Command, Device};
use crate::fault::FaultTarget;
use crate::zcl_exec::ComponentAnswer;

/// Answers a cluster-specific command component. A command the device has no behaviour for
/// is a publish of data (tariffs, calendars, messages): the device keeps its payload, so the
/// matching reads return it, and acknowledges it with a default response.
pub(crate) fn invoke(
    device: &mut Device,
    command: &Command<'_>,
    component: &GbzComponent,
    payload: &[u8],
) -> Vec<ComponentAnswer> {
    let _ = command;
    let target = FaultTarget::ZclCommand {
        cluster: component.cluster,
        command: component.command_id,
    };
    if let Some(fault) = device.state.faults.iter().find(|fault| fault.on == target) {
        return vec![ComponentAnswer::default_response(
            component.command_id,
            fault.result,
        )];
    }
    device.store.set_published(
        component.cluster,
        component.command_id,
        vec![payload.to_vec()],
    );
    vec![ComponentAnswer::default_response(
        component.command_id,
        status::SUCCESS,
    )]
}
