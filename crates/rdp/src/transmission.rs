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

#[cfg(test)]
mod tests {
    use dcc_proto::registration::RefusedLine;

    use super::*;

    const HEADER: &str = "HDR|F|E|000001|2026-12-01T00:00:00Z";

    /// A full refresh of `records` record lines (their text is not read here) and a trailer
    /// declaring `declared`.
    fn file_text(records: usize, declared: usize) -> String {
        let mut text = format!("{HEADER}\n");
        for index in 0..records {
            text.push_str(&format!("MP|record {index}\n"));
        }
        text.push_str(&format!("TRL|{declared}\n"));
        text
    }

    /// The DSP's intake as a transmission sees it: records every batch it is sent; answers
    /// each with the next batch number, refuses the lines in `refusing`, and completes on the
    /// last batch; `failing_once` batches fail the call the first time they arrive;
    /// `skip_to` says the DSP is already further on after batch 0.
    #[derive(Debug, Default)]
    struct FakeIntake {
        received: Vec<RegistrationBatch>,
        refusing: Vec<u64>,
        failing_once: Vec<u64>,
        skip_to: Option<u64>,
        never_complete: bool,
    }

    impl FakeIntake {
        fn numbers(&self) -> Vec<u64> {
            self.received
                .iter()
                .map(|batch| batch.batch_number)
                .collect()
        }
    }

    impl RegistrationLink for FakeIntake {
        async fn submit(
            &mut self,
            batch: RegistrationBatch,
        ) -> Result<RegistrationBatchAccepted, Status> {
            self.received.push(batch.clone());
            let number = batch.batch_number;
            if let Some(at) = self.failing_once.iter().position(|n| *n == number) {
                self.failing_once.remove(at);
                return Err(Status::unavailable("the DSP is restarting"));
            }
            let refused: Vec<RefusedLine> = batch
                .lines
                .iter()
                .filter(|line| self.refusing.contains(&line.line_number))
                .map(|line| RefusedLine {
                    line_number: line.line_number,
                    code: "STATUS".to_owned(),
                    reason: "refused by the fake".to_owned(),
                    text: line.text.clone(),
                })
                .collect();
            let next_batch_number = match (number, self.skip_to) {
                (0, Some(skip_to)) => skip_to,
                _ => number + 1,
            };
            Ok(RegistrationBatchAccepted {
                next_batch_number,
                applied: (batch.lines.len() - refused.len()) as u64,
                refused,
                complete: batch.last && !self.never_complete,
            })
        }
    }

    /// The intake behind another link (a [`BreakingLink`]) while the test keeps it.
    impl RegistrationLink for &mut FakeIntake {
        async fn submit(
            &mut self,
            batch: RegistrationBatch,
        ) -> Result<RegistrationBatchAccepted, Status> {
            (**self).submit(batch).await
        }
    }

    fn run<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    #[test]
    fn a_file_keeps_its_line_numbers_and_says_what_is_wrong_with_its_trailer() {
        let file = RegistrationFile::parse(format!("{HEADER}\r\n\nMP|a\r\nMP|b\nTRL|2\n")).unwrap();
        let records: Vec<(u64, &str)> = file.records().collect();
        assert_eq!(
            records,
            [(3, "MP|a"), (4, "MP|b")],
            "blank lines keep their numbers"
        );
        assert!(file.file_problems.is_empty());
        let miscounted = RegistrationFile::parse(file_text(3, 4)).unwrap();
        let codes: Vec<&str> = miscounted
            .file_problems
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(codes, ["TRAILER_COUNT"]);
        assert_eq!(miscounted.file_problems[0].line_number, 5);
        let cut_short = RegistrationFile::parse(format!("{HEADER}\nMP|a\nMP|b\n")).unwrap();
        assert_eq!(cut_short.record_count(), 2);
        assert_eq!(cut_short.file_problems[0].code, "TRAILER_MISSING");
        assert_eq!(cut_short.file_problems[0].line_number, 3);
        assert!(RegistrationFile::parse("\n\n".to_owned())
            .unwrap_err()
            .contains("empty"));
        assert!(RegistrationFile::parse("MP|a\n".to_owned()).is_err());
    }

