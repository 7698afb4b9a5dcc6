//! General Block Transfer: splitting a message too long for the HAN into `DD 09` block
//! messages, and reassembling them whatever order they arrive in.
//!
//! Each block travels in its own message: the GBT routing header (the message's transaction
//! id, originator, recipient and message code) then one `E0` block. Blocks are numbered from 1;
//! the last has bit 7 of its control byte set. Concatenated in number order, the blocks'
//! data are the ordinary message with its own MAC or signature.

use std::collections::BTreeMap;

use crate::envelope::{BlockTransfer, Envelope, GeneralBlock, GroupingHeader, OtherInformation};
use crate::error::{DecodeError, ReassemblyError, SegmentationError};

/// GBCS's limit on the length of a non-GBT message on the HAN (bytes).
pub const HAN_MESSAGE_LIMIT: usize = 1200;
/// Block control bit: this is the last block.
pub const CONTROL_LAST_BLOCK: u8 = 0x80;
/// Block control bit: streaming (blocks sent without waiting for acknowledgements).
pub const CONTROL_STREAMING: u8 = 0x40;
/// The window size the segmenter announces in bits 0–5 of the block control.
pub const DEFAULT_WINDOW: u8 = 1;

/// The routing header of a message: its transaction id, originator, recipient and message
/// code, without date-time or supplementary fields.
pub fn routing_header(header: &GroupingHeader) -> GroupingHeader {
    GroupingHeader {
        transaction: header.transaction,
        originator: header.originator,
        recipient: header.recipient,
        date_time: None,
        other_information: OtherInformation::message_code(header.message_code()),
    }
}

/// Whether an encoded message must be segmented to travel on the HAN.
pub fn needs_segmentation(message: &[u8]) -> bool {
    message.len() > HAN_MESSAGE_LIMIT
}

/// Splits an ordinary message (`DD 00 …` or `DF 09 …`) into GBT messages of at most
/// `maximum_message_length` bytes each, one block per message, numbered from 1.
pub fn segment(
    message: &[u8],
    maximum_message_length: usize,
) -> Result<Vec<BlockTransfer>, SegmentationError> {
    let envelope = Envelope::parse(message)?;
    let Some(apdu) = envelope.general_signing() else {
        return Err(SegmentationError::AlreadySegmented);
    };
    let routing = routing_header(&apdu.header);
    let block_data_length = block_data_capacity(&routing, maximum_message_length)?;
    let chunks: Vec<&[u8]> = message.chunks(block_data_length).collect();
    if chunks.len() > usize::from(u16::MAX) {
        return Err(SegmentationError::TooManyBlocks(chunks.len()));
    }
    let count = chunks.len();
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(index, data)| {
            let last = index + 1 == count;
            BlockTransfer {
                routing: routing.clone(),
                security_control: 0,
                invocation_counter: 0,
                blocks: vec![GeneralBlock {
                    control: DEFAULT_WINDOW | if last { CONTROL_LAST_BLOCK } else { 0 },
                    block_number: (index + 1) as u16,
                    acknowledged_block_number: 0,
                    data: data.to_vec(),
                }],
            }
        })
        .collect())
}

/// How many data bytes one block can carry so that its message fits `maximum_message_length`.
fn block_data_capacity(
    routing: &GroupingHeader,
    maximum_message_length: usize,
) -> Result<usize, SegmentationError> {
    let encoded_length = |data_length: usize| {
        Envelope::BlockTransfer(BlockTransfer {
            routing: routing.clone(),
            security_control: 0,
            invocation_counter: 0,
            blocks: vec![GeneralBlock {
                control: 0,
                block_number: 1,
                acknowledged_block_number: 0,
                data: vec![0; data_length],
            }],
        })
        .encode()
        .len()
    };
    let overhead = encoded_length(0);
    let mut capacity = maximum_message_length.saturating_sub(overhead);
    // Longer data need longer length octets: shrink until the whole message fits.
    while capacity > 0 && encoded_length(capacity) > maximum_message_length {
        capacity -= 1;
    }
    if capacity == 0 {
        return Err(SegmentationError::LimitTooSmall(maximum_message_length));
    }
    Ok(capacity)
}

