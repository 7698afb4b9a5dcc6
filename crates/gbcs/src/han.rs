//! Home Area Network payloads: which devices a device talks to.
//!
//! - ASN.1 DER: [`join`] (CS03A1, CS03A2, CS03B, CS03C), [`unjoin`] (CS04AC, CS04B),
//!   [`cs07`] (Read Device Join Details) and [`gcs59`] (Restore GPF Device Log), with the
//!   GBCS [`HanDeviceType`] and [`DeviceLogEntry`] they share.
//! - DLMS: [`chf_device_log`], the Communications Hub Function's device log (CCS01 add,
//!   CCS02 remove, CCS03 restore, CCS06 read and check, CCS07 back up), a COSEM ZigBee network
//!   control object.
//!
//! Each command has its encoder and decoder, so the DSP builds what a device engine reads.

use dcc_model::{DeviceType, Eui64};

use crate::asn1::{self, tag, Asn1Error, DerReader};
use crate::envelope::MessageCode;

/// `DeviceType ::= INTEGER` of the GBCS ASN.1 payloads (joins, device logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HanDeviceType(pub u8);

impl HanDeviceType {
    pub const GSME: Self = Self(0);
    pub const ESME: Self = Self(1);
    pub const CHF: Self = Self(2);
    pub const GPF: Self = Self(3);
    pub const HCALCS: Self = Self(4);
    pub const PPMID: Self = Self(5);
    /// A Type 2 device: an IHD or a CAD.
    pub const TYPE_2: Self = Self(6);
}

impl From<DeviceType> for HanDeviceType {
    fn from(device_type: DeviceType) -> Self {
        match device_type {
            DeviceType::GasSmartMeter => Self::GSME,
            DeviceType::ElectricitySmartMeter => Self::ESME,
            DeviceType::CommunicationsHubFunction => Self::CHF,
            DeviceType::GasProxyFunction => Self::GPF,
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch => Self::HCALCS,
            DeviceType::PrepaymentInterfaceDevice => Self::PPMID,
            DeviceType::InHomeDisplay | DeviceType::ConsumerAccessDevice => Self::TYPE_2,
        }
    }
}

/// `DeviceLogEntry ::= SEQUENCE { deviceId OCTET STRING (SIZE(8)), deviceType DeviceType }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceLogEntry {
    pub device: Eui64,
    pub device_type: HanDeviceType,
}

impl DeviceLogEntry {
    fn encode(&self, tlv: fn(u8, &[u8]) -> Vec<u8>) -> Vec<u8> {
        let mut content = asn1::octet_string(self.device.as_bytes());
        content.extend(asn1::integer(u64::from(self.device_type.0)));
        tlv(tag::SEQUENCE, &content)
    }

    fn decode(reader: &mut DerReader<'_>) -> Result<Self, Asn1Error> {
        let mut entry = reader.nested(tag::SEQUENCE, "device log entry")?;
        let device = Eui64::new(entry.octets("device id")?);
        let device_type = HanDeviceType(entry.small_integer("device type")?);
        entry.finish("device log entry")?;
        Ok(Self {
            device,
            device_type,
        })
    }
}

