//! GBCS alerts: the catalogue of alert codes ([`catalogue`]) and the typed codec of alert
//! payloads in GBCS's three encodings, both directions, byte for byte.
//!
//! - DLMS (ESME, CHF, HCALCS): a data-notification (`0F`, long-invoke-id from the device's
//!   counter, no date-time) whose body is a structure of the alert code (long-unsigned), the
//!   COSEM date-time it was raised, then what the alert carries.
//! - GBZ (GSME, GPF, PPMID): the GBZ profile id, the number of components, the alert code, the
//!   time (UTC seconds since 2000), then the components or the use case's fields.
//! - ASN.1 (CS09, CCS08, GCS62 and the future-dated credentials and firmware alerts): a
//!   SEQUENCE of the alert code (INTEGER), the time (GeneralizedTime), then the use case's
//!   fields.
//!
//! Encrypted content (the billing data log of ECS68 and GCS53) is carried as the GBCS
//! encrypted block (`31 00000000 ‖ ciphertext ‖ tag`); the device encrypts it before the
//! payload is encoded, keyed by the alert's grouping header ([`crate::protection`]).

pub mod catalogue;

use std::time::Duration;

use dcc_model::{DeviceType, Eui64};

use crate::asn1::{self, tag, Asn1Error, DerReader};
use crate::catalogue::PayloadKind;
use crate::cosem::{long_invoke_id, ProtectionParameters};
use crate::dlms::{CosemReference, Data, DlmsApdu};
use crate::envelope::{Cra, MessageCode};
use crate::error::DecodeError;
use crate::gbz::{GbzComponent, GbzPayload, GBZ_PROFILE_ID};
use crate::han::DeviceLogEntry;

/// A GBCS alert code, e.g. `0x8F1C` (Firmware verification failed). Written as four
/// uppercase hex digits, as DUIS's `AlertCode` carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertCode(pub u16);

impl std::fmt::Display for AlertCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl std::str::FromStr for AlertCode {
    type Err = AlertError;

    /// Four hex digits (`8F1C`, `8f1c`), optionally after `0x`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        let well_formed = digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit());
        match (well_formed, u16::from_str_radix(digits, 16)) {
            (true, Ok(code)) => Ok(Self(code)),
            _ => Err(AlertError::BadCode(text.to_owned())),
        }
    }
}

/// Why an alert payload could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("{0:?} is not an alert code (four hex digits, e.g. 8F1C)")]
    BadCode(String),
    #[error("alert payload: {0}")]
    Dlms(#[from] DecodeError),
    #[error("alert payload: {0}")]
    Asn1(#[from] Asn1Error),
    #[error("alert payload: {0}")]
    Malformed(String),
    #[error("alert time {0} cannot be written (years 2000 to 2135)")]
    Time(u32),
}

/// How an alert's payload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertEncoding {
    Dlms,
    Gbz,
    Asn1,
}

impl AlertEncoding {
    /// The encoding of an alert under `message_code` from a device of `device_type`: the use
    /// case's payload kind; a generic alert's follows the device (GBZ for the ZigBee devices
    /// GSME, GPF and PPMID, DLMS for the others).
    pub fn of(message_code: MessageCode, device_type: DeviceType) -> Self {
        let kind = crate::catalogue::entry(message_code).map(|entry| entry.payload);
        match kind {
            Some(PayloadKind::Dlms) => Self::Dlms,
            Some(PayloadKind::Gbz) => Self::Gbz,
            Some(PayloadKind::Asn1) => Self::Asn1,
            _ => match device_type {
                DeviceType::GasSmartMeter
                | DeviceType::GasProxyFunction
                | DeviceType::PrepaymentInterfaceDevice => Self::Gbz,
                _ => Self::Dlms,
            },
        }
    }

    /// The encoding of a payload, by its first bytes.
    pub fn detect(payload: &[u8]) -> Result<Self, AlertError> {
        match payload {
            [crate::dlms::DATA_NOTIFICATION, ..] => Ok(Self::Dlms),
            [0x01, 0x09, ..] => Ok(Self::Gbz),
            [tag::SEQUENCE, ..] => Ok(Self::Asn1),
            [first, ..] => Err(AlertError::Malformed(format!(
                "starts {first:#04x}: neither a DLMS data-notification, GBZ nor ASN.1"
            ))),
            [] => Err(AlertError::Malformed("empty".to_owned())),
        }
    }
}