/// What happened to a block given to the [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockReceipt {
    /// A block not seen before.
    New,
    /// The same block again (same number and data): ignored.
    Duplicate,
}

/// Collects the blocks of one segmented message, in any order, and gives back the message
/// once every block from 1 to the last has arrived.
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    routing: Option<GroupingHeader>,
    blocks: BTreeMap<u16, Vec<u8>>,
    last_block_number: Option<u16>,
    duplicates: usize,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts a received `DD 09 …` message.
    pub fn accept_message(&mut self, bytes: &[u8]) -> Result<Vec<BlockReceipt>, ReassemblyError> {
        match Envelope::parse(bytes)? {
            Envelope::BlockTransfer(transfer) => self.accept(&transfer),
            _ => Err(ReassemblyError::Decode(DecodeError::UnknownForm(
                bytes.first().copied().unwrap_or(0),
                bytes.get(1).copied().unwrap_or(0),
            ))),
        }
    }

    /// Accepts the blocks of a decoded GBT message; its routing header must match the
    /// first one received.
    pub fn accept(
        &mut self,
        transfer: &BlockTransfer,
    ) -> Result<Vec<BlockReceipt>, ReassemblyError> {
        match &self.routing {
            None => self.routing = Some(transfer.routing.clone()),
            Some(routing) if *routing != transfer.routing => {
                return Err(ReassemblyError::OtherMessage)
            }
            Some(_) => {}
        }
        transfer
            .blocks
            .iter()
            .map(|block| self.accept_block(block))
            .collect()
    }

    /// Accepts one block: new blocks are kept, exact duplicates ignored.
    pub fn accept_block(&mut self, block: &GeneralBlock) -> Result<BlockReceipt, ReassemblyError> {
        let number = block.block_number;
        if number == 0 {
            return Err(ReassemblyError::BlockNumberZero);
        }
        if block.is_last() {
            self.set_last_block_number(number)?;
        }
        if let Some(last) = self.last_block_number {
            if number > last {
                return Err(ReassemblyError::BeyondLastBlock { number, last });
            }
        }
        match self.blocks.get(&number) {
            Some(data) if *data == block.data => {
                self.duplicates += 1;
                Ok(BlockReceipt::Duplicate)
            }
            Some(_) => Err(ReassemblyError::ConflictingBlock(number)),
            None => {
                self.blocks.insert(number, block.data.clone());
                Ok(BlockReceipt::New)
            }
        }
    }

    fn set_last_block_number(&mut self, number: u16) -> Result<(), ReassemblyError> {
        match self.last_block_number {
            Some(last) if last != number => Err(ReassemblyError::TwoLastBlocks(last, number)),
            _ => {
                if let Some(highest) = self.blocks.keys().next_back() {
                    if *highest > number {
                        return Err(ReassemblyError::BeyondLastBlock {
                            number: *highest,
                            last: number,
                        });
                    }
                }
                self.last_block_number = Some(number);
                Ok(())
            }
        }
    }

    /// The routing header of the message being reassembled, once a block has arrived.
    pub fn routing(&self) -> Option<&GroupingHeader> {
        self.routing.as_ref()
    }

    /// The number of the last block, once the block marked last has arrived.
    pub fn last_block_number(&self) -> Option<u16> {
        self.last_block_number
    }

    /// How many duplicate blocks were ignored.
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// The block numbers still missing, up to the last block (or, before the last block has
    /// arrived, up to the highest block received; see [`Self::last_block_number`]).
    pub fn missing_blocks(&self) -> Vec<u16> {
        let upper = self
            .last_block_number
            .or_else(|| self.blocks.keys().next_back().copied())
            .unwrap_or(0);
        (1..=upper)
            .filter(|number| !self.blocks.contains_key(number))
            .collect()
    }

    /// The acknowledgement to send: the highest block number received with every block before it.
    pub fn acknowledged_block_number(&self) -> u16 {
        let mut acknowledged = 0u16;
        for number in self.blocks.keys() {
            if *number != acknowledged.wrapping_add(1) {
                break;
            }
            acknowledged = *number;
        }
        acknowledged
    }

    /// Whether every block from 1 to the last has arrived.
    pub fn is_complete(&self) -> bool {
        self.last_block_number.is_some() && self.missing_blocks().is_empty()
    }

    /// The reassembled message, or which blocks are missing (never a guess).
    pub fn message(&self) -> Result<Vec<u8>, ReassemblyError> {
        if !self.is_complete() {
            return Err(ReassemblyError::Incomplete {
                missing: self.missing_blocks(),
                last_block_known: self.last_block_number.is_some(),
            });
        }
        Ok(self.blocks.values().flatten().copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Cra, GeneralSigning, MessageCode, SignatureField, TransactionId};
    use dcc_model::Eui64;

    fn long_message(payload_length: usize) -> Vec<u8> {
        GeneralSigning {
            header: GroupingHeader {
                transaction: TransactionId {
                    cra: Cra::Response,
                    counter: 1000,
                },
                originator: Eui64::from_u64(0x00DB_1234_5678_90A0),
                recipient: Eui64::from_u64(0x90B3_D51F_3001_0000),
                date_time: None,
                other_information: OtherInformation::message_code(MessageCode(0x0027)),
            },
            payload: (0..payload_length).map(|i| (i * 7 % 251) as u8).collect(),
            signature: SignatureField::Present([0x5A; 64]),
        }
        .encode()
    }

    #[test]
    fn every_segment_fits_the_limit_and_the_last_is_marked() {
        let message = long_message(5_000);
        let parts = segment(&message, HAN_MESSAGE_LIMIT).unwrap();
        assert!(parts.len() >= 5);
        for (index, part) in parts.iter().enumerate() {
            let bytes = Envelope::BlockTransfer(part.clone()).encode();
            assert!(bytes.len() <= HAN_MESSAGE_LIMIT, "{}", bytes.len());
            assert_eq!(part.blocks[0].block_number as usize, index + 1);
            assert_eq!(part.blocks[0].is_last(), index + 1 == parts.len());
        }
    }

    #[test]
    fn a_tiny_limit_is_refused() {
        let message = long_message(100);
        assert_eq!(
            segment(&message, 40).unwrap_err(),
            SegmentationError::LimitTooSmall(40)
        );
    }

    #[test]
    fn conflicting_and_out_of_range_blocks_are_errors() {
        let block = |number, last, data: &[u8]| GeneralBlock {
            control: if last { CONTROL_LAST_BLOCK } else { 0 },
            block_number: number,
            acknowledged_block_number: 0,
            data: data.to_vec(),
        };
        let mut reassembler = Reassembler::new();
        assert_eq!(
            reassembler.accept_block(&block(2, true, b"b")),
            Ok(BlockReceipt::New)
        );
        assert_eq!(
            reassembler.accept_block(&block(2, true, b"x")),
            Err(ReassemblyError::ConflictingBlock(2))
        );
        assert_eq!(
            reassembler.accept_block(&block(3, false, b"c")),
            Err(ReassemblyError::BeyondLastBlock { number: 3, last: 2 })
        );
        assert_eq!(
            reassembler.accept_block(&block(0, false, b"c")),
            Err(ReassemblyError::BlockNumberZero)
        );
        assert_eq!(reassembler.acknowledged_block_number(), 0);
        assert_eq!(
            reassembler.accept_block(&block(1, false, b"a")),
            Ok(BlockReceipt::New)
        );
        assert_eq!(reassembler.acknowledged_block_number(), 2);
        assert_eq!(reassembler.message().unwrap(), b"ab");
    }
}
