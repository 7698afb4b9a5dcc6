//! The catalogue of GBCS message codes, the one table of GBCS use-case facts: every use case's
//! code, name, the DUIS service reference variants that trigger it, how its messages are
//! protected, its payload kind, the device types it addresses (or alerts come from), which
//! remote parties may sign it when it is critical, and whether its response carries a block of
//! sensitive data encrypted for the requester.

use dcc_model::DeviceType;

use crate::envelope::MessageCode;

/// A remote party whose digital signature a device may accept on a critical command: the role
/// of the trust anchor the signature must verify against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signer {
    Supplier,
    NetworkOperator,
    AccessControlBroker,
    TransitionalChangeOfSupplier,
    LoadController,
    Recovery,
    Root,
    WanProvider,
}

/// Whether a use case's response (or alert) carries sensitive data encrypted for its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    SensitiveBlock,
    NoSensitiveBlock,
}

/// How a use case's messages are protected on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protection {
    /// Non-critical command and response: both carry a MAC header.
    MacCommandMacResponse,
    /// Critical command (MAC header and originator's signature) and device-signed response.
    SignedCommandSignedResponse,
    /// Critical alert: device-signed, no MAC header.
    SignedAlert,
    /// Non-critical alert: MAC header.
    MacAlert,
    /// Either form, chosen per message (CS02a, CS02f).
    MacOrSignedCommandAndResponse,
    /// MAC-only command, device-signed response (CS02b ACB by ACB).
    MacCommandSignedResponse,
    /// Signed command without a MAC header, signed response (recovery).
    SignedOnlyCommandSignedResponse,
    /// Only a signed response is defined (contingency).
    SignedResponseOnly,
    /// No protection recorded (HAN-only or unused messages).
    NotSeen,
}

impl Protection {
    /// Whether the command is signed by its originator (a critical command).
    pub fn command_is_signed(self) -> bool {
        matches!(
            self,
            Self::SignedCommandSignedResponse | Self::SignedOnlyCommandSignedResponse
        )
    }

    /// Whether the device signs its response or alert rather than MACing it.
    pub fn response_is_signed(self) -> bool {
        matches!(
            self,
            Self::SignedCommandSignedResponse
                | Self::SignedAlert
                | Self::MacCommandSignedResponse
                | Self::SignedOnlyCommandSignedResponse
                | Self::SignedResponseOnly
        )
    }
}

/// The encoding of a use case's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// DLMS COSEM (ESME, CHF).
    Dlms,
    /// GBZ, ZigBee ZCL inside (GSME, GPF).
    Gbz,
    /// ASN.1 DER (credentials, joins, firmware).
    Asn1,
    /// DLMS or GBZ by device (generic alerts).
    DlmsOrGbz,
    /// Not recorded.
    Unknown,
}

/// One GBCS message code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageCodeEntry {
    pub message_code: MessageCode,
    /// The use-case name as GBCS gives it, starting with its id where it has one.
    pub name: &'static str,
    /// The DUIS service reference variants that lead to it (empty for device-initiated alerts).
    pub service_reference_variants: &'static [&'static str],
    pub protection: Protection,
    pub payload: PayloadKind,
    /// The device types a command is addressed to, or an alert comes from.
    pub device_types: &'static [DeviceType],
    /// Who may sign the command when it is critical (empty when it is not signed).
    pub signers: &'static [Signer],
    pub sensitivity: Sensitivity,
}

impl MessageCodeEntry {
    /// The use-case id (e.g. `ECS17b`) when the name starts with one.
    pub fn use_case_id(&self) -> Option<&'static str> {
        let first = self.name.split(' ').next()?;
        let looks_like_id = first.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && first.chars().any(|c| c.is_ascii_digit());
        looks_like_id.then_some(first)
    }

    /// Whether the command is critical: signed by its originator.
    pub fn is_critical(&self) -> bool {
        self.protection.command_is_signed()
    }

    /// Whether the command may be sent to (or the alert come from) a device of this type.
    pub fn applies_to(&self, device_type: DeviceType) -> bool {
        self.device_types.contains(&device_type)
    }

    /// Whether a signature by a party in `role` may authorise the command.
    pub fn may_be_signed_by(&self, role: Signer) -> bool {
        self.signers.contains(&role)
    }

    /// Whether the response carries a sensitive block encrypted for the requester.
    pub fn has_sensitive_block(&self) -> bool {
        self.sensitivity == Sensitivity::SensitiveBlock
    }

    /// Whether the device's response carries a date-time in its grouping header.
    pub fn response_carries_date_time(&self) -> bool {
        response_carries_date_time(self.message_code)
    }

    /// Whether the device's GBZ response sets the ZCL Disable Default Response bit on each
    /// component that carries data (frame control `18` or `19`; see
    /// [`RESPONSE_DEFAULT_RESPONSE_DISABLED`]).
    pub fn response_disables_default_response(&self) -> bool {
        RESPONSE_DEFAULT_RESPONSE_DISABLED.contains(&self.message_code.0)
    }

    /// Whether the device's response to this use case sent for an unknown remote party (the
    /// command carries the party's KA certificate) carries the device's own counter as the
    /// supplementary originator counter, and is encrypted under it (see
    /// [`RESPONSE_ORIGINATOR_COUNTER`]).
    pub fn response_carries_originator_counter(&self) -> bool {
        RESPONSE_ORIGINATOR_COUNTER.contains(&self.message_code.0)
    }

    /// Whether, in a GBZ response, the data of `cluster` is the sensitive block (encrypted
    /// components): the metering and prepayment clusters' data in the use cases whose
    /// response carries a sensitive block; tariff (price, calendar) data stays plain.
    pub fn encrypts_gbz_cluster(&self, cluster: u16) -> bool {
        self.has_sensitive_block()
            && self.payload == PayloadKind::Gbz
            && SENSITIVE_GBZ_CLUSTERS.contains(&cluster)
    }
}