/// One alert: its code, when the device raised it, and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub code: AlertCode,
    /// When it was raised: UTC seconds since 2000-01-01.
    pub time: u32,
    pub details: AlertDetails,
}

/// What an alert carries after its code and time, by use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertDetails {
    /// Nothing (generic alerts).
    Nothing,
    /// ECS80: when supply was interrupted and when it came back (UTC seconds since 2000).
    SupplyOutage { interrupted: u32, restored: u32 },
    /// ECS68: the DLMS Data Protection parameters and the encrypted billing data log entry.
    EncryptedDataLog {
        protection: ProtectionParameters,
        block: Vec<u8>,
    },
    /// GBZ components (GCS53: the billing data log as an encrypted Publish Snapshot).
    Components(Vec<GbzComponent>),
    /// The meter integrity issue warning: GBCS's code of the error found (e.g. 5, an
    /// unexpected hardware reset).
    MeterIntegrityIssue { error: u16 },
    /// The firmware distribution receipt: the hash the device calculated over the image.
    FirmwareHash(Vec<u8>),
    /// ECS100: the command the device does not support.
    UnsupportedCommand {
        message_code: MessageCode,
        counter: u64,
    },
    /// ECS101: auxiliary proportional controller `controller` limited to `level` (%) from
    /// `start` to `end` (UTC seconds since 2000).
    ApcLimitApplied {
        controller: u8,
        start: u32,
        end: u32,
        level: u8,
    },
    /// ECS102: auxiliary proportional controller `controller` back at `level` (%).
    ApcLimitEnded { controller: u8, level: u8 },
    /// ECS200: operational data (JSON text).
    OperationalUpdate(String),
    /// CS14: the CHF device log after `device` was added or removed: each device and its
    /// install code.
    ChfDeviceLog {
        changed: u32,
        device: Eui64,
        entries: Vec<(Eui64, Vec<u8>)>,
    },
    /// DBCH06, DBCH11: the device the alert is about.
    SubGhzDevice(Eui64),
    /// DBCH07, DBCH08, DBCH09: the Sub GHz channel, scan outcome or configuration.
    SubGhz(Data),
    /// DBCH10: the message the CHF discarded.
    DiscardedMessage {
        originator: Eui64,
        target: Eui64,
        cra: Cra,
        counter: u64,
    },
    /// The future-dated DLMS command executed: its message code, counter and the attribute
    /// it changed.
    FutureDatedDlms {
        message_code: MessageCode,
        counter: u64,
        target: CosemReference,
    },
    /// The future-dated GBZ command executed: its message code, counter, and the ZCL command.
    FutureDatedGbz {
        message_code: MessageCode,
        counter: u64,
        cluster: u16,
        frame_control: u8,
        command_id: u8,
    },
    /// CS09: the firmware version the device runs and whether its image activated.
    FirmwareVersion { version: Vec<u8>, activated: bool },
    /// CCS08: the device the CHF transferred an image to, its version and the outcome (0
    /// success, 1 image discarded, 2 hardware version mismatch, 3 transfer failure).
    FirmwareTransfer {
        entity: Eui64,
        version: Vec<u8>,
        outcome: u8,
    },
    /// GCS62: the GPF's device log.
    GpfDeviceLog(Vec<DeviceLogEntry>),
    /// The future-dated credentials update or firmware activation alerts: the DER of the
    /// use case's execution outcome that follows the execution time.
    ExecutionOutcome(Vec<u8>),
    /// A DLMS alert of a use case this codec does not know: its fields after code and time.
    DlmsFields(Vec<Data>),
    /// A GBZ alert of a use case this codec does not know: its component count and the
    /// bytes after code and time.
    GbzFields { count: u8, bytes: Vec<u8> },
}

/// The message codes whose payload the codec reads field by field.
mod use_case {
    pub const ECS68: u16 = 0x0061;
    pub const ECS80: u16 = 0x0067;
    pub const GCS53: u16 = 0x008B;
    pub const GCS62: u16 = 0x00B2;
    pub const CS14: u16 = 0x0018;
    pub const FUTURE_DATED_DLMS: u16 = 0x00CC;
    pub const FUTURE_DATED_GBZ: u16 = 0x00CD;
    pub const FIRMWARE_RECEIPT_DLMS: u16 = 0x00CE;
    pub const FIRMWARE_RECEIPT_GBZ: u16 = 0x00CF;
    pub const INTEGRITY_DLMS: u16 = 0x00F0;
    pub const INTEGRITY_GBZ: u16 = 0x00F2;
    pub const DBCH06: u16 = 0x0110;
    pub const DBCH07: u16 = 0x0111;
    pub const DBCH08: u16 = 0x0112;
    pub const DBCH09: u16 = 0x0113;
    pub const DBCH10: u16 = 0x0114;
    pub const DBCH11: u16 = 0x0115;
    pub const ECS100: u16 = 0x0120;
    pub const ECS101: u16 = 0x0121;
    pub const ECS102: u16 = 0x0122;
    pub const ECS200: u16 = 0x0123;
    pub const CCS08: u16 = 0x0128;
    pub const CS08: u16 = 0x0129;
    pub const CS09: u16 = 0x012B;
}