pub(crate) fn encode_entries(entries: &[DeviceLogEntry], tlv: fn(u8, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let content: Vec<u8> = entries.iter().flat_map(|entry| entry.encode(tlv)).collect();
    tlv(tag::SEQUENCE, &content)
}

pub(crate) fn decode_entries(reader: &mut DerReader<'_>) -> Result<Vec<DeviceLogEntry>, Asn1Error> {
    let mut list = reader.nested(tag::SEQUENCE, "device log entries")?;
    let mut entries = Vec::new();
    while !list.is_empty() {
        entries.push(DeviceLogEntry::decode(&mut list)?);
    }
    Ok(entries)
}

/// CS03 joins: the device adds the other device to its device log and, for methods A and C,
/// establishes keys with it.
pub mod join {
    use super::*;

    /// CS03A1 Method A Join (Meter): the meter initiates.
    pub const METHOD_A_METER_MESSAGE_CODE: MessageCode = MessageCode(0x000D);
    /// CS03A2 Method A Join (non Meter): the PPMID or HCALCS responds.
    pub const METHOD_A_NON_METER_MESSAGE_CODE: MessageCode = MessageCode(0x00AB);
    /// CS03B Method B Join (non-critical).
    pub const METHOD_B_MESSAGE_CODE: MessageCode = MessageCode(0x000E);
    /// CS03C Method C Join: the other device's certificate travels in the command.
    pub const METHOD_C_MESSAGE_CODE: MessageCode = MessageCode(0x00AF);

    /// `JoinMethodAndRole ::= INTEGER`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct JoinMethodAndRole(pub u8);

    impl JoinMethodAndRole {
        pub const METHOD_A_INITIATOR: Self = Self(0);
        pub const METHOD_A_RESPONDER: Self = Self(1);
        pub const METHOD_B: Self = Self(2);
        pub const METHOD_C: Self = Self(3);

        /// The message code of a join by this method and role.
        pub fn message_code(self) -> Option<MessageCode> {
            match self {
                Self::METHOD_A_INITIATOR => Some(METHOD_A_METER_MESSAGE_CODE),
                Self::METHOD_A_RESPONDER => Some(METHOD_A_NON_METER_MESSAGE_CODE),
                Self::METHOD_B => Some(METHOD_B_MESSAGE_CODE),
                Self::METHOD_C => Some(METHOD_C_MESSAGE_CODE),
                _ => None,
            }
        }
    }

    /// The command: `JoinDeviceCommand`.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct JoinDevice {
        pub method_and_role: JoinMethodAndRole,
        /// The other device.
        pub entity_id: Eui64,
        pub device_type: HanDeviceType,
        /// Method C: the other device's key agreement certificate (DER).
        pub certificate: Option<Vec<u8>>,
    }

    impl JoinDevice {
        pub fn encode(&self) -> Vec<u8> {
            let mut content = asn1::integer(u64::from(self.method_and_role.0));
            content.extend(asn1::octet_string(self.entity_id.as_bytes()));
            content.extend(asn1::integer(u64::from(self.device_type.0)));
            if let Some(certificate) = &self.certificate {
                content.extend_from_slice(certificate);
            }
            asn1::sequence(&content)
        }

        /// Reads a command payload; never panics on any input.
        pub fn decode(payload: &[u8]) -> Result<Self, Asn1Error> {
            let what = "JoinDevice";
            let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
            let method_and_role = JoinMethodAndRole(reader.small_integer("join method and role")?);
            let entity_id = Eui64::new(reader.octets("entity id")?);
            let device_type = HanDeviceType(reader.small_integer("device type")?);
            let certificate = match reader.is_empty() {
                true => None,
                false => Some(reader.whole(tag::SEQUENCE, "certificate")?.to_vec()),
            };
            reader.finish(what)?;
            Ok(Self {
                method_and_role,
                entity_id,
                device_type,
                certificate,
            })
        }
    }

    /// Join response codes (`INTEGER`).
    pub const SUCCESS: u8 = 0;
    pub const INVALID_MESSAGE_CODE_FOR_JOIN_METHOD_AND_ROLE: u8 = 1;
    pub const INVALID_JOIN_METHOD_AND_ROLE: u8 = 2;
    pub const INCOMPATIBLE_WITH_EXISTING_ENTRY: u8 = 3;
    pub const DEVICE_LOG_FULL: u8 = 4;
    pub const WRITE_FAILURE: u8 = 5;
    pub const KEY_AGREEMENT_NO_RESOURCES: u8 = 6;
    pub const KEY_AGREEMENT_UNKNOWN_ISSUER: u8 = 7;
    pub const KEY_AGREEMENT_UNSUPPORTED_SUITE: u8 = 8;
    pub const KEY_AGREEMENT_BAD_MESSAGE: u8 = 9;
    pub const KEY_AGREEMENT_BAD_KEY_CONFIRM: u8 = 10;
    pub const INVALID_OR_MISSING_CERTIFICATE: u8 = 11;
    pub const NO_PARTNER_LINK_KEY_RECEIVED: u8 = 12;
    pub const NO_CBKE_RESPONSE: u8 = 13;
}

