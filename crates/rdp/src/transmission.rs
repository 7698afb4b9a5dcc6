//! Sending a registration data file to the DSP: read it, cut it into numbered batches, send
//! them over a [`RegistrationLink`] until the DSP has the whole file, resuming after a break at
//! the first batch not acknowledged (the DSP takes a batch sent twice once), and collect the
//! refused records for the ERROR file. [`BreakingLink`] injects a break for tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;

use dcc_proto::registration::registration_data_intake_client::RegistrationDataIntakeClient;
use dcc_proto::registration::{
    FileKind as WireFileKind, Fuel as WireFuel, RegistrationBatch, RegistrationBatchAccepted,
    RegistrationLine,
};
use dcc_proto::transport::GrpcTransport;
use tonic::Status;

use crate::registration_file::{error_file, FileHeader, FileKind, RefusedRecord};
use crate::Fuel;

/// Records per batch: about a megabyte on the wire.
pub const BATCH_RECORDS: usize = 10_000;

/// A registration data file as read: its header, its record lines, and what is wrong with
/// the file as a whole (its trailer).
#[derive(Debug, Clone)]
pub struct RegistrationFile {
    pub header: FileHeader,
    text: String,
    /// Each record line: its 1-based number and where it is in `text`.
    records: Vec<(u64, Range<usize>)>,
    /// Problems of the file itself (a missing trailer or a wrong count), for the ERROR file.
    pub file_problems: Vec<RefusedRecord>,
}

impl RegistrationFile {
    /// Reads a file; a file whose header cannot be read is refused whole.
    pub fn parse(text: String) -> Result<Self, String> {
        let mut offset = 0;
        let mut lines = Vec::new();
        for (index, line) in text.split('\n').enumerate() {
            let range = offset..offset + line.len();
            offset += line.len() + 1;
            let trimmed = line.trim_end_matches('\r');
            if trimmed.is_empty() {
                continue;
            }
            lines.push((index as u64 + 1, range.start..range.start + trimmed.len()));
        }
        let Some((_, header_range)) = lines.first().cloned() else {
            return Err("the file is empty: it has no HDR line".to_owned());
        };
        let header = FileHeader::parse(&text[header_range])?;
        let mut records: Vec<(u64, Range<usize>)> = lines[1..].to_vec();
        let mut file_problems = Vec::new();
        let trailer = records
            .last()
            .filter(|(_, range)| text[range.clone()].starts_with("TRL|"))
            .cloned();
        match trailer {
            Some((line_number, range)) => {
                records.pop();
                let declared = &text[range.clone()]["TRL|".len()..];
                if declared.parse::<usize>() != Ok(records.len()) {
                    file_problems.push(RefusedRecord {
                        line_number,
                        code: "TRAILER_COUNT".to_owned(),
                        reason: format!(
                            "the trailer declares {declared} records, the file has {}",
                            records.len()
                        ),
                        line: text[range].to_owned(),
                    });
                }
            }
            None => file_problems.push(RefusedRecord {
                line_number: lines.last().map(|(number, _)| *number).unwrap_or(1),
                code: "TRAILER_MISSING".to_owned(),
                reason: "the file has no TRL line: it may be cut short".to_owned(),
                line: String::new(),
            }),
        }
        Ok(Self {
            header,
            text,
            records,
            file_problems,
        })
    }

    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// The record lines, with their numbers.
    pub fn records(&self) -> impl Iterator<Item = (u64, &str)> {
        self.records
            .iter()
            .map(|(number, range)| (*number, &self.text[range.clone()]))
    }

    fn batch_count(&self, batch_records: usize) -> u64 {
        self.records.len().div_ceil(batch_records).max(1) as u64
    }
}

/// The RDP→DSP link a transmission goes over.
pub trait RegistrationLink {
    fn submit(
        &mut self,
        batch: RegistrationBatch,
    ) -> impl Future<Output = Result<RegistrationBatchAccepted, Status>> + Send;
}

impl RegistrationLink for RegistrationDataIntakeClient<GrpcTransport> {
    async fn submit(
        &mut self,
        batch: RegistrationBatch,
    ) -> Result<RegistrationBatchAccepted, Status> {
        self.submit_registration_batch(batch)
            .await
            .map(tonic::Response::into_inner)
    }
}

/// Fault injection: a link that breaks once `records` records have gone over it. The batch
/// that crosses the limit reaches the DSP but its acknowledgement is lost; every later call
/// fails UNAVAILABLE, as a dropped connection does.
#[derive(Debug)]
pub struct BreakingLink<L> {
    inner: L,
    records_left: usize,
}

