//! The catalogue of GBCS alert codes, the one table of alert facts: each code's name, the
//! device types that raise it, the GBCS message code its alert travels under (and so whether
//! it is critical: device-signed, or MACed), the remote party it goes to, and what it carries
//! after its code and time (and whether any of that is encrypted).
//!
//! An alert with nothing to carry but its code and time is a GBCS generic alert: critical
//! (message code `0x1000`, signed by the device) when its code is `0x8Fxx`, else non-critical
//! (`0x1001`, MACed). The others travel under the message code of their use case (ECS68,
//! ECS80, CS14, the Sub GHz alerts DBCH06–DBCH11 …), whose protection the use case catalogue
//! ([`crate::catalogue`]) gives. A code raised by several kinds of device with different
//! carriers has one row per carrier.

use dcc_model::DeviceType;

use super::AlertCode;
use crate::catalogue::{self as use_cases, Protection};
use crate::envelope::MessageCode;

/// The remote party an alert goes to: the party holding that role's trust anchor in the
/// device (a device holding none sends to the Access Control Broker, as a CHF always does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertRecipient {
    Supplier,
    NetworkOperator,
    AccessControlBroker,
}

/// What an alert carries after its code and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertContent {
    /// Nothing more (a generic alert).
    Nothing,
    /// ECS80: when supply was interrupted and when it was restored.
    SupplyOutage,
    /// ECS68 (ESME) and GCS53 (GSME): the billing data log entry just captured, encrypted for
    /// the supplier.
    BillingDataLog,
    /// The meter integrity issue warning: which error the meter found.
    MeterIntegrityIssue,
    /// The firmware distribution receipt: the hash the device calculated over the image.
    FirmwareHash,
    /// ECS100: the message code and counter of the command the device does not support.
    UnsupportedCommand,
    /// ECS101: the auxiliary proportional controller, the period and the level of the limit.
    ApcLimitApplied,
    /// ECS102: the auxiliary proportional controller and its level after the limit.
    ApcLimitEnded,
    /// ECS200: operational data as text.
    OperationalUpdate,
    /// CS14: the CHF device log after a device was added or removed.
    ChfDeviceLog,
    /// DBCH06, DBCH11: the device the Sub GHz alert is about.
    SubGhzDevice,
    /// DBCH07: the Sub GHz channel now in use.
    SubGhzChannel,
    /// DBCH08: the outcome of a Sub GHz channel scan request.
    SubGhzScanOutcome,
    /// DBCH09: the Sub GHz configuration now in force.
    SubGhzConfiguration,
    /// DBCH10: the message the CHF discarded.
    DiscardedMessage,
    /// CS09: the firmware version the device runs and whether the image activated.
    FirmwareVersion,
    /// CCS08: the device a firmware image was transferred to, its version and the outcome.
    FirmwareTransfer,
    /// GCS62: the GPF's device log, backed up at the DCC.
    GpfDeviceLog,
    /// The future-dated command the device executed (or failed to): its message code,
    /// counter and what it changed.
    FutureDatedExecution,
}

impl AlertContent {
    /// Whether any of the content is encrypted for the recipient.
    pub fn is_encrypted(self) -> bool {
        self == Self::BillingDataLog
    }
}

/// One alert code as raised by some device types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlertCodeEntry {
    pub code: AlertCode,
    /// What the alert says, after GBCS's alert code table.
    pub name: &'static str,
    /// The device types that raise it with this carrier.
    pub device_types: &'static [DeviceType],
    /// The GBCS message code the alert travels under.
    pub message_code: MessageCode,
    pub recipient: AlertRecipient,
    pub content: AlertContent,
}

impl AlertCodeEntry {
    /// Whether a device of this type raises the alert.
    pub fn raised_by(&self, device_type: DeviceType) -> bool {
        self.device_types.contains(&device_type)
    }