/// The length of a future-dated GBZ alert's fields: message code, counter, cluster, frame
/// control and command id.
const FUTURE_DATED_GBZ_LENGTH: u8 = 14;

impl Alert {
    /// The payload of the alert under `message_code`, in `encoding`; `counter` is the
    /// alert's (its DLMS long-invoke-id).
    pub fn encode(&self, encoding: AlertEncoding, counter: u64) -> Result<Vec<u8>, AlertError> {
        match encoding {
            AlertEncoding::Dlms => self.encode_dlms(counter),
            AlertEncoding::Gbz => self.encode_gbz(),
            AlertEncoding::Asn1 => self.encode_asn1(),
        }
    }

    /// Reads the payload of an alert under `message_code`.
    pub fn parse(message_code: MessageCode, payload: &[u8]) -> Result<Self, AlertError> {
        match AlertEncoding::detect(payload)? {
            AlertEncoding::Dlms => Self::parse_dlms(message_code, payload),
            AlertEncoding::Gbz => Self::parse_gbz(message_code, payload),
            AlertEncoding::Asn1 => Self::parse_asn1(message_code, payload),
        }
    }

    fn encode_dlms(&self, counter: u64) -> Result<Vec<u8>, AlertError> {
        let mut body = vec![
            Data::LongUnsigned(self.code.0),
            Data::OctetString(cosem_date_time(self.time)?.to_vec()),
        ];
        body.extend(self.dlms_fields()?);
        Ok(DlmsApdu::DataNotification {
            long_invoke_id: long_invoke_id(counter),
            date_time: Vec::new(),
            body: Data::Structure(body),
        }
        .encode())
    }

    fn dlms_fields(&self) -> Result<Vec<Data>, AlertError> {
        let octets = |bytes: &[u8]| Data::OctetString(bytes.to_vec());
        let date_time = |time: u32| cosem_date_time(time).map(|octets| octets.to_vec());
        Ok(match &self.details {
            AlertDetails::Nothing => Vec::new(),
            AlertDetails::SupplyOutage {
                interrupted,
                restored,
            } => vec![
                Data::OctetString(date_time(*interrupted)?),
                Data::OctetString(date_time(*restored)?),
            ],
            AlertDetails::EncryptedDataLog { protection, block } => {
                vec![Data::Array(vec![protection.data()]), octets(block)]
            }
            AlertDetails::MeterIntegrityIssue { error } => vec![octets(&error.to_be_bytes())],
            AlertDetails::FirmwareHash(hash) => vec![octets(hash)],
            AlertDetails::UnsupportedCommand {
                message_code,
                counter,
            } => {
                let mut reference = message_code.0.to_be_bytes().to_vec();
                reference.extend_from_slice(&counter.to_be_bytes());
                vec![Data::OctetString(reference)]
            }
            AlertDetails::ApcLimitApplied {
                controller,
                start,
                end,
                level,
            } => vec![
                Data::Unsigned(*controller),
                Data::OctetString(date_time(*start)?),
                Data::OctetString(date_time(*end)?),
                Data::Unsigned(*level),
            ],
            AlertDetails::ApcLimitEnded { controller, level } => {
                vec![Data::Unsigned(*controller), Data::Unsigned(*level)]
            }
            AlertDetails::OperationalUpdate(text) => {
                vec![Data::Utf8String(text.as_bytes().to_vec())]
            }
            AlertDetails::ChfDeviceLog {
                changed,
                device,
                entries,
            } => vec![Data::Structure(vec![
                Data::OctetString(date_time(*changed)?),
                octets(device.as_bytes()),
                Data::Array(
                    entries
                        .iter()
                        .map(|(id, install_code)| {
                            Data::Structure(vec![octets(id.as_bytes()), octets(install_code)])
                        })
                        .collect(),
                ),
            ])],
            AlertDetails::SubGhzDevice(device) => vec![octets(device.as_bytes())],
            AlertDetails::SubGhz(data) => vec![data.clone()],
            AlertDetails::DiscardedMessage {
                originator,
                target,
                cra,
                counter,
            } => {
                let mut reference = originator.as_bytes().to_vec();
                reference.extend_from_slice(target.as_bytes());
                reference.push(cra.byte());
                reference.extend_from_slice(&counter.to_be_bytes());
                vec![Data::OctetString(reference)]
            }
            AlertDetails::FutureDatedDlms {
                message_code,
                counter,
                target,
            } => {
                let mut reference = message_code.0.to_be_bytes().to_vec();
                reference.extend_from_slice(&counter.to_be_bytes());
                reference.extend_from_slice(&target.class_id.to_be_bytes());
                reference.extend_from_slice(&target.obis);
                reference.push(target.index);
                vec![Data::OctetString(reference)]
            }
            AlertDetails::DlmsFields(fields) => fields.clone(),
            other => return Err(not_in("DLMS", other)),
        })
    }

