//! The GBCS envelope: grouping header, general-signing APDU, MAC header and General Block Transfer.

use dcc_model::Eui64;

use crate::ber::{write_length, Reader};
use crate::error::DecodeError;

/// Tag of the general-signing APDU (`DF`).
pub const GENERAL_SIGNING_TAG: u8 = 0xDF;
/// Tag of the general-ciphering APDU that carries a MAC header or a GBT routing header (`DD`).
pub const GENERAL_CIPHERING_TAG: u8 = 0xDD;
/// Security control byte of a MAC header: authentication only.
pub const SECURITY_CONTROL_AUTHENTICATION: u8 = 0x11;
/// Length of a GBCS MAC (truncated GMAC tag).
pub const MAC_LENGTH: usize = 12;
/// Length of an ECDSA P-256 signature in `r‖s` form.
pub const SIGNATURE_LENGTH: usize = 64;

/// The CRA flag: whether a message is a command, a response or an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Cra {
    Command = 1,
    Response = 2,
    Alert = 3,
}

impl Cra {
    /// The CRA flag for its byte value.
    pub fn from_byte(byte: u8) -> Result<Self, DecodeError> {
        match byte {
            1 => Ok(Self::Command),
            2 => Ok(Self::Response),
            3 => Ok(Self::Alert),
            other => Err(DecodeError::UnknownCra(other)),
        }
    }

    /// The byte value of the flag.
    pub fn byte(self) -> u8 {
        self as u8
    }
}

/// The transaction id of the grouping header: CRA flag and originator counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId {
    pub cra: Cra,
    pub counter: u64,
}

/// A GBCS message code (the use case), e.g. `0x0027` for ECS17b.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageCode(pub u16);

impl std::fmt::Display for MessageCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:04X}", self.0)
    }
}

/// The other-information field of the grouping header.
///
/// The fields after the message code form a chain: each is present only when the one
/// before it is. When encoding a value that breaks the chain, the missing earlier fields
/// are written as zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtherInformation {
    pub message_code: MessageCode,
    pub supplementary_remote_party_id: Option<Eui64>,
    pub supplementary_remote_party_counter: Option<u64>,
    /// In responses to an unknown remote party (other information of 26 bytes).
    pub supplementary_originator_counter: Option<u64>,
    /// The remote party's key-agreement certificate (DER), in commands to an unknown remote
    /// party, right after the supplementary remote party counter.
    pub remote_party_certificate: Option<Vec<u8>>,
}

impl OtherInformation {
    /// Other information carrying only a message code.
    pub fn message_code(message_code: MessageCode) -> Self {
        Self {
            message_code,
            supplementary_remote_party_id: None,
            supplementary_remote_party_counter: None,
            supplementary_originator_counter: None,
            remote_party_certificate: None,
        }
    }

    /// Message code, then as far as needed: supplementary remote party id and counter, then
    /// either the supplementary originator counter (a response to an unknown remote party,
    /// 26 bytes) or the remote party's KA certificate (a command to one: GBCS puts it right after
    /// the counter, as the RTDS URP commands show). GBCS never carries both; when both are set
    /// the certificate is written.
    fn encode_into(&self, out: &mut Vec<u8>) {
        let mut content = Vec::with_capacity(26);
        content.extend_from_slice(&self.message_code.0.to_be_bytes());
        let certificate = self.remote_party_certificate.as_deref();
        let originator_counter = match certificate {
            Some(_) => None,
            None => self.supplementary_originator_counter,
        };
        let needs_party_counter = certificate.is_some()
            || originator_counter.is_some()
            || self.supplementary_remote_party_counter.is_some();
        let needs_party_id = needs_party_counter || self.supplementary_remote_party_id.is_some();
        if needs_party_id {
            let id = self
                .supplementary_remote_party_id
                .unwrap_or(Eui64::from_u64(0));
            content.extend_from_slice(id.as_bytes());
        }
        if needs_party_counter {
            content.extend_from_slice(
                &self
                    .supplementary_remote_party_counter
                    .unwrap_or(0)
                    .to_be_bytes(),
            );
        }
        if let Some(counter) = originator_counter {
            content.extend_from_slice(&counter.to_be_bytes());
        }
        if let Some(certificate) = certificate {
            content.extend_from_slice(certificate);
        }
        write_length(out, content.len());
        out.extend_from_slice(&content);
    }