/// The ZCL clusters whose data is sensitive: metering (`0702`) and prepayment (`0705`).
const SENSITIVE_GBZ_CLUSTERS: &[u16] = &[0x0702, 0x0705];

/// The message codes whose responses carry a date-time in the grouping header: GBCS puts one
/// in the responses of reads of instantaneous values (registers, prepayment registers,
/// voltage data, meter balance) and of every command that may be future dated at the device
/// (DUIS's services sent to the device with an execution date-time: tariffs and prices,
/// payment mode, prepayment configuration, load limiting settings, the auxiliary load control
/// and controller schedulers, security credentials, firmware activation; a dsp test holds this
/// list to the service table). The whole RTDS set agrees: every response of these codes has
/// one and no other response does. GCS13a (`0074`), absent from RTDS, reads a register as
/// GCS13b does; CS02b's root replacements (`0100`, `0101`), absent too, update credentials
/// as the other CS02b variants do.
const RESPONSE_DATE_TIME: &[u16] = &[
    0x0007, 0x0012, 0x0019, 0x001A, 0x001B, 0x001F, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B,
    0x002C, 0x002D, 0x0039, 0x0043, 0x0054, 0x006B, 0x006C, 0x006D, 0x006F, 0x0074, 0x0075, 0x0097,
    0x00A2, 0x00A3, 0x00B6, 0x00B7, 0x00B8, 0x00BC, 0x00C7, 0x00DE, 0x0100, 0x0101, 0x0102, 0x0103,
    0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109, 0x011A, 0x0125, 0x0126, 0x012A,
];

/// The GBZ use cases whose responses set the ZCL Disable Default Response bit on every
/// component that carries data (a Read Attributes Response `18`, a cluster command `19`),
/// where the command answered alone would not: the register reads GCS13a/b/c, the tariff read
/// GCS21f (its Read Attributes Response and its Publish Price) and the sampled data logs GCS17
/// and GCS61 (GCS18's network data log answers `09`), as every RTDS response of them does.
/// Default responses never set it. Answers that come in series (logs, calendars, snapshots)
/// set it in every use case, which the device's cluster behaviour says.
const RESPONSE_DEFAULT_RESPONSE_DISABLED: &[u16] =
    &[0x0074, 0x0078, 0x009F, 0x00A0, 0x00B6, 0x00B8];

/// The use cases whose responses to an unknown remote party carry the supplementary
/// originator counter (the device's own counter, under which it encrypts the sensitive
/// block): the prepayment daily read logs of 4.14, ECS21b (`0034`) and GCS16b (`0096`), as
/// RTDS's responses to them do. The daily consumption logs of 4.17 (ECS66, GCS61), which DUIS
/// sends with the requester's KA certificate too, carry none: RTDS's GCS61 response encrypts
/// under the command's counter.
const RESPONSE_ORIGINATOR_COUNTER: &[u16] = &[0x0034, 0x0096];

/// Whether the response to `message_code` carries a date-time in its grouping header.
pub fn response_carries_date_time(message_code: MessageCode) -> bool {
    RESPONSE_DATE_TIME.contains(&message_code.0)
}

#[allow(clippy::too_many_arguments)]
const fn row(
    code: u16,
    name: &'static str,
    service_reference_variants: &'static [&'static str],
    protection: Protection,
    payload: PayloadKind,
    device_types: &'static [DeviceType],
    signers: &'static [Signer],
    sensitivity: Sensitivity,
) -> MessageCodeEntry {
    MessageCodeEntry {
        message_code: MessageCode(code),
        name,
        service_reference_variants,
        protection,
        payload,
        device_types,
        signers,
        sensitivity,
    }
}