    fn parse_dlms(message_code: MessageCode, payload: &[u8]) -> Result<Self, AlertError> {
        let DlmsApdu::DataNotification { body, .. } = DlmsApdu::parse(payload)? else {
            return Err(malformed("a DLMS APDU that is not a data-notification"));
        };
        let Data::Structure(elements) = body else {
            return Err(malformed(
                "a data-notification whose body is not a structure",
            ));
        };
        let (code, time, fields) = match elements.as_slice() {
            [Data::LongUnsigned(code), Data::OctetString(time), fields @ ..] => {
                (AlertCode(*code), seconds_of_cosem(time)?, fields)
            }
            _ => return Err(malformed("no alert code and date-time")),
        };
        let details = dlms_details(message_code.0, fields)?;
        Ok(Self {
            code,
            time,
            details,
        })
    }

    fn encode_gbz(&self) -> Result<Vec<u8>, AlertError> {
        let (count, fields) = match &self.details {
            AlertDetails::Nothing => (0, Vec::new()),
            AlertDetails::Components(components) => {
                let encoded = GbzPayload {
                    components: components.clone(),
                }
                .encode();
                // GbzPayload writes the profile id and count before the components.
                (component_count(components.len())?, encoded[3..].to_vec())
            }
            AlertDetails::MeterIntegrityIssue { error } => (1, error.to_be_bytes().to_vec()),
            AlertDetails::FirmwareHash(hash) => (1, Data::OctetString(hash.clone()).encode()),
            AlertDetails::FutureDatedGbz {
                message_code,
                counter,
                cluster,
                frame_control,
                command_id,
            } => {
                let mut fields = vec![FUTURE_DATED_GBZ_LENGTH];
                fields.extend_from_slice(&message_code.0.to_be_bytes());
                fields.extend_from_slice(&counter.to_be_bytes());
                fields.extend_from_slice(&cluster.to_be_bytes());
                fields.extend_from_slice(&[*frame_control, *command_id]);
                (1, fields)
            }
            AlertDetails::GbzFields { count, bytes } => (*count, bytes.clone()),
            other => return Err(not_in("GBZ", other)),
        };
        let mut out = GBZ_PROFILE_ID.to_be_bytes().to_vec();
        out.push(count);
        out.extend_from_slice(&self.code.0.to_be_bytes());
        out.extend_from_slice(&self.time.to_be_bytes());
        out.extend(fields);
        Ok(out)
    }

    fn parse_gbz(message_code: MessageCode, payload: &[u8]) -> Result<Self, AlertError> {
        let (header, fields) = payload
            .split_at_checked(9)
            .ok_or_else(|| malformed("a GBZ alert shorter than its header"))?;
        let count = header[2];
        let code = AlertCode(u16::from_be_bytes([header[3], header[4]]));
        let time = u32::from_be_bytes([header[5], header[6], header[7], header[8]]);
        let details = gbz_details(message_code.0, count, fields)?;
        Ok(Self {
            code,
            time,
            details,
        })
    }