    fn decode(content: &[u8]) -> Result<Self, DecodeError> {
        let length = content.len();
        if !(length == 2 || length == 10 || length == 18 || length >= 26) {
            return Err(DecodeError::OtherInformationLength(length));
        }
        let mut reader = Reader::new(content);
        let mut info = Self::message_code(MessageCode(reader.u16("message code")?));
        if reader.is_empty() {
            return Ok(info);
        }
        info.supplementary_remote_party_id =
            Some(Eui64::new(reader.array("supplementary remote party id")?));
        if reader.is_empty() {
            return Ok(info);
        }
        info.supplementary_remote_party_counter =
            Some(reader.u64("supplementary remote party counter")?);
        if reader.is_empty() {
            return Ok(info);
        }
        if length == 26 {
            info.supplementary_originator_counter =
                Some(reader.u64("supplementary originator counter")?);
            return Ok(info);
        }
        info.remote_party_certificate = Some(reader.rest().to_vec());
        Ok(info)
    }
}

/// The grouping header of a general-signing APDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupingHeader {
    pub transaction: TransactionId,
    pub originator: Eui64,
    pub recipient: Eui64,
    /// A COSEM date-time, present only in responses of some use cases.
    pub date_time: Option<[u8; 12]>,
    pub other_information: OtherInformation,
}

impl GroupingHeader {
    /// The message code carried in the other information.
    pub fn message_code(&self) -> MessageCode {
        self.other_information.message_code
    }

    /// Appends the header fields (transaction id through other information), without the `DF` tag.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(9);
        out.push(self.transaction.cra.byte());
        out.extend_from_slice(&self.transaction.counter.to_be_bytes());
        out.push(8);
        out.extend_from_slice(self.originator.as_bytes());
        out.push(8);
        out.extend_from_slice(self.recipient.as_bytes());
        match &self.date_time {
            None => out.push(0),
            Some(date_time) => {
                out.push(12);
                out.extend_from_slice(date_time);
            }
        }
        self.other_information.encode_into(out);
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.expect(9, "transaction id length")?;
        let cra = Cra::from_byte(reader.byte("CRA flag")?)?;
        let counter = reader.u64("originator counter")?;
        reader.expect(8, "originator length")?;
        let originator = Eui64::new(reader.array("originator")?);
        reader.expect(8, "recipient length")?;
        let recipient = Eui64::new(reader.array("recipient")?);
        let date_time = match reader.byte("date-time length")? {
            0 => None,
            12 => Some(reader.array("date-time")?),
            other => {
                return Err(DecodeError::Unexpected {
                    what: "date-time length",
                    expected: 12,
                    found: other,
                })
            }
        };
        let other_information =
            OtherInformation::decode(reader.length_prefixed("other information")?)?;
        Ok(Self {
            transaction: TransactionId { cra, counter },
            originator,
            recipient,
            date_time,
            other_information,
        })
    }
}

/// The signature field at the end of a general-signing APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureField {
    /// No field at all: a pre-command.
    Absent,
    /// A zero-length signature (`00`): MAC-protected messages.
    Null,
    /// An ECDSA P-256 signature in `r‖s` form (`40 r s`).
    Present([u8; SIGNATURE_LENGTH]),
}

impl SignatureField {
    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Absent => {}
            Self::Null => out.push(0),
            Self::Present(signature) => {
                out.push(SIGNATURE_LENGTH as u8);
                out.extend_from_slice(signature);
            }
        }
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if reader.is_empty() {
            return Ok(Self::Absent);
        }
        match reader.length("signature length")? {
            0 => Ok(Self::Null),
            SIGNATURE_LENGTH => Ok(Self::Present(reader.array("signature")?)),
            other => Err(DecodeError::SignatureLength(other)),
        }
    }

    /// A short name for error messages: `absent`, `null` or `present`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Null => "null",
            Self::Present(_) => "present",
        }
    }
}

/// A general-signing APDU: grouping header, payload (DLMS, GBZ or ASN.1) and signature field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GeneralSigning {
    pub header: GroupingHeader,
    pub payload: Vec<u8>,
    pub signature: SignatureField,
}