    /// The use case the alert travels as.
    pub fn use_case(&self) -> Option<&'static use_cases::MessageCodeEntry> {
        use_cases::entry(self.message_code)
    }

    /// Whether the alert is critical: signed by the device rather than MACed.
    pub fn is_critical(&self) -> bool {
        self.use_case()
            .is_some_and(|entry| entry.protection == Protection::SignedAlert)
    }

    /// Whether any of what it carries is encrypted for the recipient.
    pub fn has_encrypted_content(&self) -> bool {
        self.content.is_encrypted()
    }
}

/// The entry of `code` as raised by `device_type`.
pub fn entry(code: AlertCode, device_type: DeviceType) -> Option<&'static AlertCodeEntry> {
    ALERT_CODES
        .iter()
        .find(|entry| entry.code == code && entry.raised_by(device_type))
}

/// Every row of `code` (one per carrier).
pub fn entries(code: AlertCode) -> impl Iterator<Item = &'static AlertCodeEntry> {
    ALERT_CODES.iter().filter(move |entry| entry.code == code)
}

/// The name of `code`, if GBCS defines it.
pub fn name(code: AlertCode) -> Option<&'static str> {
    entries(code).next().map(|entry| entry.name)
}

/// The device types that raise `code` (empty for a code GBCS does not define).
pub fn device_types(code: AlertCode) -> Vec<DeviceType> {
    let mut types: Vec<DeviceType> = entries(code)
        .flat_map(|entry| entry.device_types.iter().copied())
        .collect();
    types.dedup();
    types
}

/// The generic critical alert (code and time only, device-signed).
pub const GENERIC_CRITICAL: MessageCode = MessageCode(0x1000);
/// The generic non-critical alert (code and time only, MACed).
pub const GENERIC_NON_CRITICAL: MessageCode = MessageCode(0x1001);

use AlertContent::*;
use AlertRecipient::{AccessControlBroker as Acb, NetworkOperator as No, Supplier as Sup};
use DeviceType::{
    CommunicationsHubFunction as Chf, ElectricitySmartMeter as Esme, GasProxyFunction as Gpf,
    GasSmartMeter as Gsme, HanConnectedAuxiliaryLoadControlSwitch as Hcalcs,
    PrepaymentInterfaceDevice as Ppmid,
};

const ESME: &[DeviceType] = &[Esme];
const GSME: &[DeviceType] = &[Gsme];
const CHF: &[DeviceType] = &[Chf];
const GPF: &[DeviceType] = &[Gpf];
const METERS: &[DeviceType] = &[Esme, Gsme];
const METERS_AND_CHF: &[DeviceType] = &[Esme, Gsme, Chf];
/// Every device that answers GBCS commands over the SM WAN.
const ALL: &[DeviceType] = &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs];

const fn alert(
    code: u16,
    name: &'static str,
    device_types: &'static [DeviceType],
    message_code: MessageCode,
    recipient: AlertRecipient,
    content: AlertContent,
) -> AlertCodeEntry {
    AlertCodeEntry {
        code: AlertCode(code),
        name,
        device_types,
        message_code,
        recipient,
        content,
    }
}

/// A generic alert: critical (`0x8Fxx`, signed) or not (MACed), by its code.
const fn generic(
    code: u16,
    name: &'static str,
    device_types: &'static [DeviceType],
    recipient: AlertRecipient,
) -> AlertCodeEntry {
    let message_code = if code >> 8 == 0x8F {
        GENERIC_CRITICAL
    } else {
        GENERIC_NON_CRITICAL
    };
    alert(code, name, device_types, message_code, recipient, Nothing)
}

const fn carried(code: u16) -> MessageCode {
    MessageCode(code)
}