    fn encode_asn1(&self) -> Result<Vec<u8>, AlertError> {
        let mut content = asn1::integer(u64::from(self.code.0));
        content.extend(asn1::tlv(
            tag::GENERALIZED_TIME,
            generalized_time(self.time)?.as_bytes(),
        ));
        match &self.details {
            AlertDetails::FirmwareVersion { version, activated } => {
                content.extend(asn1::octet_string(version));
                content.extend(asn1::integer(u64::from(!activated)));
            }
            AlertDetails::FirmwareTransfer {
                entity,
                version,
                outcome,
            } => {
                content.extend(asn1::octet_string(entity.as_bytes()));
                content.extend(asn1::octet_string(version));
                content.extend(asn1::integer(u64::from(*outcome)));
            }
            AlertDetails::GpfDeviceLog(entries) => {
                content.extend(crate::han::encode_entries(entries, asn1::response_tlv));
            }
            AlertDetails::ExecutionOutcome(der) => content.extend_from_slice(der),
            other => return Err(not_in("ASN.1", other)),
        }
        Ok(asn1::response_tlv(tag::SEQUENCE, &content))
    }

    fn parse_asn1(message_code: MessageCode, payload: &[u8]) -> Result<Self, AlertError> {
        let what = "alert";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        let code = u16::try_from(reader.integer("alert code")?)
            .map_err(|_| malformed("an alert code above 0xFFFF"))?;
        let time = seconds_of_generalized_time(&reader.generalized_time("alert time")?)?;
        let details = match message_code.0 {
            use_case::CS09 | use_case::CS08 => {
                let version = reader.octet_string("firmware version")?.to_vec();
                let activated = reader.small_integer("activation outcome")? == 0;
                AlertDetails::FirmwareVersion { version, activated }
            }
            use_case::CCS08 => AlertDetails::FirmwareTransfer {
                entity: Eui64::new(reader.octets("entity id")?),
                version: reader.octet_string("firmware version")?.to_vec(),
                outcome: reader.small_integer("transfer outcome")?,
            },
            use_case::GCS62 => AlertDetails::GpfDeviceLog(crate::han::decode_entries(&mut reader)?),
            _ => {
                let mut rest = Vec::new();
                while let Some(next) = reader.peek() {
                    rest.extend_from_slice(reader.whole(next, "execution outcome")?);
                }
                AlertDetails::ExecutionOutcome(rest)
            }
        };
        reader.finish(what)?;
        Ok(Self {
            code: AlertCode(code),
            time,
            details,
        })
    }
}

/// The alert code of an alert payload, read without the rest (what the DSP forwards).
pub fn alert_code(payload: &[u8]) -> Result<AlertCode, AlertError> {
    let code = match AlertEncoding::detect(payload)? {
        // 0F, long-invoke-id (4), date-time length 0, structure tag and count, long-unsigned tag.
        AlertEncoding::Dlms => match payload.get(6..10) {
            Some([0x02, _, 0x12, high]) => {
                payload.get(10).map(|low| u16::from_be_bytes([*high, *low]))
            }
            _ => None,
        },
        AlertEncoding::Gbz => payload
            .get(3..5)
            .map(|code| u16::from_be_bytes([code[0], code[1]])),
        AlertEncoding::Asn1 => {
            let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, "alert")?;
            u16::try_from(reader.integer("alert code")?).ok()
        }
    };
    code.map(AlertCode)
        .ok_or_else(|| malformed("no alert code where the encoding puts it"))
}