impl GeneralSigning {
    /// The bytes that ECDSA signs: from the transaction id's `09` through the payload.
    pub fn signed_region(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + 64);
        self.header.encode_into(&mut out);
        write_length(&mut out, self.payload.len());
        out.extend_from_slice(&self.payload);
        out
    }

    /// The pre-command form: `DF` then the signed region, with no signature field.
    pub fn pre_command(&self) -> Vec<u8> {
        let region = self.signed_region();
        let mut out = Vec::with_capacity(region.len() + 1);
        out.push(GENERAL_SIGNING_TAG);
        out.extend_from_slice(&region);
        out
    }

    /// The full APDU: `DF`, header, payload and signature field.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.pre_command();
        self.signature.encode_into(&mut out);
        out
    }

    /// Decodes a whole `DF …` APDU; the input must end with it.
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        reader.expect(GENERAL_SIGNING_TAG, "general-signing tag")?;
        let header = GroupingHeader::decode(&mut reader)?;
        let payload = reader.length_prefixed("payload")?.to_vec();
        let signature = SignatureField::decode(&mut reader)?;
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(Self {
            header,
            payload,
            signature,
        })
    }

    /// The same APDU with another signature field.
    pub fn with_signature(mut self, signature: SignatureField) -> Self {
        self.signature = signature;
        self
    }
}

/// One block of a General Block Transfer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GeneralBlock {
    /// Block control: bit 7 last block, bit 6 streaming, bits 0–5 window.
    pub control: u8,
    pub block_number: u16,
    pub acknowledged_block_number: u16,
    pub data: Vec<u8>,
}

impl GeneralBlock {
    /// Whether this is the last block of the message.
    pub fn is_last(&self) -> bool {
        self.control & 0x80 != 0
    }
}

/// A segmented message: GBT routing header and General Block Transfer blocks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockTransfer {
    /// The routing header, a grouping header without signature.
    pub routing: GroupingHeader,
    pub security_control: u8,
    pub invocation_counter: u32,
    pub blocks: Vec<GeneralBlock>,
}

impl BlockTransfer {
    /// The ordinary message carried by the blocks, concatenated in block-number order.
    pub fn reassemble(&self) -> Vec<u8> {
        let mut blocks: Vec<&GeneralBlock> = self.blocks.iter().collect();
        blocks.sort_by_key(|block| block.block_number);
        blocks
            .iter()
            .flat_map(|block| block.data.iter().copied())
            .collect()
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(GENERAL_CIPHERING_TAG);
        self.routing.encode_into(out);
        out.push(0);
        let mut content = vec![self.security_control];
        content.extend_from_slice(&self.invocation_counter.to_be_bytes());
        for block in &self.blocks {
            content.push(0xE0);
            content.push(block.control);
            content.extend_from_slice(&block.block_number.to_be_bytes());
            content.extend_from_slice(&block.acknowledged_block_number.to_be_bytes());
            write_length(&mut content, block.data.len());
            content.extend_from_slice(&block.data);
        }
        write_length(out, content.len());
        out.extend_from_slice(&content);
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let routing = GroupingHeader::decode(reader)?;
        reader.expect(0, "key information")?;
        let mut content = Reader::new(reader.length_prefixed("block transfer content")?);
        let security_control = content.byte("security control")?;
        let invocation_counter = u32::from_be_bytes(content.array("invocation counter")?);
        let mut blocks = Vec::new();
        while !content.is_empty() {
            content.expect(0xE0, "general block transfer tag")?;
            let control = content.byte("block control")?;
            let block_number = content.u16("block number")?;
            let acknowledged_block_number = content.u16("acknowledged block number")?;
            let data = content.length_prefixed("block data")?.to_vec();
            blocks.push(GeneralBlock {
                control,
                block_number,
                acknowledged_block_number,
                data,
            });
        }
        Ok(Self {
            routing,
            security_control,
            invocation_counter,
            blocks,
        })
    }
}

/// A whole GBCS message as it travels between the DCC and a device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// `DD 00 …`: MAC header around a general-signing APDU, then the 12-byte MAC.
    Mac {
        apdu: GeneralSigning,
        mac: [u8; MAC_LENGTH],
    },
    /// `DF 09 …`: a bare general-signing APDU (device-signed, or a pre-command).
    Bare(GeneralSigning),
    /// `DD 09 …`: a segmented message.
    BlockTransfer(BlockTransfer),
}

/// The raw parts of a MAC-header message, as received: what the MAC covers and the MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacProtectedBytes<'a> {
    /// The general-signing APDU bytes exactly as received (`DF` through the signature field).
    pub apdu: &'a [u8],
    pub mac: [u8; MAC_LENGTH],
}