impl<L> BreakingLink<L> {
    pub fn after_records(inner: L, records: usize) -> Self {
        Self {
            inner,
            records_left: records,
        }
    }
}

impl<L: RegistrationLink + Send> RegistrationLink for BreakingLink<L> {
    async fn submit(
        &mut self,
        batch: RegistrationBatch,
    ) -> Result<RegistrationBatchAccepted, Status> {
        let lost = Status::unavailable("the RDP to DSP link dropped (fault injection)");
        if self.records_left == 0 {
            return Err(lost);
        }
        let records = batch.lines.len();
        let accepted = self.inner.submit(batch).await?;
        if records >= self.records_left {
            self.records_left = 0;
            return Err(lost);
        }
        self.records_left -= records;
        Ok(accepted)
    }
}

/// One file's transmission: where it stands and what the DSP refused so far. Calling
/// [`Transmission::resume`] again after a failure carries on from the first batch the DSP has
/// not acknowledged.
#[derive(Debug)]
pub struct Transmission<'a> {
    provider: String,
    fuel: Fuel,
    file: &'a RegistrationFile,
    batch_records: usize,
    next_batch: u64,
    refused: BTreeMap<u64, Vec<RefusedRecord>>,
    applied: BTreeMap<u64, u64>,
    complete: bool,
}

impl<'a> Transmission<'a> {
    pub fn new(
        provider: &str,
        fuel: Fuel,
        file: &'a RegistrationFile,
        batch_records: usize,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            fuel,
            file,
            batch_records: batch_records.max(1),
            next_batch: 0,
            refused: BTreeMap::new(),
            applied: BTreeMap::new(),
            complete: false,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Records the DSP applied.
    pub fn applied(&self) -> u64 {
        self.applied.values().sum()
    }

    /// Every refusal: the file's own problems, then each refused record.
    pub fn refused(&self) -> Vec<RefusedRecord> {
        let mut all = self.file.file_problems.clone();
        all.extend(self.refused.values().flatten().cloned());
        all
    }

    /// The ERROR file to send back, if anything was refused.
    pub fn error_file(&self) -> Option<String> {
        let refused = self.refused();
        (!refused.is_empty()).then(|| error_file(&self.file.header, &refused))
    }

    fn batch(&self, number: u64) -> RegistrationBatch {
        let start = (number as usize).saturating_mul(self.batch_records);
        let end = start
            .saturating_add(self.batch_records)
            .min(self.file.records.len());
        let lines = self.file.records[start.min(end)..end]
            .iter()
            .map(|(line_number, range)| RegistrationLine {
                line_number: *line_number,
                text: self.file.text[range.clone()].to_owned(),
            })
            .collect();
        RegistrationBatch {
            registration_data_provider: self.provider.clone(),
            fuel: match self.fuel {
                Fuel::Electricity => WireFuel::Electricity as i32,
                Fuel::Gas => WireFuel::Gas as i32,
            },
            file_kind: match self.file.header.kind {
                FileKind::FullRefresh => WireFileKind::FullRefresh as i32,
                FileKind::DailyUpdate => WireFileKind::DailyUpdate as i32,
            },
            transmission_id: self.file.header.transmission_id(),
            batch_number: number,
            lines,
            last: number + 1 >= self.file.batch_count(self.batch_records),
        }
    }

    /// Sends the batches not yet acknowledged, in order, until the DSP has the whole file or
    /// the link fails (then call again to resume).
    pub async fn resume<L: RegistrationLink>(&mut self, link: &mut L) -> Result<(), Status> {
        while !self.complete {
            let number = self.next_batch;
            let accepted = link.submit(self.batch(number)).await?;
            let refused = accepted
                .refused
                .into_iter()
                .map(|line| RefusedRecord {
                    line_number: line.line_number,
                    code: line.code,
                    reason: line.reason,
                    line: line.text,
                })
                .collect();
            self.refused.insert(number, refused);
            self.applied.insert(number, accepted.applied);
            // The DSP may be further on (this RDP restarted): carry on where it is.
            self.next_batch = accepted.next_batch_number.max(number + 1);
            self.complete = accepted.complete;
            if !self.complete && self.next_batch >= self.file.batch_count(self.batch_records) {
                return Err(Status::internal(format!(
                    "the DSP has not completed {} after its last batch",
                    self.file.header.transmission_id()
                )));
            }
        }
        Ok(())
    }
}