/// CS04 unjoins: the device removes the other device from its device log.
pub mod unjoin {
    use super::*;

    /// CS04AC Method A or C Unjoin (critical).
    pub const METHOD_A_OR_C_MESSAGE_CODE: MessageCode = MessageCode(0x000F);
    /// CS04B Method B Unjoin (non-critical).
    pub const METHOD_B_MESSAGE_CODE: MessageCode = MessageCode(0x0010);

    pub const SUCCESS: u8 = 0;
    pub const NOT_IN_DEVICE_LOG: u8 = 1;
    pub const OTHER_FAILURE: u8 = 2;

    /// The command payload: the other device's id as an OCTET STRING.
    pub fn command_payload(entity_id: Eui64) -> Vec<u8> {
        asn1::octet_string(entity_id.as_bytes())
    }

    /// Reads a command payload.
    pub fn decode_command(payload: &[u8]) -> Result<Eui64, Asn1Error> {
        let mut reader = DerReader::new(payload);
        let entity_id = Eui64::new(reader.octets("entity id")?);
        reader.finish("UnjoinDevice")?;
        Ok(entity_id)
    }
}

/// CS07 Read Device Join Details: the device's own device log.
pub mod cs07 {
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0013);

    pub const SUCCESS: u8 = 0;
    pub const READ_FAILURE: u8 = 1;

    /// The command payload: NULL.
    pub fn command_payload() -> Vec<u8> {
        vec![tag::NULL, 0x00]
    }

    /// Reads a command payload (it must be NULL).
    pub fn decode_command(payload: &[u8]) -> Result<(), Asn1Error> {
        let mut reader = DerReader::new(payload);
        reader.element(tag::NULL, "ReadDeviceJoinDetails")?;
        reader.finish("ReadDeviceJoinDetails")
    }

    /// The response: the device log, or a failure code alone.
    pub fn response_payload(outcome: Result<&[DeviceLogEntry], u8>) -> Vec<u8> {
        let content = match outcome {
            Ok(entries) => {
                let mut content = asn1::integer(u64::from(SUCCESS));
                content.extend(encode_entries(entries, asn1::response_tlv));
                content
            }
            Err(code) => asn1::integer(u64::from(code)),
        };
        asn1::response_tlv(tag::SEQUENCE, &content)
    }

    /// Reads a response: the entries, or the failure code.
    pub fn decode_response(payload: &[u8]) -> Result<Result<Vec<DeviceLogEntry>, u8>, Asn1Error> {
        let what = "ReadDeviceJoinDetails response";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        let code = reader.small_integer("response code")?;
        let outcome = match reader.is_empty() {
            true if code != SUCCESS => Err(code),
            true => Ok(Vec::new()),
            false => Ok(decode_entries(&mut reader)?),
        };
        reader.finish(what)?;
        Ok(outcome)
    }
}