/// Splits a `DD 00 …` message into its APDU bytes and MAC without decoding the APDU.
pub fn split_mac_header(bytes: &[u8]) -> Result<MacProtectedBytes<'_>, DecodeError> {
    let mut reader = Reader::new(bytes);
    reader.expect(GENERAL_CIPHERING_TAG, "MAC header tag")?;
    for _ in 0..6 {
        reader.expect(0, "empty MAC header field")?;
    }
    let content = reader.length_prefixed("MAC header content")?;
    if !reader.is_empty() {
        return Err(DecodeError::TrailingBytes(reader.remaining()));
    }
    if content.len() < 5 + MAC_LENGTH {
        return Err(DecodeError::MacHeaderTooShort(content.len()));
    }
    let mut content = Reader::new(content);
    content.expect(SECURITY_CONTROL_AUTHENTICATION, "security control")?;
    // GBCS fixes the invocation counter at 0 (the MAC does not cover it): anything else is
    // not a GBCS message, and `parse` then `encode` must give back the received bytes.
    for _ in 0..4 {
        content.expect(0, "MAC header invocation counter")?;
    }
    let apdu_length = content.remaining().saturating_sub(MAC_LENGTH);
    let apdu = content.bytes(apdu_length, "general-signing APDU")?;
    let mac = content.array("MAC")?;
    Ok(MacProtectedBytes { apdu, mac })
}

/// Writes the MAC header around an encoded APDU and appends the MAC.
pub fn encode_mac_header(apdu: &[u8], mac: &[u8; MAC_LENGTH]) -> Vec<u8> {
    let mut out = Vec::with_capacity(apdu.len() + 24);
    out.push(GENERAL_CIPHERING_TAG);
    out.extend_from_slice(&[0; 6]);
    write_length(&mut out, 5 + apdu.len() + MAC_LENGTH);
    out.extend_from_slice(&[SECURITY_CONTROL_AUTHENTICATION, 0, 0, 0, 0]);
    out.extend_from_slice(apdu);
    out.extend_from_slice(mac);
    out
}

impl Envelope {
    /// Decodes any of the three top-level forms.
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let first = bytes.first().copied().ok_or(DecodeError::Truncated {
            what: "message tag",
        })?;
        let second = bytes.get(1).copied().ok_or(DecodeError::Truncated {
            what: "message tag",
        })?;
        match (first, second) {
            (GENERAL_CIPHERING_TAG, 0) => {
                let parts = split_mac_header(bytes)?;
                Ok(Self::Mac {
                    apdu: GeneralSigning::parse(parts.apdu)?,
                    mac: parts.mac,
                })
            }
            (GENERAL_CIPHERING_TAG, 9) => {
                let mut reader = Reader::new(bytes);
                reader.byte("message tag")?;
                let transfer = BlockTransfer::decode(&mut reader)?;
                if !reader.is_empty() {
                    return Err(DecodeError::TrailingBytes(reader.remaining()));
                }
                Ok(Self::BlockTransfer(transfer))
            }
            (GENERAL_SIGNING_TAG, 9) => Ok(Self::Bare(GeneralSigning::parse(bytes)?)),
            (first, second) => Err(DecodeError::UnknownForm(first, second)),
        }
    }

    /// Encodes the message; `parse` then `encode` gives back the received bytes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Mac { apdu, mac } => encode_mac_header(&apdu.encode(), mac),
            Self::Bare(apdu) => apdu.encode(),
            Self::BlockTransfer(transfer) => {
                let mut out = Vec::new();
                transfer.encode_into(&mut out);
                out
            }
        }
    }

    /// The general-signing APDU, unless the message is a block transfer.
    pub fn general_signing(&self) -> Option<&GeneralSigning> {
        match self {
            Self::Mac { apdu, .. } | Self::Bare(apdu) => Some(apdu),
            Self::BlockTransfer(_) => None,
        }
    }

    /// The grouping header (for a block transfer, its routing header).
    pub fn header(&self) -> &GroupingHeader {
        match self {
            Self::Mac { apdu, .. } | Self::Bare(apdu) => &apdu.header,
            Self::BlockTransfer(transfer) => &transfer.routing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command to an unknown remote party carries the party's certificate after the
    /// supplementary remote party id and counter: both written, as zeros, when not given.
    #[test]
    fn a_remote_party_certificate_comes_after_a_party_id_and_counter() {
        let information = OtherInformation {
            remote_party_certificate: Some(vec![0x30, 0x03, 0x01, 0x01, 0xFF]),
            ..OtherInformation::message_code(MessageCode(0x0102))
        };
        let mut encoded = Vec::new();
        information.encode_into(&mut encoded);
        let content: Vec<u8> = [
            &[0x01, 0x02][..],
            &[0; 8][..],
            &[0; 8][..],
            &[0x30, 0x03, 0x01, 0x01, 0xFF][..],
        ]
        .concat();
        assert_eq!(encoded[1..], content[..]);
        assert_eq!(usize::from(encoded[0]), content.len());
    }
}