/// Every GBCS alert code a device raises, in code order.
#[rustfmt::skip]
pub const ALERT_CODES: &[AlertCodeEntry] = &[
    // Quality of supply: voltage and current (ESME, to the network operator).
    generic(0x8002, "Average RMS voltage rose above the average RMS over voltage threshold", ESME, No),
    generic(0x8003, "Average RMS voltage rose above the average RMS over voltage threshold on phase 1", ESME, No),
    generic(0x8004, "Average RMS voltage rose above the average RMS over voltage threshold on phase 2", ESME, No),
    generic(0x8005, "Average RMS voltage rose above the average RMS over voltage threshold on phase 3", ESME, No),
    generic(0x8006, "Average RMS voltage fell below the average RMS under voltage threshold", ESME, No),
    generic(0x8007, "Average RMS voltage fell below the average RMS under voltage threshold on phase 1", ESME, No),
    generic(0x8008, "Average RMS voltage fell below the average RMS under voltage threshold on phase 2", ESME, No),
    generic(0x8009, "Average RMS voltage fell below the average RMS under voltage threshold on phase 3", ESME, No),
    generic(0x8010, "Over current", ESME, No),
    generic(0x8011, "Over current on phase 1", ESME, No),
    generic(0x8013, "Over current on phase 3", ESME, No),
    generic(0x8014, "Power factor below its threshold", ESME, No),
    generic(0x8015, "Power factor back within its threshold", ESME, No),
    generic(0x8016, "Over current on phase 2", ESME, No),
    generic(0x8020, "RMS voltage above the extreme over voltage threshold for longer than its period", ESME, No),
    generic(0x8021, "RMS voltage above the extreme over voltage threshold on phase 1 for longer than its period", ESME, No),
    generic(0x8022, "RMS voltage above the extreme over voltage threshold on phase 2 for longer than its period", ESME, No),
    generic(0x8023, "RMS voltage above the extreme over voltage threshold on phase 3 for longer than its period", ESME, No),
    generic(0x8024, "RMS voltage above the voltage swell threshold for longer than its period", ESME, No),
    generic(0x8025, "RMS voltage above the voltage swell threshold on phase 1 for longer than its period", ESME, No),
    generic(0x8026, "RMS voltage above the voltage swell threshold on phase 2 for longer than its period", ESME, No),
    generic(0x8027, "RMS voltage above the voltage swell threshold on phase 3 for longer than its period", ESME, No),
    generic(0x8028, "RMS voltage below the extreme under voltage threshold for longer than its period", ESME, No),
    generic(0x8029, "RMS voltage below the extreme under voltage threshold on phase 1 for longer than its period", ESME, No),
    generic(0x802A, "RMS voltage below the extreme under voltage threshold on phase 2 for longer than its period", ESME, No),
    generic(0x802B, "RMS voltage below the extreme under voltage threshold on phase 3 for longer than its period", ESME, No),
    generic(0x802C, "RMS voltage below the voltage sag threshold for longer than its period", ESME, No),
    generic(0x802D, "RMS voltage below the voltage sag threshold on phase 1 for longer than its period", ESME, No),
    generic(0x802E, "RMS voltage below the voltage sag threshold on phase 2 for longer than its period", ESME, No),
    generic(0x802F, "RMS voltage below the voltage sag threshold on phase 3 for longer than its period", ESME, No),
    // The GPF's device log changed: its backup goes to the DCC (GCS62).
    alert(0x8071, "GPF device log changed", GPF, carried(0x00B2), Acb, GpfDeviceLog),
    generic(0x8085, "Average RMS voltage fell back below the average RMS over voltage threshold", ESME, No),
    generic(0x8086, "Average RMS voltage fell back below the average RMS over voltage threshold on phase 1", ESME, No),
    generic(0x8087, "Average RMS voltage fell back below the average RMS over voltage threshold on phase 2", ESME, No),
    generic(0x8088, "Average RMS voltage fell back below the average RMS over voltage threshold on phase 3", ESME, No),
    generic(0x8089, "Average RMS voltage rose back above the average RMS under voltage threshold", ESME, No),
    generic(0x808A, "Average RMS voltage rose back above the average RMS under voltage threshold on phase 1", ESME, No),
    generic(0x808B, "Average RMS voltage rose back above the average RMS under voltage threshold on phase 2", ESME, No),
    generic(0x808C, "Average RMS voltage rose back above the average RMS under voltage threshold on phase 3", ESME, No),
    generic(0x808D, "RMS voltage back below the extreme over voltage threshold for longer than its period", ESME, No),
    generic(0x808E, "RMS voltage back below the extreme over voltage threshold on phase 1 for longer than its period", ESME, No),
    generic(0x808F, "RMS voltage back below the extreme over voltage threshold on phase 2 for longer than its period", ESME, No),
    generic(0x8090, "RMS voltage back below the extreme over voltage threshold on phase 3 for longer than its period", ESME, No),
    generic(0x8091, "RMS voltage back below the voltage swell threshold for longer than its period", ESME, No),
    generic(0x8092, "RMS voltage back below the voltage swell threshold on phase 1 for longer than its period", ESME, No),
    generic(0x8093, "RMS voltage back below the voltage swell threshold on phase 2 for longer than its period", ESME, No),
    generic(0x8094, "RMS voltage back below the voltage swell threshold on phase 3 for longer than its period", ESME, No),
    generic(0x8095, "RMS voltage back above the extreme under voltage threshold for longer than its period", ESME, No),
    generic(0x8096, "RMS voltage back above the extreme under voltage threshold on phase 1 for longer than its period", ESME, No),
    generic(0x8097, "RMS voltage back above the extreme under voltage threshold on phase 2 for longer than its period", ESME, No),
    generic(0x8098, "RMS voltage back above the extreme under voltage threshold on phase 3 for longer than its period", ESME, No),
    generic(0x8099, "RMS voltage back above the voltage sag threshold for longer than its period", ESME, No),
    generic(0x809A, "RMS voltage back above the voltage sag threshold on phase 1 for longer than its period", ESME, No),
    generic(0x809B, "RMS voltage back above the voltage sag threshold on phase 2 for longer than its period", ESME, No),
    generic(0x809C, "RMS voltage back above the voltage sag threshold on phase 3 for longer than its period", ESME, No),
    // Non-critical meter alerts (to the supplier).
    generic(0x810D, "Combined credit below the low credit threshold (prepayment mode)", METERS, Sup),
    generic(0x810E, "Credit added locally", METERS, Sup),
    generic(0x8119, "Emergency credit has become available (prepayment mode)", METERS, Sup),
    generic(0x8145, "Clock adjusted (within tolerance)", METERS, Sup),
    generic(0x8154, "Immediate HAN interface command received and actioned", METERS, Sup),
    generic(0x8155, "Immediate HAN interface command received but not actioned", METERS, Sup),
    generic(0x8161, "User interface command input and actioned", METERS, Sup),
    generic(0x8162, "User interface command input but not actioned", METERS, Sup),
    generic(0x8168, "Supply disabled then armed: emergency credit activation triggered", METERS, Sup),
    generic(0x8184, "Valve tested", GSME, Sup),
    generic(0x819D, "GSME command not retrieved", GPF, Sup),
    generic(0x819E, "Tap off message response or alert failed", GPF, Sup),
    alert(0x81A0, "Smart meter integrity issue: warning", ESME, carried(0x00F0), Sup, MeterIntegrityIssue),
    alert(0x81A0, "Smart meter integrity issue: warning", GSME, carried(0x00F2), Sup, MeterIntegrityIssue),
    generic(0x81A1, "Battery cover closed", GSME, Sup),
    generic(0x81A2, "Communications hub connected to the ESME", ESME, Sup),
    generic(0x81A3, "Communications hub disconnected from the ESME", ESME, Sup),
    generic(0x81A4, "Close tunnel command rejected", GSME, Sup),
    generic(0x81A5, "Communication from the local port (e.g. optical)", METERS, Sup),
    generic(0x81A6, "Customer acknowledged a message on a HAN device", METERS, Sup),
    generic(0x81A7, "Debt collection completed: time debt 1", METERS, Sup),
    generic(0x81A8, "Debt collection completed: time debt 2", METERS, Sup),
    generic(0x81A9, "Debt collection completed: payment debt", METERS, Sup),
    generic(0x81AA, "Emergency credit exhausted", METERS, Sup),
    generic(0x81AB, "Emergency credit activated", METERS, Sup),
    generic(0x81AC, "Error: measurement fault", METERS, Sup),
    generic(0x81AD, "Error: metrology firmware verification failure", METERS, Sup),
    generic(0x81AE, "Error: non-volatile memory", METERS, Sup),
    generic(0x81AF, "Error: program execution", METERS, Sup),
    generic(0x81B0, "Error: program storage", METERS, Sup),
    generic(0x81B1, "Error: RAM", METERS, Sup),
    generic(0x81B2, "Error: unexpected hardware reset", METERS, Sup),
    generic(0x81B3, "Error: watchdog", METERS, Sup),
    generic(0x81B4, "Excess gas flow beyond the meter's capacity", GSME, Sup),
    generic(0x81B5, "Flow sensor detects air in the gas flow", GSME, Sup),
    generic(0x81B6, "Flow sensor detects reverse flow of gas", GSME, Sup),
    generic(0x81B7, "Incorrect phase sequencing", ESME, Sup),
    generic(0x81B8, "Incorrect polarity", ESME, Sup),
    generic(0x81B9, "Meter cover closed", METERS, Sup),
    generic(0x81BA, "Request tunnel command rejected", GSME, Sup),
    generic(0x81BB, "Reverse current", ESME, Sup),
    generic(0x81BC, "Strong magnetic field removed", METERS, Sup),
    generic(0x81BD, "Supply connect failure (valve or load switch)", METERS, Sup),
    generic(0x81BE, "Supply disabled then locked: supply tamper state", METERS, Sup),
    generic(0x81BF, "Supply disabled then armed: uncontrolled gas flow rate", GSME, Sup),
    generic(0x81C0, "Supply disconnect failure (valve or load switch)", METERS, Sup),
    generic(0x81C1, "Terminal cover closed", ESME, Sup),
    generic(0x81C2, "Tilt tamper ended", GSME, Sup),
    generic(0x81C3, "Tilt tamper", GSME, Sup),
    generic(0x81C4, "UTRN manual entry suspended", METERS, Sup),
    generic(0x81C5, "UTRN rejected as locked out", METERS, Sup),
    generic(0x81C6, "Clock not adjusted (outside tolerance)", METERS, Sup),
    // Critical alerts (device-signed).
    generic(0x8F01, "Active power import above the load limit threshold", ESME, Sup),
    alert(0x8F0A, "Billing data log updated", ESME, carried(0x0061), Sup, BillingDataLog),
    alert(0x8F0A, "Billing data log updated", GSME, carried(0x008B), Sup, BillingDataLog),
    generic(0x8F0C, "Clock not adjusted (adjustment greater than 10 seconds)", METERS, Sup),
    generic(0x8F0F, "Credit below the disablement threshold (prepayment mode)", METERS, Sup),
    alert(0x8F12, "CHF device log changed", CHF, carried(0x0018), Acb, ChfDeviceLog),
    generic(0x8F1B, "Firmware verification failed at power on", ALL, Sup),
    generic(0x8F1C, "Firmware verification failed", ALL, Sup),
    generic(0x8F1D, "GSME power supply loss", GSME, Sup),
    generic(0x8F1E, "Integrity check of the content or format of a command failed", ALL, Sup),
    generic(0x8F1F, "Low battery capacity", GSME, Sup),
    // The CHF's Sub GHz duty cycle and channel management (to the DCC).
    alert(0x8F20, "Limited duty cycle action taken", CHF, carried(0x0110), Acb, SubGhzDevice),
    generic(0x8F21, "Duty cycle fell below the normal-limited duty cycle threshold", CHF, Acb),
    generic(0x8F22, "Critical duty cycle action taken", CHF, Acb),
    generic(0x8F23, "Duty cycle fell below the limited-critical duty cycle threshold", CHF, Acb),
    generic(0x8F24, "Regulated duty cycle action taken", CHF, Acb),
    generic(0x8F25, "Duty cycle fell below the critical-regulated duty cycle threshold", CHF, Acb),
    alert(0x8F26, "Sub GHz channel changed", CHF, carried(0x0111), Acb, SubGhzChannel),
    generic(0x8F27, "Sub GHz channel scan initiated", CHF, Acb),
    alert(0x8F28, "Sub GHz channel scan request assessment outcome", CHF, carried(0x0112), Acb, SubGhzScanOutcome),
    generic(0x8F29, "Three lost GSME searches failed", GPF, Acb),
    alert(0x8F2A, "Sub GHz configuration changed", CHF, carried(0x0113), Acb, SubGhzConfiguration),
    generic(0x8F2B, "Sub GHz channel not changed because of the frequency agility parameters", CHF, Acb),
    alert(0x8F2C, "Message discarded by duty cycle management", CHF, carried(0x0114), Acb, DiscardedMessage),
    alert(0x8F2D, "No more Sub GHz device capacity", CHF, carried(0x0115), Acb, SubGhzDevice),
    generic(0x8F30, "Source does not have authority for the command", ALL, Sup),
    generic(0x8F32, "Supply armed", METERS, Sup),
    generic(0x8F33, "Supply disabled then armed: load limit triggered", ESME, Sup),
    generic(0x8F34, "Supply enabled after the load limit restoration period", ESME, Sup),
    // Supply outages (ESME, to the network operator).
    generic(0x8F35, "Supply outage restored", ESME, No),
    alert(0x8F36, "Supply outage restored after an outage of 3 minutes or more", ESME, carried(0x0067), No, SupplyOutage),
    generic(0x8F37, "Supply outage restored on phase 1", ESME, No),
    alert(0x8F38, "Supply outage restored on phase 1 after an outage of 3 minutes or more", ESME, carried(0x0067), No, SupplyOutage),
    generic(0x8F39, "Supply outage restored on phase 2", ESME, No),
    alert(0x8F3A, "Supply outage restored on phase 2 after an outage of 3 minutes or more", ESME, carried(0x0067), No, SupplyOutage),
    generic(0x8F3B, "Supply outage restored on phase 3", ESME, No),
    alert(0x8F3C, "Supply outage restored on phase 3 after an outage of 3 minutes or more", ESME, carried(0x0067), No, SupplyOutage),
    // Security.
    generic(0x8F3D, "Trusted source authentication failure", ALL, Sup),
    generic(0x8F3E, "Unauthorised communication access attempted", ALL, Sup),
    generic(0x8F3F, "Unauthorised physical access: tamper detected", METERS_AND_CHF, Sup),
    generic(0x8F43, "Change in the executing firmware version", ALL, Sup),
    generic(0x8F47, "Credit would take the meter balance above the maximum meter balance threshold", METERS, Sup),
    generic(0x8F48, "Device joining failed", ALL, Sup),
    generic(0x8F49, "Device joining succeeded", ALL, Sup),
    generic(0x8F4A, "Device unjoining failed", ALL, Sup),
    generic(0x8F4B, "Device unjoining succeeded", ALL, Sup),
    generic(0x8F4C, "Replacement of the device's own digital signing certificate failed", ALL, Sup),
    generic(0x8F4D, "Replacement of the device's own digital signing certificate succeeded", ALL, Sup),
    generic(0x8F4E, "Replacement of the device's own key agreement certificate failed", ALL, Sup),
    generic(0x8F4F, "Replacement of the device's own key agreement certificate succeeded", ALL, Sup),
    generic(0x8F51, "Duplicate UTRN entered", METERS, Sup),
    generic(0x8F52, "Event log cleared", ALL, Sup),
    generic(0x8F53, "Failed authentication or authorisation not covered by other codes", ALL, Sup),
    generic(0x8F57, "Supply interrupted", ESME, No),
    generic(0x8F58, "Supply interrupted on phase 1", ESME, No),
    generic(0x8F59, "Supply interrupted on phase 2", ESME, No),
    generic(0x8F5A, "Supply interrupted on phase 3", ESME, No),
    generic(0x8F5B, "UTRN exceeds the maximum credit threshold", METERS, Sup),
    generic(0x8F60, "Unusual numbers of malformed, out-of-order or unexpected commands received", ALL, Sup),
    generic(0x8F63, "UTRN not authentic", METERS, Sup),
    generic(0x8F64, "UTRN not for this device", METERS, Sup),
    // Future-dated commands executed (DUIS FutureDatedDeviceAlertMessage).
    alert(0x8F66, "Future-dated HAN interface command actioned", &[Esme, Hcalcs], carried(0x00CC), Sup, FutureDatedExecution),
    alert(0x8F66, "Future-dated HAN interface command actioned", GSME, carried(0x00CD), Sup, FutureDatedExecution),
    alert(0x8F67, "Future-dated HAN interface command not actioned", &[Esme, Hcalcs], carried(0x00CC), Sup, FutureDatedExecution),
    alert(0x8F67, "Future-dated HAN interface command not actioned", GSME, carried(0x00CD), Sup, FutureDatedExecution),
    generic(0x8F69, "Device commissioned", METERS, Sup),
    generic(0x8F70, "Security credentials updated", ALL, Sup),
    alert(0x8F72, "Firmware verification succeeded", ESME, carried(0x00CE), Sup, FirmwareHash),
    alert(0x8F72, "Firmware verification succeeded", GSME, carried(0x00CF), Sup, FirmwareHash),
    generic(0x8F73, "Unauthorised physical access: battery cover removed", GSME, Sup),
    generic(0x8F74, "Unauthorised physical access: meter cover removed", METERS, Sup),
    generic(0x8F75, "Unauthorised physical access: strong magnetic field", METERS, Sup),
    generic(0x8F76, "Unauthorised physical access: terminal cover removed", ESME, Sup),
    generic(0x8F77, "Unauthorised physical access: second terminal cover removed", ESME, Sup),
    generic(0x8F78, "Unauthorised physical access: other", METERS, Sup),
    generic(0x8F82, "Remaining battery capacity reset", GSME, Sup),
    generic(0x8F83, "Disablement of supply for insufficient credit suspended", METERS, Sup),
    // Auxiliary proportional controllers and load controllers (ESME, HCALCS).
    alert(0x8F85, "Command not supported by the device", &[Esme, Hcalcs], carried(0x0120), Sup, UnsupportedCommand),
    alert(0x8F86, "Limit APC level command processed", ESME, carried(0x0121), Sup, ApcLimitApplied),
    alert(0x8F87, "Limit APC level ended or cancelled", &[Esme, Hcalcs], carried(0x0122), Sup, ApcLimitEnded),
    alert(0x8F88, "Operational update", ESME, carried(0x0123), Sup, OperationalUpdate),
    // Firmware distribution over the HAN.
    alert(0x8F89, "Firmware transfer failed", CHF, carried(0x0128), Acb, FirmwareTransfer),
    alert(0x8F8A, "Firmware transfer succeeded", CHF, carried(0x0128), Acb, FirmwareTransfer),
    alert(0x8F8B, "Firmware version read", &[Ppmid], carried(0x012B), Acb, FirmwareVersion),
];