/// The use cases GBCS has replaced by another of the same service, device type and request
/// body, with the use case that replaced each: the current mapping of DUIS services to GBCS
/// use cases (`srv_mapping` in the shared catalogue) lists only the replacement. The DCC sends
/// the replacement to a device of the current GBCS version and the superseded use case to a
/// device of an earlier one (see [`takes_superseded_use_cases`]). Use cases the mapping no
/// longer lists that a request's body chooses (ECS30 or ECS30a by the calendar's periodicity,
/// GCS24 or GCS24a by the flow rate's divisor) are not here.
pub const SUPERSEDED_USE_CASES: &[(&str, &str)] = &[
    ("CCS05/CCS04", "CCS06"),
    ("ECS08", "ECS08a"),
    ("ECS26d", "ECS26l"),
    ("ECS26e", "ECS26m"),
    ("ECS26i", "ECS26n"),
    ("ECS35f", "ECS35g"),
    ("GCS21d", "GCS21k"),
    ("GCS21e", "GCS21m"),
];

/// The first GBCS version whose devices take the replacements of [`SUPERSEDED_USE_CASES`].
/// The shared mapping does not date its use cases; dccsim takes GBCS 4.0 (the SMETS2 5.0
/// generation of devices, which the DUIS 5.x templates address). Change it here when a dated
/// table says otherwise.
pub const FIRST_VERSION_OF_CURRENT_USE_CASES: (u32, u32) = (4, 0);

/// Whether a device of GBCS version `version` (`"3.2"`, `"v3.2"`, `"GBCS v3.2"`: what an
/// inventory's `DeviceGBCSVersion` holds) takes the superseded use cases: a version earlier
/// than [`FIRST_VERSION_OF_CURRENT_USE_CASES`]. `None` for text that names no version.
pub fn takes_superseded_use_cases(version: &str) -> Option<bool> {
    let digits = version.trim_start_matches(|c: char| !c.is_ascii_digit());
    let mut parts = digits.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let minor = match parts.next() {
        Some(minor) => minor.parse::<u32>().ok()?,
        None => 0,
    };
    Some((major, minor) < FIRST_VERSION_OF_CURRENT_USE_CASES)
}

/// The use case the DCC sends to a device of `device_type` for `id`: `id` itself, or for a
/// device that takes the superseded use cases, the one `id` replaced; for a current device, the
/// replacement of a superseded `id` where it addresses `device_type` (GCS21m reads a GSME's
/// identity; a GPF's is still read with GCS21e).
pub fn use_case_for_device(
    id: &'static str,
    device_type: DeviceType,
    superseded: bool,
) -> &'static str {
    let addresses = |id: &str| {
        by_use_case_id(id).is_some_and(|entry| entry.device_types.contains(&device_type))
    };
    for (old, new) in SUPERSEDED_USE_CASES {
        if superseded && id == *new && addresses(old) {
            return old;
        }
        if !superseded && id == *old && addresses(new) {
            return new;
        }
    }
    id
}

/// The entries whose use-case id is `id`: one for most, several for CS02b (one per mode).
pub fn all_by_use_case_id(id: &str) -> impl Iterator<Item = &'static MessageCodeEntry> + '_ {
    MESSAGE_CODES
        .iter()
        .filter(move |entry| entry.use_case_id() == Some(id))
}

/// The entry of a message code.
pub fn entry(message_code: MessageCode) -> Option<&'static MessageCodeEntry> {
    MESSAGE_CODES
        .iter()
        .find(|entry| entry.message_code == message_code)
}

/// The entry whose use-case id is `id` (e.g. `ECS17b`), if exactly one has it.
pub fn by_use_case_id(id: &str) -> Option<&'static MessageCodeEntry> {
    let mut matches = MESSAGE_CODES
        .iter()
        .filter(|entry| entry.use_case_id() == Some(id));
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}

use DeviceType::{
    CommunicationsHubFunction as Chf, ElectricitySmartMeter as Esme, GasProxyFunction as Gpf,
    GasSmartMeter as Gsme, HanConnectedAuxiliaryLoadControlSwitch as Hcalcs,
    PrepaymentInterfaceDevice as Ppmid,
};
use PayloadKind::{Asn1, Dlms, DlmsOrGbz, Gbz, Unknown};
use Protection::{
    MacAlert, MacCommandMacResponse, MacCommandSignedResponse, MacOrSignedCommandAndResponse,
    NotSeen, SignedAlert, SignedCommandSignedResponse, SignedOnlyCommandSignedResponse,
    SignedResponseOnly,
};

use Sensitivity::{NoSensitiveBlock, SensitiveBlock};
use Signer::{
    AccessControlBroker, LoadController, NetworkOperator, Recovery, Supplier,
    TransitionalChangeOfSupplier, WanProvider,
};