/// GCS59 Restore GPF Device Log: the GPF of a replaced Communications Hub gets the device log
/// the DCC kept from the old GPF's backup (GCS62 alerts).
pub mod gcs59 {
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x008C);

    /// The command payload: `SEQUENCE { SEQUENCE OF DeviceLogEntry }`.
    pub fn command_payload(entries: &[DeviceLogEntry]) -> Vec<u8> {
        asn1::sequence(&encode_entries(entries, asn1::tlv))
    }

    /// Reads a command payload.
    pub fn decode_command(payload: &[u8]) -> Result<Vec<DeviceLogEntry>, Asn1Error> {
        let what = "GpfDeviceLogRestore";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        let entries = decode_entries(&mut reader)?;
        reader.finish(what)?;
        Ok(entries)
    }

    /// The response: each entry with its join response code (see [`super::join`]).
    pub fn response_payload(outcomes: &[(DeviceLogEntry, u8)]) -> Vec<u8> {
        let content: Vec<u8> = outcomes
            .iter()
            .flat_map(|(entry, code)| {
                let mut outcome = entry.encode(asn1::response_tlv);
                outcome.extend(asn1::integer(u64::from(*code)));
                asn1::response_tlv(tag::SEQUENCE, &outcome)
            })
            .collect();
        asn1::response_tlv(tag::SEQUENCE, &asn1::response_tlv(tag::SEQUENCE, &content))
    }

    /// Reads a response.
    pub fn decode_response(payload: &[u8]) -> Result<Vec<(DeviceLogEntry, u8)>, Asn1Error> {
        let what = "GpfDeviceLogRestore response";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        let mut list = reader.nested(tag::SEQUENCE, "restore outcomes")?;
        reader.finish(what)?;
        let mut outcomes = Vec::new();
        while !list.is_empty() {
            let mut outcome = list.nested(tag::SEQUENCE, "restore outcome")?;
            let entry = DeviceLogEntry::decode(&mut outcome)?;
            let code = outcome.small_integer("join response code")?;
            outcome.finish("restore outcome")?;
            outcomes.push((entry, code));
        }
        Ok(outcomes)
    }
}