fn dlms_details(message_code: u16, fields: &[Data]) -> Result<AlertDetails, AlertError> {
    let date_time = |data: &Data| match data {
        Data::OctetString(octets) => seconds_of_cosem(octets),
        _ => Err(malformed("a date-time that is not an octet string")),
    };
    let details = match (message_code, fields) {
        (_, []) => AlertDetails::Nothing,
        (use_case::ECS80, [interrupted, restored]) => AlertDetails::SupplyOutage {
            interrupted: date_time(interrupted)?,
            restored: date_time(restored)?,
        },
        (use_case::ECS68, [Data::Array(parameters), Data::OctetString(block)]) => {
            let [parameters] = parameters.as_slice() else {
                return Err(malformed("ECS68 protection parameters are not one entry"));
            };
            let protection = ProtectionParameters::from_data(parameters)
                .ok_or_else(|| malformed("ECS68 protection parameters"))?;
            AlertDetails::EncryptedDataLog {
                protection,
                block: block.clone(),
            }
        }
        (use_case::INTEGRITY_DLMS, [Data::OctetString(error)]) => {
            AlertDetails::MeterIntegrityIssue {
                error: u16::from_be_bytes(fixed(error, "integrity error")?),
            }
        }
        (use_case::FIRMWARE_RECEIPT_DLMS, [Data::OctetString(hash)]) => {
            AlertDetails::FirmwareHash(hash.clone())
        }
        (use_case::ECS100, [Data::OctetString(reference)]) => {
            let reference: [u8; 10] = fixed(reference, "unsupported command")?;
            let (code, counter) = reference.split_at(2);
            AlertDetails::UnsupportedCommand {
                message_code: MessageCode(u16::from_be_bytes([code[0], code[1]])),
                counter: u64::from_be_bytes(fixed(counter, "unsupported command counter")?),
            }
        }
        (use_case::ECS101, [Data::Unsigned(controller), start, end, Data::Unsigned(level)]) => {
            AlertDetails::ApcLimitApplied {
                controller: *controller,
                start: date_time(start)?,
                end: date_time(end)?,
                level: *level,
            }
        }
        (use_case::ECS102, [Data::Unsigned(controller), Data::Unsigned(level)]) => {
            AlertDetails::ApcLimitEnded {
                controller: *controller,
                level: *level,
            }
        }
        (use_case::ECS200, [Data::Utf8String(text)]) => AlertDetails::OperationalUpdate(
            String::from_utf8(text.clone()).map_err(|_| malformed("ECS200 text is not UTF-8"))?,
        ),
        (use_case::CS14, [Data::Structure(log)]) => chf_device_log(log, date_time)?,
        (use_case::DBCH06 | use_case::DBCH11, [Data::OctetString(device)]) => {
            AlertDetails::SubGhzDevice(Eui64::new(fixed(device, "device id")?))
        }
        (use_case::DBCH07 | use_case::DBCH08 | use_case::DBCH09, [data]) => {
            AlertDetails::SubGhz(data.clone())
        }
        (use_case::DBCH10, [Data::OctetString(reference)]) => {
            let reference: [u8; 25] = fixed(reference, "discarded message")?;
            AlertDetails::DiscardedMessage {
                originator: Eui64::new(fixed(&reference[..8], "originator")?),
                target: Eui64::new(fixed(&reference[8..16], "target")?),
                cra: Cra::from_byte(reference[16])?,
                counter: u64::from_be_bytes(fixed(&reference[17..], "counter")?),
            }
        }
        (use_case::FUTURE_DATED_DLMS, [Data::OctetString(reference)]) => {
            let reference: [u8; 19] = fixed(reference, "future-dated command")?;
            AlertDetails::FutureDatedDlms {
                message_code: MessageCode(u16::from_be_bytes([reference[0], reference[1]])),
                counter: u64::from_be_bytes(fixed(&reference[2..10], "counter")?),
                target: CosemReference {
                    class_id: u16::from_be_bytes([reference[10], reference[11]]),
                    obis: fixed(&reference[12..18], "logical name")?,
                    index: reference[18],
                },
            }
        }
        (_, fields) => AlertDetails::DlmsFields(fields.to_vec()),
    };
    Ok(details)
}

fn chf_device_log(
    log: &[Data],
    date_time: impl Fn(&Data) -> Result<u32, AlertError>,
) -> Result<AlertDetails, AlertError> {
    let [changed, Data::OctetString(device), Data::Array(entries)] = log else {
        return Err(malformed("CS14 device log is not {time, device, entries}"));
    };
    let entries = entries
        .iter()
        .map(|entry| match entry {
            Data::Structure(fields) => match fields.as_slice() {
                [Data::OctetString(id), Data::OctetString(install_code)] => {
                    Ok((Eui64::new(fixed(id, "device id")?), install_code.clone()))
                }
                _ => Err(malformed("CS14 device log entry")),
            },
            _ => Err(malformed("CS14 device log entry")),
        })
        .collect::<Result<_, _>>()?;
    Ok(AlertDetails::ChfDeviceLog {
        changed: date_time(changed)?,
        device: Eui64::new(fixed(device, "device id")?),
        entries,
    })
}

fn gbz_details(message_code: u16, count: u8, fields: &[u8]) -> Result<AlertDetails, AlertError> {
    let details = match (message_code, count, fields) {
        (_, 0, []) => AlertDetails::Nothing,
        (use_case::INTEGRITY_GBZ, 1, [high, low]) => AlertDetails::MeterIntegrityIssue {
            error: u16::from_be_bytes([*high, *low]),
        },
        (use_case::FIRMWARE_RECEIPT_GBZ, 1, [0x09, ..]) => match Data::parse(fields)? {
            Data::OctetString(hash) => AlertDetails::FirmwareHash(hash),
            _ => return Err(malformed("firmware receipt hash")),
        },
        (use_case::FUTURE_DATED_GBZ, 1, [FUTURE_DATED_GBZ_LENGTH, rest @ ..]) => {
            let rest: [u8; 14] = fixed(rest, "future-dated command")?;
            AlertDetails::FutureDatedGbz {
                message_code: MessageCode(u16::from_be_bytes([rest[0], rest[1]])),
                counter: u64::from_be_bytes(fixed(&rest[2..10], "counter")?),
                cluster: u16::from_be_bytes([rest[10], rest[11]]),
                frame_control: rest[12],
                command_id: rest[13],
            }
        }
        (use_case::GCS53, count, fields) => AlertDetails::Components(components(count, fields)?),
        (_, count, fields) => match components(count, fields) {
            Ok(components) => AlertDetails::Components(components),
            Err(_) => AlertDetails::GbzFields {
                count,
                bytes: fields.to_vec(),
            },
        },
    };
    Ok(details)
}