    #[test]
    fn a_file_goes_in_numbered_batches_carrying_its_line_numbers_the_last_marked() {
        let file = RegistrationFile::parse(file_text(5, 5)).unwrap();
        let mut intake = FakeIntake::default();
        let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 2);
        run(transmission.resume(&mut intake)).expect("sent");
        assert!(transmission.is_complete());
        assert_eq!(intake.numbers(), [0, 1, 2]);
        let lines: Vec<Vec<u64>> = intake
            .received
            .iter()
            .map(|batch| batch.lines.iter().map(|line| line.line_number).collect())
            .collect();
        assert_eq!(lines, [vec![2, 3], vec![4, 5], vec![6]]);
        let last: Vec<bool> = intake.received.iter().map(|batch| batch.last).collect();
        assert_eq!(last, [false, false, true]);
        for batch in &intake.received {
            assert_eq!(batch.transmission_id, "F-000001");
            assert_eq!(batch.registration_data_provider, "rdp-electricity");
            assert_eq!(batch.fuel, WireFuel::Electricity as i32);
            assert_eq!(batch.file_kind, WireFileKind::FullRefresh as i32);
        }
        assert_eq!(transmission.applied(), 5);
        assert_eq!(transmission.error_file(), None);
    }

    #[test]
    fn a_file_without_records_is_one_empty_last_batch() {
        let file = RegistrationFile::parse(file_text(0, 0)).unwrap();
        let mut intake = FakeIntake::default();
        let mut transmission = Transmission::new("rdp-gas", Fuel::Gas, &file, 2);
        run(transmission.resume(&mut intake)).expect("sent");
        assert_eq!(intake.numbers(), [0]);
        assert!(intake.received[0].last && intake.received[0].lines.is_empty());
        assert_eq!(intake.received[0].fuel, WireFuel::Gas as i32);
    }

    #[test]
    fn after_a_break_it_resumes_at_the_first_batch_not_acknowledged() {
        let file = RegistrationFile::parse(file_text(5, 5)).unwrap();
        let mut intake = FakeIntake {
            failing_once: vec![1],
            ..FakeIntake::default()
        };
        let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 2);
        let broken = run(transmission.resume(&mut intake)).unwrap_err();
        assert_eq!(broken.code(), tonic::Code::Unavailable);
        assert!(!transmission.is_complete());
        run(transmission.resume(&mut intake)).expect("resumed");
        assert!(transmission.is_complete());
        assert_eq!(intake.numbers(), [0, 1, 1, 2]);
        assert_eq!(transmission.applied(), 5);
    }

    #[test]
    fn it_carries_on_from_where_the_dsp_says_it_is() {
        let file = RegistrationFile::parse(file_text(5, 5)).unwrap();
        let mut intake = FakeIntake {
            skip_to: Some(2),
            ..FakeIntake::default()
        };
        let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 2);
        run(transmission.resume(&mut intake)).expect("sent");
        assert_eq!(intake.numbers(), [0, 2]);
    }

    #[test]
    fn a_dsp_that_has_not_completed_the_file_after_its_last_batch_is_an_error() {
        let file = RegistrationFile::parse(file_text(3, 3)).unwrap();
        let mut intake = FakeIntake {
            never_complete: true,
            ..FakeIntake::default()
        };
        let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 2);
        let error = run(transmission.resume(&mut intake)).unwrap_err();
        assert_eq!(error.code(), tonic::Code::Internal);
        assert!(error.message().contains("F-000001"), "{error:?}");
        assert_eq!(intake.numbers(), [0, 1]);
    }

    #[test]
    fn a_batch_sent_again_after_a_lost_acknowledgement_counts_once_in_the_error_file() {
        // Line 3 is refused; the trailer miscounts; the acknowledgement of batch 0 is lost.
        let file = RegistrationFile::parse(file_text(4, 9)).unwrap();
        let mut intake = FakeIntake {
            refusing: vec![3],
            ..FakeIntake::default()
        };
        let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 2);
        let mut breaking = BreakingLink::after_records(&mut intake, 2);
        let lost = run(transmission.resume(&mut breaking)).unwrap_err();
        assert_eq!(lost.code(), tonic::Code::Unavailable);
        // The link stays down: nothing more reaches the DSP over it.
        assert_eq!(
            run(transmission.resume(&mut breaking)).unwrap_err().code(),
            tonic::Code::Unavailable
        );
        assert_eq!(
            intake.numbers(),
            [0],
            "batch 0 reached the DSP, its answer was lost"
        );
        run(transmission.resume(&mut intake)).expect("resumed");
        assert_eq!(intake.numbers(), [0, 0, 1]);
        assert_eq!(transmission.applied(), 3);
        let refused: Vec<(u64, String)> = transmission
            .refused()
            .into_iter()
            .map(|refused| (refused.line_number, refused.code))
            .collect();
        assert_eq!(
            refused,
            [(6, "TRAILER_COUNT".to_owned()), (3, "STATUS".to_owned())]
        );
        let error_file = transmission.error_file().expect("an ERROR file");
        assert_eq!(
            error_file.lines().collect::<Vec<_>>(),
            [
                "ERRHDR|F-000001",
                "ERR|3|STATUS|refused by the fake|MP|record 1",
                "ERR|6|TRAILER_COUNT|the trailer declares 9 records, the file has 4|TRL|9",
                "ERRTRL|2"
            ]
        );
    }
}