/// The CHF device log: a COSEM ZigBee network control object (class 104) the DCC drives with
/// CCS01, CCS02, CCS03, CCS06 and CCS07.
pub mod chf_device_log {
    use super::*;
    use crate::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};

    /// CCS01 Add Device to CHF device log.
    pub const ADD_MESSAGE_CODE: MessageCode = MessageCode(0x0001);
    /// CCS02 Remove device from CHF device log.
    pub const REMOVE_MESSAGE_CODE: MessageCode = MessageCode(0x0002);
    /// CCS03 Restore CHF Device Log.
    pub const RESTORE_MESSAGE_CODE: MessageCode = MessageCode(0x0003);
    /// CCS06 Read CHF device log and check HAN communications.
    pub const READ_AND_CHECK_MESSAGE_CODE: MessageCode = MessageCode(0x010F);
    /// CCS05/CCS04: the same command, payload and response under the code GBCS gave it
    /// before CCS06; what a CHF of an earlier GBCS version takes.
    pub const LEGACY_READ_AND_CHECK_MESSAGE_CODE: MessageCode = MessageCode(0x0004);
    /// CCS07 Read CHF Device Logs (backs them up).
    pub const BACKUP_MESSAGE_CODE: MessageCode = MessageCode(0x00FE);

    /// COSEM interface class: ZigBee network control.
    pub const ZIGBEE_NETWORK_CONTROL: u16 = 104;
    /// 0-0:30.3.0.255, the CHF device log.
    pub const DEVICE_LOG: [u8; 6] = [0, 0, 30, 3, 0, 255];
    /// 0-0:30.3.1.255, the second device log instance CCS07 also backs up (the sub-GHz
    /// network of a dual-band Communications Hub).
    pub const SUB_GHZ_DEVICE_LOG: [u8; 6] = [0, 0, 30, 3, 1, 255];

    /// Attribute 2: enable_disable_joining (boolean).
    pub const ENABLE_DISABLE_JOINING: u8 = 2;
    /// Attribute 3: join_timeout (long-unsigned, seconds).
    pub const JOIN_TIMEOUT: u8 = 3;
    /// Attribute 4: active_devices.
    pub const ACTIVE_DEVICES: u8 = 4;
    /// Method 1: register_device.
    pub const REGISTER_DEVICE: u8 = 1;
    /// Method 2: unregister_device.
    pub const UNREGISTER_DEVICE: u8 = 2;
    /// Method 3: unregister_all_devices.
    pub const UNREGISTER_ALL_DEVICES: u8 = 3;
    /// Method 4: backup_PAN.
    pub const BACKUP_PAN: u8 = 4;
    /// Method 5: restore_PAN.
    pub const RESTORE_PAN: u8 = 5;

    /// register_device's key type for an install code (the one the reference commands use).
    pub const KEY_TYPE_INSTALL_CODE: u8 = 1;

    fn reference(obis: [u8; 6], index: u8) -> CosemReference {
        CosemReference {
            class_id: ZIGBEE_NETWORK_CONTROL,
            obis,
            index,
        }
    }

    fn access_request(
        counter: u64,
        specifications: Vec<RequestSpecification>,
        data: Vec<Data>,
    ) -> Vec<u8> {
        DlmsApdu::AccessRequest {
            long_invoke_id: u32::from_be_bytes(crate::use_case::dlms::long_invoke_id(counter)),
            date_time: Vec::new(),
            specifications,
            data,
        }
        .encode()
    }

    /// CCS01: register the device with its install code, set the join timeout and enable
    /// joining. `register_device`'s structure is (device id, key type, install code, a last
    /// enum that is 0 in every reference command).
    pub fn add_device_payload(
        counter: u64,
        device: Eui64,
        install_code: &[u8],
        join_timeout_seconds: u16,
    ) -> Vec<u8> {
        access_request(
            counter,
            vec![
                RequestSpecification::Action(reference(DEVICE_LOG, REGISTER_DEVICE)),
                RequestSpecification::Set(reference(DEVICE_LOG, JOIN_TIMEOUT)),
                RequestSpecification::Set(reference(DEVICE_LOG, ENABLE_DISABLE_JOINING)),
            ],
            vec![
                Data::Structure(vec![
                    Data::OctetString(device.as_bytes().to_vec()),
                    Data::Enum(KEY_TYPE_INSTALL_CODE),
                    Data::OctetString(install_code.to_vec()),
                    Data::Enum(0),
                ]),
                Data::LongUnsigned(join_timeout_seconds),
                Data::Boolean(0xFF),
            ],
        )
    }

    /// CCS02: unregister the device.
    pub fn remove_device_payload(counter: u64, device: Eui64) -> Vec<u8> {
        access_request(
            counter,
            vec![RequestSpecification::Action(reference(
                DEVICE_LOG,
                UNREGISTER_DEVICE,
            ))],
            vec![Data::OctetString(device.as_bytes().to_vec())],
        )
    }

    /// A device log as a CHF backs it up (CCS07) and is restored from (CCS03): the PAN's
    /// 8-byte extended id and each device with its 16-byte link key.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PanBackup {
        pub extended_pan_id: [u8; 8],
        pub devices: Vec<(Eui64, [u8; 16])>,
    }

    impl PanBackup {
        /// The restore_PAN parameter: structure (extended PAN id, array of (device, key)).
        pub fn to_data(&self) -> Data {
            Data::Structure(vec![
                Data::OctetString(self.extended_pan_id.to_vec()),
                Data::Array(
                    self.devices
                        .iter()
                        .map(|(device, key)| {
                            Data::Structure(vec![
                                Data::OctetString(device.as_bytes().to_vec()),
                                Data::OctetString(key.to_vec()),
                            ])
                        })
                        .collect(),
                ),
            ])
        }

        /// Reads a restore_PAN parameter, or a backup_PAN result without its leading
        /// date-time.
        pub fn from_data(data: &Data) -> Option<Self> {
            let Data::Structure(fields) = data else {
                return None;
            };
            let (pan, devices) = match fields.as_slice() {
                [Data::OctetString(pan), Data::Array(devices)]
                | [Data::OctetString(_), Data::OctetString(pan), Data::Array(devices)] => {
                    (pan, devices)
                }
                _ => return None,
            };
            let devices = devices
                .iter()
                .map(|entry| match entry {
                    Data::Structure(pair) => match pair.as_slice() {
                        [Data::OctetString(device), Data::OctetString(key)] => Some((
                            Eui64::new(device.as_slice().try_into().ok()?),
                            key.as_slice().try_into().ok()?,
                        )),
                        _ => None,
                    },
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Self {
                extended_pan_id: pan.as_slice().try_into().ok()?,
                devices,
            })
        }
    }

    /// CCS03: restore the device log from a backup.
    pub fn restore_payload(counter: u64, backup: &PanBackup) -> Vec<u8> {
        access_request(
            counter,
            vec![RequestSpecification::Action(reference(
                DEVICE_LOG,
                RESTORE_PAN,
            ))],
            vec![backup.to_data()],
        )
    }

    /// CCS06: read the active devices (with their HAN communication details).
    pub fn read_and_check_payload(counter: u64) -> Vec<u8> {
        access_request(
            counter,
            vec![RequestSpecification::Get(reference(
                DEVICE_LOG,
                ACTIVE_DEVICES,
            ))],
            vec![Data::Null],
        )
    }

    /// CCS07: back up both device logs.
    pub fn backup_payload(counter: u64) -> Vec<u8> {
        access_request(
            counter,
            vec![
                RequestSpecification::Action(reference(DEVICE_LOG, BACKUP_PAN)),
                RequestSpecification::Action(reference(SUB_GHZ_DEVICE_LOG, BACKUP_PAN)),
            ],
            vec![Data::Null, Data::Null],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_round_trip_with_and_without_certificate() {
        let join = join::JoinDevice {
            method_and_role: join::JoinMethodAndRole::METHOD_A_INITIATOR,
            entity_id: Eui64::from_u64(0x00DB_1234_5678_909A),
            device_type: HanDeviceType::HCALCS,
            certificate: None,
        };
        let payload = join.encode();
        assert_eq!(
            payload,
            [
                0x30, 0x10, 0x02, 0x01, 0x00, 0x04, 0x08, 0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90,
                0x9A, 0x02, 0x01, 0x04
            ]
        );
        assert_eq!(join::JoinDevice::decode(&payload), Ok(join.clone()));
        let with_certificate = join::JoinDevice {
            certificate: Some(vec![0x30, 0x00]),
            ..join
        };
        assert_eq!(
            join::JoinDevice::decode(&with_certificate.encode()),
            Ok(with_certificate)
        );
    }

    #[test]
    fn device_logs_round_trip() {
        let entries = [
            DeviceLogEntry {
                device: Eui64::from_u64(0x0102_0304_0506_0708),
                device_type: HanDeviceType::GPF,
            },
            DeviceLogEntry {
                device: Eui64::from_u64(0x00DB_1234_5678_9099),
                device_type: HanDeviceType::GPF,
            },
        ];
        assert_eq!(
            gcs59::decode_command(&gcs59::command_payload(&entries)),
            Ok(entries.to_vec())
        );
        let response = cs07::response_payload(Ok(&entries));
        assert_eq!(cs07::decode_response(&response), Ok(Ok(entries.to_vec())));
        assert_eq!(
            cs07::decode_response(&cs07::response_payload(Err(cs07::READ_FAILURE))),
            Ok(Err(cs07::READ_FAILURE))
        );
        let outcomes = [(entries[0], join::SUCCESS)];
        assert_eq!(
            gcs59::decode_response(&gcs59::response_payload(&outcomes)),
            Ok(outcomes.to_vec())
        );
    }

    #[test]
    fn unjoin_and_read_commands_are_as_gbcs_writes_them() {
        let other = Eui64::from_u64(0x0102_0304_0506_0708);
        let payload = unjoin::command_payload(other);
        assert_eq!(payload[..2], [0x04, 0x08]);
        assert_eq!(unjoin::decode_command(&payload), Ok(other));
        assert_eq!(cs07::command_payload(), [0x05, 0x00]);
        assert_eq!(cs07::decode_command(&[0x05, 0x00]), Ok(()));
        assert!(cs07::decode_command(&[0x05, 0x00, 0x00]).is_err());
    }

    #[test]
    fn pan_backups_read_back_from_their_data() {
        let backup = chf_device_log::PanBackup {
            extended_pan_id: [0, 0, 0, 0, 0, 0, 1, 0x40],
            devices: vec![(Eui64::from_u64(0x00DB_1234_5678_90A0), [7; 16])],
        };
        assert_eq!(
            chf_device_log::PanBackup::from_data(&backup.to_data()),
            Some(backup)
        );
    }
}