/// The GBZ components of an alert: parsed as a GBZ payload's (profile id, count, components).
fn components(count: u8, fields: &[u8]) -> Result<Vec<GbzComponent>, AlertError> {
    let mut payload = GBZ_PROFILE_ID.to_be_bytes().to_vec();
    payload.push(count);
    payload.extend_from_slice(fields);
    Ok(GbzPayload::parse(&payload)?.components)
}

/// The components of a GBZ alert payload (GCS53's encrypted Publish Snapshot), if it has
/// any that read as components.
pub(crate) fn gbz_alert_components(payload: &[u8]) -> Option<Vec<GbzComponent>> {
    match payload {
        [0x01, 0x09, count, _, _, _, _, _, _, fields @ ..] if *count > 0 => {
            components(*count, fields).ok()
        }
        _ => None,
    }
}

fn component_count(count: usize) -> Result<u8, AlertError> {
    u8::try_from(count).map_err(|_| malformed("more than 255 GBZ components"))
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], AlertError> {
    bytes
        .try_into()
        .map_err(|_| malformed(&format!("{what}: {} bytes, not {N}", bytes.len())))
}

fn malformed(what: &str) -> AlertError {
    AlertError::Malformed(what.to_owned())
}

fn not_in(encoding: &str, details: &AlertDetails) -> AlertError {
    AlertError::Malformed(format!(
        "{details:?} cannot be carried in a {encoding} alert"
    ))
}

/// Seconds between 1970-01-01 and 2000-01-01 (GBCS times count from 2000).
const EPOCH_2000_UNIX: u64 = 946_684_800;

fn date_time_of(seconds: u32) -> Result<der::DateTime, AlertError> {
    der::DateTime::from_unix_duration(Duration::from_secs(EPOCH_2000_UNIX + u64::from(seconds)))
        .map_err(|_| AlertError::Time(seconds))
}

fn seconds_of(date_time: &der::DateTime) -> Result<u32, AlertError> {
    date_time
        .unix_duration()
        .as_secs()
        .checked_sub(EPOCH_2000_UNIX)
        .and_then(|seconds| u32::try_from(seconds).ok())
        .ok_or_else(|| malformed("a time before 2000 or after 2135"))
}

/// The COSEM date-time of `seconds` as GBCS devices write it: day of week, deviation and
/// clock status not specified, hundredths zero.
pub fn cosem_date_time(seconds: u32) -> Result<[u8; 12], AlertError> {
    let date_time = date_time_of(seconds)?;
    let [year_high, year_low] = date_time.year().to_be_bytes();
    Ok([
        year_high,
        year_low,
        date_time.month(),
        date_time.day(),
        0xFF,
        date_time.hour(),
        date_time.minutes(),
        date_time.seconds(),
        0x00,
        0x80,
        0x00,
        0xFF,
    ])
}

fn seconds_of_cosem(octets: &[u8]) -> Result<u32, AlertError> {
    let [year_high, year_low, month, day, _, hour, minute, second, ..] = octets else {
        return Err(malformed("a COSEM date-time of fewer than 12 octets"));
    };
    if octets.len() != 12 {
        return Err(malformed("a COSEM date-time of more than 12 octets"));
    }
    let date_time = der::DateTime::new(
        u16::from_be_bytes([*year_high, *year_low]),
        *month,
        *day,
        *hour,
        *minute,
        *second,
    )
    .map_err(|_| malformed("a COSEM date-time that is not a date and time"))?;
    seconds_of(&date_time)
}

/// The GeneralizedTime text of `seconds` (`20150101000000Z`).
pub fn generalized_time(seconds: u32) -> Result<String, AlertError> {
    let date_time = date_time_of(seconds)?;
    Ok(format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        date_time.year(),
        date_time.month(),
        date_time.day(),
        date_time.hour(),
        date_time.minutes(),
        date_time.seconds()
    ))
}