/// Every GBCS message code, in code order.
#[rustfmt::skip]
pub const MESSAGE_CODES: &[MessageCodeEntry] = &[
    row(0x0001, "CCS01 Add Device to CHF device log", &["8.11"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0002, "CCS02 Remove device from CHF device log", &["8.11"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0003, "CCS03 Restore CHF Device Log", &["8.12.1"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0004, "CCS05/CCS04 Read CHF device log / Check HAN comms", &["8.9"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0007, "CS01a Apply Prepayment Top Up to an ESME", &["2.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0008, "CS02a Provide Security Credentials Details", &["6.24.1"], MacOrSignedCommandAndResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier, NetworkOperator, TransitionalChangeOfSupplier], NoSensitiveBlock),
    row(0x000A, "CS02c Issue Security Credentials", &["6.17"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier], NoSensitiveBlock),
    row(0x000B, "CS02d Update Device Certificates on Device", &["6.15.2"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier], NoSensitiveBlock),
    row(0x000C, "CS02e Provide Device Certificates from Device", &["6.24.2"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier], NoSensitiveBlock),
    row(0x000D, "CS03A1 Method A Join (Meter)", &["8.7.1"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme], &[Supplier], NoSensitiveBlock),
    row(0x000E, "CS03B Method B Join", &["8.7.2"], MacCommandMacResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x000F, "CS04AC Method A or C Unjoin", &["8.8.1", "8.8.2"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier, AccessControlBroker], NoSensitiveBlock),
    row(0x0010, "CS04B Method B Unjoin", &["8.8.2"], MacCommandMacResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0012, "CS06 Activate Firmware", &["11.3"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Ppmid, Hcalcs], &[Supplier], NoSensitiveBlock),
    row(0x0013, "CS07 Read Device Join Details", &["8.9"], MacCommandMacResponse, Asn1, &[Esme, Gsme, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0014, "CS10a Read ZigBee Device Event Log", &["6.13"], MacCommandMacResponse, Gbz, &[Gsme, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0015, "CS11 Clear ZigBee Device Event Log", &["3.3"], MacCommandMacResponse, Gbz, &[Gsme, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0018, "CS14 Device Addition To / Removal From HAN Whitelist Alerts", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0019, "ECS01a Set Tariff and Price on ESME", &["1.1.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001A, "ECS02 Set ESME Payment Mode to Credit", &["1.6"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001B, "ECS03 Set ESME Payment Mode to Prepayment", &["1.6"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001C, "ECS04a Adjust Meter Balance on the ESME", &["1.5"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001D, "ECS05 Reset Tariff Block Counter Matrix", &["1.7"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001E, "ECS07 Manage Debt on the ESME", &["2.3"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x001F, "ECS08 Update Prepayment Configuration on ESME", &["2.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0020, "ECS09 Activate Emergency Credit Remotely on ESME", &["2.5"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0021, "ECS10 Send Message to ESME", &["3.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0022, "ECS12 Set Change of Tenancy date on ESME", &["3.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0023, "ECS14 Disable Privacy PIN Protection on ESME", &["3.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0024, "ECS15a Clear ESME Event Log", &["3.3"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0025, "ECS16 Write Supplier Contact Details on ESME", &["3.4"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0026, "ECS17a Read ESME Energy Registers (Export Energy)", &["4.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0027, "ECS17b Read ESME Energy Registers (Import Energy)", &["4.1.1"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0028, "ECS17c Read ESME Energy Registers (Power)", &["4.16"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0029, "ECS17d Read ESME Energy Register (TOU)", &["4.1.2"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x002A, "ECS17e Read ESME Energy Register (TOU with Blocks)", &["4.1.3"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x002B, "ECS18a Read Maximum Demand Registers (export)", &["4.12.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x002C, "ECS18b Read Maximum Demand Registers (import)", &["4.12.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x002D, "ECS19 Read ESME Prepayment Registers", &["4.3"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x002E, "ECS20a Read ESME Billing Data Log (payment based debt payments)", &["4.4.4"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x002F, "ECS20b Read ESME Billing Data Log (change of mode / tariff triggered exc export)", &["4.4.2"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0030, "ECS20c Read ESME Billing Data Log (billing calendar triggered exc export)", &["4.4.3"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0033, "ECS21a Read Electricity Daily Read Log (exc export)", &["4.6.1"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0034, "ECS21b Read Electricity (Prepayment) Daily Read Log", &["4.14"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0035, "ECS21c Read Electricity Daily Read Log (export only)", &["4.6.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0036, "ECS22a Read Electricity Half Hour Profile Data (export)", &["4.8.3"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0037, "ECS22b Read Electricity Half Hour Profile Data (active import)", &["4.8.1"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0038, "ECS22c Read Electricity Half Hour Profile Data (reactive import)", &["4.8.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0039, "ECS23 Read Voltage Operational Data", &["4.10"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003A, "ECS24 Read ESME Tariff Data", &["4.11.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003B, "ECS26a Read ESME Configuration Data Prepayment", &["4.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003C, "ECS26b Read ESME Configuration Voltage Data", &["6.2.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003D, "ECS26c Read ESME Configuration Data Device Information (randomisation)", &["6.2.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003E, "ECS26d Read ESME Configuration Data Device Information (Billing Calendar)", &["6.2.3"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x003F, "ECS26e Read ESME Configuration Data Device Information (device identity exc MPAN)", &["6.2.4"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0040, "ECS26f Read ESME Configuration Data Device Information (instantaneous power thresholds)", &["6.2.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0042, "ECS27 Read ESME Load Limit Data", &["4.15"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0043, "ECS28a Set Load Limit Configurations - General Settings", &["6.4.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0044, "ECS28b Set Load Limit Configuration Counter Reset", &["6.4.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0045, "ECS29a Set Voltage Configurations on ESME", &["6.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0046, "ECS30 Set Billing Calendar on the ESME", &["6.8"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0047, "ECS34 Set Instantaneous Power Threshold Configuration", &["6.12"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0048, "ECS35a Read ESME Event Log", &["6.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0049, "ECS35b Read ESME Security Log", &["6.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x004A, "ECS37 Set Maximum Demand Configurable Time Period", &["6.18.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x004B, "ECS38 Update Randomised Offset Limit", &["7.12"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x004C, "ECS39a Set MPAN Value on the ESME", &["6.20.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x004D, "ECS39b Set Export MPAN Value on the ESME", &["6.20.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x004E, "ECS40 Read MPAN Value on the ESME", &["6.2.7"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x004F, "ECS42 Remotely Close the Load Switch on the ESME", &["7.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0050, "ECS43 Remotely Open the Load Switch on the ESME", &["7.2"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0051, "ECS44 Arm Load Switch in ESME", &["7.3"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0052, "ECS45 Read Status of Load Switch in the ESME", &["7.4"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0053, "ECS46a Set HC ALCS or ALCS Labels in ESME", &["6.14.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0054, "ECS46c Set HC ALCS and ALCS configuration in ESME (excluding labels)", &["6.14.2"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0055, "ECS47 Set or Reset HC ALCS or ALCS State", &["7.5", "7.6", "7.8"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0058, "ECS50 Send CIN to ESME", &["9.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0059, "ECS52 Read ESME/Comms Hub Firmware Version", &["11.2"], MacCommandMacResponse, Dlms, &[Esme, Chf], &[], NoSensitiveBlock),
    row(0x005A, "ECS57 Reset ESME Maximum Demand Registers", &["6.18.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x005E, "ECS61c Read Boost Button Data from ESME", &["7.11"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x005F, "ECS62 Set ALCS and Boost Button Association", &["7.10", "7.9"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0060, "ECS66 Read ESME Daily Consumption Log", &["4.17"], MacCommandMacResponse, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0061, "ECS68 ESME Critical Sensitive Alert (Billing Data Log)", &[], SignedAlert, Dlms, &[Esme], &[], SensitiveBlock),
    row(0x0062, "ECS70 Set Clock on ESME", &["6.11", "8.1.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0067, "ECS80 Supply Outage Restore Alert from ESME", &[], SignedAlert, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0068, "ECS81 Set Supply Tamper State on ESME", &["6.25"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x0069, "ECS82 Read Meter Balance for ESME", &["4.18"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x006B, "GCS01a Set Tariff and Price on GSME", &["1.1.1"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x006C, "GCS02 Set GSME Payment Mode to Credit", &["1.6"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x006D, "GCS03 Set GSME Payment Mode to Prepayment", &["1.6"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x006E, "GCS04 Manage Debt on the GSME", &["2.3"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x006F, "GCS05 Update Prepayment Configurations on GSME", &["2.1"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x0070, "GCS06 Activate Emergency Credit Remotely on GSME", &["2.5"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x0071, "GCS07 Send Message to GSME", &["3.1"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0072, "GCS09 Set Change of Tenancy date on GPF", &["3.2"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x0073, "GCS11 Disable Privacy PIN Protection on GSME", &["3.5"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0074, "GCS13a Read GSME Consumption Register", &["4.1.1"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0075, "GCS14 Read GSME Prepayment Registers", &["4.3"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0076, "GCS15c Read GSME Billing Data Log (billing calendar triggered)", &["4.4.3"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0077, "GCS16a Read GSME Daily Read Log", &["4.6.1"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0078, "GCS17 Read GSME Profile Data Log", &["4.8.1"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0079, "GCS18 Read Gas Network Data Log", &["4.10"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x007B, "GCS21a Read Gas Configuration Data Device Information", &["6.2.8"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x007C, "GCS23 Set CV and Conversion Factor Value(s) on the GSME", &["6.6"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x007D, "GCS24 Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME", &["6.7"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x007E, "GCS25 Set Billing Calendar on the GSME", &["6.8"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x007F, "GCS28 Set Clock on GSME", &["6.11", "8.1.1"], SignedCommandSignedResponse, Asn1, &[Gsme, Gpf], &[Supplier], NoSensitiveBlock),
    row(0x0080, "GCS31 Start Network Data Log on GSME", &["14.1"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0081, "GCS32 Remotely close the valve in the GSME", &["7.2"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x0082, "GCS33 Read GSME Valve Status", &["7.4"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0083, "GCS36 Send CIN to GSME", &["9.1"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0084, "GCS38 Read GSME Firmware Version", &["11.2"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x0085, "GCS39 Arm Valve in GSME", &["7.3"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x0086, "GCS40a Adjust Prepayment Mode Meter Balance on the GSME", &["1.5"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x0087, "GCS41 Set MPRN Value on the GSME", &["6.20.1"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0088, "GCS44 Write Contact Details on GSME", &["3.4"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0089, "GCS46 Read MPRN on the GSME", &["6.2.7"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x008B, "GCS53 Push Billing Data Log as an Alert", &[], SignedAlert, Gbz, &[Gsme], &[], SensitiveBlock),
    row(0x008C, "GCS59 Restore GPF Device Log", &["8.12.2"], MacCommandMacResponse, Asn1, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x008D, "GCS60 Read Meter Balance for GSME", &["4.18"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x0090, "PCS02 Activate Emergency Credit on GSME from PPMID", &[], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x0092, "ECS26i Read Configuration Data Device Information (CHF identity)", &["6.2.4"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0093, "ECS35c Read CHF Event Log", &["6.13"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0094, "ECS35d Read CHF Security Log", &["6.13"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0096, "GCS16b Read GSME Daily Read log(s) (prepayment)", &["4.14"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x0097, "CS01b Apply Prepayment Top Up to a GSME", &["2.2"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x009B, "PCS01 Apply Prepayment Top Up to a GSME using PPMID", &[], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x009D, "GCS21d Read GSME Configuration Data Device Information (BillingCalendar)", &["6.2.3"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x009E, "GCS21e Read GSME/GPF Configuration Data Device Information (device identity)", &["6.2.4"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x009F, "GCS21f Read GSME Tariff Data", &["4.11.1"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00A0, "GCS61 Read Gas Daily Consumption Log", &["4.17"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x00A1, "CS10b Read ZigBee Device Security Log", &["6.13"], MacCommandMacResponse, Gbz, &[Gsme, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x00A2, "ECS01b Set Price on ESME", &["1.2.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00A3, "GCS01b Set Price on GSME", &["1.2.1"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00AB, "CS03A2 Method A Join (non Meter)", &["8.7.1", "8.7.2"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier, AccessControlBroker], NoSensitiveBlock),
    row(0x00AC, "ECS25a Set Alert Behaviours - ESME - Supplier", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00AD, "GCS20 Set Alert Behaviours - GSME", &["6.22"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00AE, "ECS29b Set Voltage Configurations on ESME - 3ph", &["6.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00AF, "CS03C Method C Join", &["8.7.1", "8.7.2"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier, AccessControlBroker], NoSensitiveBlock),
    row(0x00B0, "ECS25b Set Alert Behaviours - ESME - Network Operator", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00B2, "GCS62 Backup GPF Device Log", &[], MacAlert, Asn1, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x00B3, "ECS04b Reset Meter Balance on the ESME", &["1.5"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00B4, "GCS40b Reset Prepayment Mode Meter Balance on the GSME", &["1.5"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00B5, "GCS21b Read GSME Configuration Data Prepayment", &["4.13"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00B6, "GCS13c Read GSME Register (TOU)", &["4.1.2"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x00B7, "ECS01c Set Tariff and Price on ESME secondary", &["1.1.2"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00B8, "GCS13b Read GSME Block Counters", &["4.1.4"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x00B9, "ECS35e Read ESME Power Event Log", &["6.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BA, "ECS35f Read ALCS Event Log", &["6.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BB, "ECS61a Read HC ALCS and ALCS Data from ESME", &["7.7"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BC, "ECS23b Read Voltage Operational Data - 3 Phase", &["4.10"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BD, "ECS24b Read ESME Tariff Data - second element", &["4.11.2"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BE, "ECS26j Read ESME Configuration Data Device Information (Payment Mode)", &["6.2.9"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00BF, "GCS21j Read GSME Configuration Data Device Information (Payment Mode)", &["6.2.9"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00C0, "GCS40c Adjust Credit Mode Meter Balance on the GSME", &["1.5"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00C1, "ECS15c Clear ALCS Event Log", &["3.3"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00C2, "GCS40d Reset Credit Mode Meter Balance on the GSME", &["1.5"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00C3, "GCS15b Read GSME Billing Data Log (change of mode / tariff triggered)", &["4.4.2"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x00C4, "GCS15d Read GSME Billing Data Log (payment-based debt payments)", &["4.4.4"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], SensitiveBlock),
    row(0x00C5, "GCS15e Read GSME Billing Data Log (prepayment credits)", &["4.4.5"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x00C6, "ECS26k Read ESME Configuration Voltage Data - 3 phase", &["6.2.1"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00C7, "ECS01d Set Price on ESME secondary", &["1.2.2"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00C9, "ECS20d Read ESME Billing Data Log (prepayment credits)", &["4.4.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00CA, "Futured Dated Firmware Activation Alert", &["11.3"], SignedAlert, Asn1, &[Esme, Gsme, Chf], &[], NoSensitiveBlock),
    row(0x00CB, "Futured Dated Update Security Credentials Alert", &["6.15.1", "6.23"], SignedAlert, Asn1, &[Esme], &[], NoSensitiveBlock),
    row(0x00CC, "Future Dated Execution Of Instruction Alert (DLMS COSEM)", &["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.6", "2.1", "6.14.2", "6.14.3", "6.4.1"], SignedAlert, Dlms, &[Esme, Hcalcs], &[], NoSensitiveBlock),
    row(0x00CD, "Future Dated Execution Of Instruction Alert (GBZ)", &["1.1.1", "1.2.1", "1.6", "2.1"], SignedAlert, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00CE, "Firmware Distribution Receipt Alert (ESME)", &[], SignedAlert, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00CF, "Firmware Distribution Receipt Alert (GSME)", &[], SignedAlert, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00D1, "ECS29c Set Voltage Configurations on ESME without counter reset", &["6.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00D2, "ECS29d Set Voltage Configurations on polyphase ESME without counter reset", &["6.5"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00D3, "ECS29e Reset RMS Voltage Counters on ESME", &["6.27"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00D4, "ECS29f Reset RMS Voltage Counters on polyphase ESME", &["6.27"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00D5, "Failure to Deliver Remote Party Message to ESME Alert", &[], NotSeen, Unknown, &[Esme, Gsme], &[], NoSensitiveBlock),
    row(0x00D7, "ECS30a Set Billing Calendar on the ESME - all periodicities", &["6.8"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00D8, "GCS25a Set Billing Calendar on the GSME - all periodicities", &["6.8"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00D9, "ECS26l Read ESME Configuration Data Device Information (Billing Calendar - all periodicities)", &["6.2.3"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00DA, "GCS21k Read GSME Configuration Data Device Information (BillingCalendar - all periodicities)", &["6.2.3"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00DB, "ECS48 Configure daily resetting of Tariff Block Counter Matrix", &["6.26"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00DE, "ECS08a Update Prepayment Configuration on ESME", &["2.1"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x00EA, "ECS25a1 Set Event Behaviours - ESME to HAN Device - Supplier", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00EB, "ECS25a2 Set Event Behaviours - ESME audible alarm - Supplier", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00EC, "ECS25a3 Set Event Behaviours - ESME logging - Supplier", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00ED, "ECS25b3 Set Event Behaviours - ESME logging - Network Operator", &["6.22"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00EE, "ECS25r1 Read non-critical event and alert behaviours - ESME - Supplier", &["6.2.10"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00EF, "ECS25r2 Read non-critical event and alert behaviours - ESME - Network Operator", &["6.2.10"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00F0, "Meter Integrity Issue Warning Alert - ESME", &[], MacAlert, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00F1, "GCS20r Read non-critical event and alert behaviours - GSME - Supplier", &["6.2.10"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00F2, "Meter Integrity Issue Warning Alert - GSME", &[], MacAlert, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00F9, "ECS26m Read ESME Configuration Data Device Information (identity, type and supply tamper state)", &["6.2.4"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00FA, "ECS26n Read CHF Configuration Data Device Information (CH identity and type)", &["6.2.4"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x00FB, "GCS21m Read GSME Configuration Data Device Information (identity, type and supply tamper / depletion state)", &["6.2.4"], MacCommandMacResponse, Gbz, &[Gsme], &[], NoSensitiveBlock),
    row(0x00FC, "GCS24a Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME (SMETS4)", &["6.7"], SignedCommandSignedResponse, Gbz, &[Gsme], &[Supplier], NoSensitiveBlock),
    row(0x00FD, "ECS35g Read ALCS Event Log", &["6.13"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x00FE, "CCS07 Read CHF Device Logs", &["8.9"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0100, "CS02b Update Security Credentials (rootBySupplier)", &[], NotSeen, Unknown, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0101, "CS02b Update Security Credentials (rootByWanProvider)", &[], NotSeen, Unknown, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x0102, "CS02b Update Security Credentials (supplierBySupplier)", &["6.15.1", "6.21"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Supplier, AccessControlBroker], NoSensitiveBlock),
    row(0x0103, "CS02b Update Security Credentials (networkOperatorByNetworkOperator)", &["6.15.1", "6.21"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[NetworkOperator, AccessControlBroker], NoSensitiveBlock),
    row(0x0104, "CS02b Update Security Credentials (accessControlBrokerByACB)", &["8.5"], MacCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[AccessControlBroker], NoSensitiveBlock),
    row(0x0105, "CS02b Update Security Credentials (wanProviderByWanProvider)", &[], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[WanProvider], NoSensitiveBlock),
    row(0x0106, "CS02b Update Security Credentials (transCoSByTransCoS)", &[], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[TransitionalChangeOfSupplier], NoSensitiveBlock),
    row(0x0107, "CS02b Update Security Credentials (supplierByTransCoS)", &["6.23"], SignedCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[TransitionalChangeOfSupplier], NoSensitiveBlock),
    row(0x0108, "CS02b Update Security Credentials (anyExceptAbnormalRootByRecovery)", &[], SignedOnlyCommandSignedResponse, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[Recovery], NoSensitiveBlock),
    row(0x0109, "CS02b Update Security Credentials (anyByContingency)", &[], SignedResponseOnly, Asn1, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x010A, "DBCH01 Read CHF Sub GHz Channel", &["6.31"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x010B, "DBCH02 Read CHF Sub GHz Channel Log", &["6.32"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x010C, "DBCH03 Read CHF Sub GHz Configuration", &["6.30"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x010D, "DBCH04 Set CHF Sub GHz Configuration", &["6.28"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x010E, "DBCH05 Request CHF Sub GHz Channel Scan", &["6.29"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x010F, "CCS06 Read CHF device log and check HAN communications", &["8.9"], MacCommandMacResponse, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0110, "DBCH06 Limited Duty Cycle Action Taken Sub GHz Alert", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0111, "DBCH07 Sub GHz Sub GHz Channel Changed Sub GHz Alert", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0112, "DBCH08 Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0113, "DBCH09 Sub GHz Configuration Changed Sub GHz Alert", &["6.28"], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0114, "DBCH10 Message Discarded Due to Duty Cycle Management Sub GHz Alert", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0115, "DBCH11 No More Sub GHz Device Capacity Sub GHz Alert", &[], MacAlert, Dlms, &[Chf], &[], NoSensitiveBlock),
    row(0x0116, "PECS01 Apply Prepayment Top Up to an ESME using PPMID", &[], NotSeen, Unknown, &[Esme], &[], NoSensitiveBlock),
    row(0x0117, "PECS02 Activate Emergency Credit on ESME from PPMID", &[], NotSeen, Unknown, &[Esme], &[], NoSensitiveBlock),
    row(0x0118, "PECS03 Request to Enable ESME Supply from PPMID", &[], NotSeen, Unknown, &[Esme], &[], NoSensitiveBlock),
    row(0x0119, "HECS01 Request Control of a HAN Connected Auxiliary Load Control Switch from HCALCS", &[], NotSeen, Unknown, &[Esme], &[], NoSensitiveBlock),
    row(0x011A, "ECS46d Set Auxiliary Controller Calendar", &["6.14.3"], SignedCommandSignedResponse, Dlms, &[Esme, Hcalcs], &[Supplier], NoSensitiveBlock),
    row(0x011B, "CS02f Provide Security Credential Details (ESME and SAPC)", &["6.24.1"], MacOrSignedCommandAndResponse, Asn1, &[Esme, Hcalcs], &[Supplier, NetworkOperator, TransitionalChangeOfSupplier], NoSensitiveBlock),
    row(0x011C, "ECS61d Read Auxiliary Controller Configuration Data", &["7.14"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x011D, "ECS61e Read Auxiliary Controller Operational Data", &["7.15"], MacCommandMacResponse, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x011E, "ECS47a Set Auxiliary Controller [n] State", &["7.13"], SignedCommandSignedResponse, Dlms, &[Esme], &[Supplier], NoSensitiveBlock),
    row(0x011F, "ECS47e Limit APC [n] Level", &["7.16"], SignedCommandSignedResponse, Dlms, &[Esme], &[LoadController], NoSensitiveBlock),
    row(0x0120, "ECS100 Command not supported by Device", &[], SignedAlert, Dlms, &[Esme, Hcalcs], &[], NoSensitiveBlock),
    row(0x0121, "ECS101 Limit APC [n] Level Command processed", &[], SignedAlert, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0122, "ECS102 Limit APC [n] Level ended or cancelled", &[], SignedAlert, Dlms, &[Esme, Hcalcs], &[], NoSensitiveBlock),
    row(0x0123, "ECS200 Operational Update", &[], SignedAlert, Dlms, &[Esme], &[], NoSensitiveBlock),
    row(0x0124, "CS02g Update Load Controller Security Credentials", &["6.15.1"], SignedAlert, Asn1, &[Esme, Hcalcs], &[], NoSensitiveBlock),
    row(0x0125, "CS02g Update Load Controller Security Credentials (loadControllerByLoadController)", &[], SignedCommandSignedResponse, Asn1, &[Esme, Hcalcs], &[LoadController], NoSensitiveBlock),
    row(0x0126, "CS02g Update Load Controller Security Credentials (loadControllerBySupplier)", &["6.15.1"], SignedCommandSignedResponse, Asn1, &[Esme, Hcalcs], &[Supplier, NetworkOperator], NoSensitiveBlock),
    row(0x0128, "CCS08 Firmware Transfer Alert", &[], SignedAlert, Asn1, &[Chf], &[], NoSensitiveBlock),
    row(0x0129, "CS08 Read PPMID/HCALCS Firmware Version", &["11.2"], MacCommandMacResponse, Asn1, &[Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x012A, "GCS60a Read Meter Balance for GSME (a)", &["4.18"], MacCommandMacResponse, Gbz, &[Gsme, Gpf], &[], NoSensitiveBlock),
    row(0x012B, "CS09 PPMID Firmware Activation Alert", &[], SignedAlert, Asn1, &[Ppmid], &[], NoSensitiveBlock),
    row(0x1000, "Generic Critical Alert", &[], SignedAlert, DlmsOrGbz, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
    row(0x1001, "Generic Non Critical Alert", &[], MacAlert, DlmsOrGbz, &[Esme, Gsme, Chf, Gpf, Ppmid, Hcalcs], &[], NoSensitiveBlock),
];
