//! DCC alerts: what the DSP itself notices and tells users (`DCCAlertMessage`), signed and
//! delivered like responses.
//!
//! DUIS lists the codes (`AD1`, `N1`–`N65`) without public meanings. dccsim numbers the alerts
//! it raises by the position of their element in the XSD's `DCCAlert` choice (PowerOutageEvent
//! N1, DeviceStatusChangeEvent N2, DSPScheduleRemoval N3, CommandFailure N4,
//! FirmwareDistributionFailure N5), so a code always names one kind of alert.

use dcc_model::{Eui64, RequestId, ResponseCode};
use duis::{BodyElement, ResponseBody};

use crate::answers::{sign_response, Owed};
use crate::store::{Batch, StoreError};
use crate::Shared;

/// A device status change, as a `DeviceStatusChange` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StatusChange {
    /// A meter left service (8.3): its MPxN.
    MeterDecommissioningOrWithdrawal { import_mpxn: String },
    /// A device deleted from the inventory (8.4 DeleteDevice).
    RemovedFromInventory,
    /// A Comms Hub Function decommissioned or withdrawn (8.14.3, 8.14.4).
    CommsHubFunctionDecommissioning,
}

/// An alert the DSP raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DccAlert {
    /// A command the DSP sent got no response in time, or could not be sent.
    CommandFailure {
        request_id: RequestId,
        schedule_id: Option<u64>,
        device: Eui64,
    },
    DeviceStatusChange {
        device: Eui64,
        change: StatusChange,
    },
    /// A DCC schedule the DSP removed (its device left service).
    ScheduleRemoval {
        device: Eui64,
        schedule_id: u64,
    },
    /// Devices an 11.1 or 11.4 image could not be distributed to.
    FirmwareDistributionFailure {
        request_id: RequestId,
        devices: Vec<Eui64>,
    },
}

impl DccAlert {
    /// The DCC alert code dccsim uses for the alert (see the module documentation).
    pub fn code(&self) -> &'static str {
        match self {
            DccAlert::DeviceStatusChange { .. } => "N2",
            DccAlert::ScheduleRemoval { .. } => "N3",
            DccAlert::CommandFailure { .. } => "N4",
            DccAlert::FirmwareDistributionFailure { .. } => "N5",
        }
    }

    /// The request or device the alert is about, for the audit log.
    pub fn reference(&self) -> String {
        match self {
            DccAlert::CommandFailure { request_id, .. }
            | DccAlert::FirmwareDistributionFailure { request_id, .. } => request_id.to_string(),
            DccAlert::DeviceStatusChange { device, .. }
            | DccAlert::ScheduleRemoval { device, .. } => device.to_string(),
        }
    }

    fn device(&self) -> Eui64 {
        match self {
            DccAlert::CommandFailure { device, .. }
            | DccAlert::DeviceStatusChange { device, .. }
            | DccAlert::ScheduleRemoval { device, .. } => *device,
            DccAlert::FirmwareDistributionFailure { devices, .. } => devices
                .first()
                .copied()
                .unwrap_or(dcc_model::DCC_ACCESS_CONTROL_BROKER),
        }
    }

    /// The `DCCAlert` element's child.
    pub fn body(&self) -> BodyElement {
        match self {
            DccAlert::CommandFailure {
                request_id,
                schedule_id,
                device,
            } => {
                let mut children = vec![BodyElement::leaf(
                    "CommandRequestID",
                    request_id.to_string(),
                )];
                if let Some(schedule_id) = schedule_id {
                    children.push(BodyElement::leaf("DSPScheduleID", schedule_id.to_string()));
                }
                children.push(BodyElement::leaf("DeviceID", device.to_string()));
                BodyElement::with_children("CommandFailure", children)
            }
            DccAlert::DeviceStatusChange { device, change } => {
                let change = match change {
                    StatusChange::MeterDecommissioningOrWithdrawal { import_mpxn } => {
                        BodyElement::with_children(
                            "MeterDecommissioningOrWithdrawal",
                            vec![BodyElement::with_children(
                                "MeterDecommissionOrWithdrawal",
                                vec![BodyElement::leaf("ImportMPxN", import_mpxn.clone())],
                            )],
                        )
                    }
                    StatusChange::RemovedFromInventory => {
                        BodyElement::with_children("DeviceRemovedFromInventory", Vec::new())
                    }
                    StatusChange::CommsHubFunctionDecommissioning => {
                        BodyElement::with_children("CHFDecommissioning", Vec::new())
                    }
                };
                BodyElement::with_children(
                    "DeviceStatusChangeEvent",
                    vec![
                        BodyElement::leaf("DeviceID", device.to_string()),
                        BodyElement::with_children("DeviceStatusChange", vec![change]),
                    ],
                )
            }
            DccAlert::ScheduleRemoval {
                device,
                schedule_id,
            } => BodyElement::with_children(
                "DSPScheduleRemoval",
                vec![
                    BodyElement::leaf("DeviceID", device.to_string()),
                    BodyElement::leaf("DSPScheduleID", schedule_id.to_string()),
                ],
            ),
            DccAlert::FirmwareDistributionFailure {
                request_id,
                devices,
            } => {
                let list: Vec<String> = devices.iter().map(Eui64::to_string).collect();
                BodyElement::with_children(
                    "FirmwareDistributionFailure",
                    vec![
                        BodyElement::leaf("UpdateFirmwareRequestID", request_id.to_string()),
                        BodyElement::leaf("MeterIDs", list.join(",")),
                    ],
                )
            }
        }
    }

    /// Signs the alert and queues it for each recipient in `batch`.
    pub fn raise(
        &self,
        shared: &Shared,
        batch: &Batch,
        owed: &mut Owed,
        recipients: &[Eui64],
    ) -> Result<(), StoreError> {
        let reference = self.reference();
        let xml = sign_response(
            shared,
            None,
            ResponseCode::Success,
            None,
            ResponseBody::DccAlert {
                dcc_alert_code: self.code().to_owned(),
                alert: self.body(),
            },
        )
        .map_err(|error| StoreError::Database(format!("cannot sign a DCC alert: {error}")))?;
        let what = format!("DCC alert {} ({})", self.code(), self.body().name);
        let mut sent = Vec::new();
        for recipient in recipients {
            if sent.contains(recipient) {
                continue;
            }
            sent.push(*recipient);
            owed.queue(
                shared,
                batch,
                crate::answers::Document {
                    recipient: *recipient,
                    reference: &reference,
                    device: self.device(),
                    xml: xml.clone(),
                    what: &what,
                    outcome: &ResponseCode::Success,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_bodies_follow_the_schema_order() {
        let request_id = RequestId::new(Eui64::from_u64(1), Eui64::from_u64(2), 3);
        let alert = DccAlert::CommandFailure {
            request_id,
            schedule_id: Some(7),
            device: Eui64::from_u64(2),
        };
        let body = alert.body();
        let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["CommandRequestID", "DSPScheduleID", "DeviceID"]);
        assert_eq!(alert.code(), "N4");
        let codes: Vec<&str> = [
            DccAlert::DeviceStatusChange {
                device: Eui64::from_u64(2),
                change: StatusChange::RemovedFromInventory,
            },
            DccAlert::ScheduleRemoval {
                device: Eui64::from_u64(2),
                schedule_id: 1,
            },
            alert,
            DccAlert::FirmwareDistributionFailure {
                request_id,
                devices: vec![Eui64::from_u64(2)],
            },
        ]
        .iter()
        .map(DccAlert::code)
        .collect();
        assert_eq!(codes, ["N2", "N3", "N4", "N5"]);
    }
}