/// The UTC seconds since 2000 of a GeneralizedTime text (`20150101000000Z`).
pub fn seconds_of_generalized_time(text: &str) -> Result<u32, AlertError> {
    let bad = || malformed(&format!("GeneralizedTime {text:?}"));
    let digits = text.strip_suffix('Z').ok_or_else(bad)?;
    if digits.len() != 14 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| digits[range].parse::<u16>().map_err(|_| bad());
    let small = |range| field(range).and_then(|value| u8::try_from(value).map_err(|_| bad()));
    let date_time = der::DateTime::new(
        field(0..4)?,
        small(4..6)?,
        small(6..8)?,
        small(8..10)?,
        small(10..12)?,
        small(12..14)?,
    )
    .map_err(|_| bad())?;
    seconds_of(&date_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_codes_read_and_write_as_four_hex_digits() {
        assert_eq!("8F1C".parse::<AlertCode>(), Ok(AlertCode(0x8F1C)));
        assert_eq!("0x8f1c".parse::<AlertCode>(), Ok(AlertCode(0x8F1C)));
        assert_eq!(AlertCode(0x810E).to_string(), "810E");
        for bad in ["8F1", "8F1CC", "XYZW", "", "+8F1"] {
            assert_eq!(
                bad.parse::<AlertCode>(),
                Err(AlertError::BadCode(bad.to_owned()))
            );
        }
    }

    #[test]
    fn times_are_seconds_since_2000() {
        // 2015-01-01T00:00:00Z, the time of the RTDS alerts.
        let time = 0x1C37_4A80;
        assert_eq!(
            cosem_date_time(time).unwrap(),
            [0x07, 0xDF, 1, 1, 0xFF, 0, 0, 0, 0, 0x80, 0, 0xFF]
        );
        assert_eq!(
            seconds_of_cosem(&cosem_date_time(time).unwrap()).unwrap(),
            time
        );
        assert_eq!(generalized_time(time).unwrap(), "20150101000000Z");
        assert_eq!(
            seconds_of_generalized_time("20150101000000Z").unwrap(),
            time
        );
        assert!(seconds_of_generalized_time("2015010100000Z").is_err());
        assert!(seconds_of_cosem(&[0x07, 0xDF, 13, 1, 0xFF, 0, 0, 0, 0, 0x80, 0, 0xFF]).is_err());
    }

    #[test]
    fn a_generic_alert_round_trips_in_dlms_and_gbz() {
        let alert = Alert {
            code: AlertCode(0x8F1C),
            time: 0x1C37_4A80,
            details: AlertDetails::Nothing,
        };
        let dlms = alert.encode(AlertEncoding::Dlms, 0x7D0).unwrap();
        assert_eq!(
            dlms[..13],
            [0x0F, 0x20, 0, 0x07, 0xD0, 0x00, 0x02, 0x02, 0x12, 0x8F, 0x1C, 0x09, 0x0C]
        );
        assert_eq!(
            Alert::parse(catalogue::GENERIC_CRITICAL, &dlms).unwrap(),
            alert
        );
        let gbz = alert.encode(AlertEncoding::Gbz, 0x7D0).unwrap();
        assert_eq!(gbz, [0x01, 0x09, 0x00, 0x8F, 0x1C, 0x1C, 0x37, 0x4A, 0x80]);
        assert_eq!(
            Alert::parse(catalogue::GENERIC_CRITICAL, &gbz).unwrap(),
            alert
        );
        assert_eq!(alert_code(&dlms), Ok(AlertCode(0x8F1C)));
        assert_eq!(alert_code(&gbz), Ok(AlertCode(0x8F1C)));
    }

    #[test]
    fn details_a_carrier_cannot_hold_are_refused() {
        let alert = Alert {
            code: AlertCode(0x8F36),
            time: 0,
            details: AlertDetails::SupplyOutage {
                interrupted: 0,
                restored: 60,
            },
        };
        assert!(matches!(
            alert.encode(AlertEncoding::Gbz, 1),
            Err(AlertError::Malformed(_))
        ));
        assert!(matches!(
            alert_code(&[0x0F, 0x20]),
            Err(AlertError::Malformed(_))
        ));
        assert!(matches!(
            Alert::parse(MessageCode(0x0067), &[0x01, 0x09, 0x00]),
            Err(AlertError::Malformed(_))
        ));
    }
}
