//! The counters of the commands the DSP sends: one sequence per (originator, device), in the
//! store's counters table, which every path uses.
//!
//! A device takes a command only when its counter is above every one it took from that
//! originator. A user's commands carry its RequestID counters, which must rise per (user,
//! target) or the request is refused as a replay (E1003). A DCC party (the ACB, the
//! transitional CoS party) that originates a command for a user's request
//! ([`services::CommandOrigin::DccParty`]) takes the next counter of its sequence for the
//! device; the requests it sends itself (RequestIDs DCC's `Sign` counts) take their RequestID
//! counter from the same sequence, so one whose counter is not above the last one the party
//! used for that device, for any request, is refused as a replay (E1003) as a user's would be:
//! the device would refuse it too.

use dcc_model::{DeviceType, Eui64};
use duis::catalogue::ServiceDefinition;
use duis::Request;
use gbcs::han::chf_device_log::PanBackup;
use gbcs::han::DeviceLogEntry;

use crate::rejection::Rejection;
use crate::services::{self, CommandContext, DeviceCommand, DspKnowledge};
use crate::store::Batch;
use crate::Shared;

/// The DSP's counters as the transformation asks for them, read in the write transaction that
/// then takes the counter used; what else it asks (the inventory's facts) from `inventory`.
struct StoredCounters<'a> {
    batch: &'a Batch,
    inventory: &'a dyn DspKnowledge,
}

impl DspKnowledge for StoredCounters<'_> {
    /// The next counter of the party's sequence for the device: one above the last it used,
    /// or 1 for a device the party never sent to.
    fn dcc_counter(&self, originator: Eui64, context: &CommandContext) -> Result<u64, Rejection> {
        let last = self.batch.last_counter(originator, context.device())?;
        Ok(last.map_or(1, |last| last.saturating_add(1)))
    }

    fn device_type(&self, device: Eui64) -> Option<DeviceType> {
        self.inventory.device_type(device)
    }

    fn key_agreement_certificate(&self, device: Eui64) -> Option<Vec<u8>> {
        self.inventory.key_agreement_certificate(device)
    }

    fn chf_device_log_backup(&self, chf: Eui64) -> Option<PanBackup> {
        self.inventory.chf_device_log_backup(chf)
    }

    fn gpf_device_log_backup(&self, gpf: Eui64) -> Option<Vec<DeviceLogEntry>> {
        self.inventory.gpf_device_log_backup(gpf)
    }
}

/// The command for a request as it arrives: its RequestID counter is taken (refused as a replay,
/// E1003, unless above the last one used for its originator and target), and so is the next
/// counter of the DCC party that originates the command, if one does; in `batch`, which the
/// caller commits with the rest of the request's changes, or drops if it refuses the request.
/// `inventory` answers what the transformation asks of the inventory.
pub(crate) fn command_for_request(
    batch: &Batch,
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    inventory: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let command = transform(batch, service, request, context, inventory)?;
    let request_id = request.header.request_id;
    take(
        batch,
        request_id.originator,
        request_id.target,
        request_id.counter,
    )?;
    Ok(command)
}

/// The command for a request the DSP sends itself on its owner's behalf, now, to `device`
/// (an occurrence of a DCC schedule, a held request at its execution time),
/// whose RequestID counter is taken already: only the originating DCC party's counter is
/// taken.
pub(crate) fn command_on_behalf(
    shared: &Shared,
    service: &ServiceDefinition,
    request: &Request,
    device: &crate::DeviceRecord,
) -> Result<DeviceCommand, Rejection> {
    let context = CommandContext {
        request_id: request.header.request_id,
        command_variant: request.header.command_variant,
        device_type: device.device_type,
        now: shared.clock.now(),
        device_profile: device.profile(),
        requester_role: None,
    };
    let batch = shared.store.batch()?;
    let inventory = crate::knowledge::InventoryKnowledge::without_certificates(shared);
    let command = transform(&batch, service, request, &context, &inventory)?;
    let command = shared
        .dcc_signing_keys
        .sign(request.header.command_variant, command)?;
    batch.commit()?;
    Ok(command)
}

/// The command with the DCC party's counters in `batch`: a party that originates it for
/// another's request takes the next counter of its sequence for the device.
fn transform(
    batch: &Batch,
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    inventory: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let knowledge = StoredCounters { batch, inventory };
    let command = services::transform_with(service, request, context, &knowledge)?;
    let header = &command.apdu.header;
    if header.originator != context.originator() {
        take(
            batch,
            header.originator,
            header.recipient,
            header.transaction.counter,
        )?;
    }
    Ok(command)
}

/// Takes `counter` for (originator, target): refused as a replay (E1003) unless it is above
/// the last one used.
pub(crate) fn take(
    batch: &Batch,
    originator: Eui64,
    target: Eui64,
    counter: u64,
) -> Result<(), Rejection> {
    match batch.advance_counter(originator, target, counter)? {
        Ok(()) => Ok(()),
        Err(last) => Err(Rejection::Replayed { counter, last }),
    }
}

#[cfg(test)]
mod tests {
    use dcc_model::{CommandVariant, DeviceType, RequestId, DCC_ACCESS_CONTROL_BROKER};
    use duis::BodyElement;
    use gbcs::GroupingHeader;

    use super::*;
    use crate::store::Store;

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const ESME: (Eui64, DeviceType) = (
        Eui64::from_u64(0x00DB_1234_5678_90A0),
        DeviceType::ElectricitySmartMeter,
    );
    const CHF: (Eui64, DeviceType) = (
        Eui64::from_u64(0x00DB_1234_5678_90A2),
        DeviceType::CommunicationsHubFunction,
    );

    /// A service request the ACB carries out, one from each of the forms ACB-originated
    /// commands used to take (a read the ACB sends, a CHF configuration command, a
    /// credentials read and a HAN command of the DCC's own).
    #[derive(Debug, Clone, Copy)]
    enum Service {
        /// 4.6.2 Retrieve Export Daily Read Log (ECS21c) to an ESME.
        ExportDailyReadLog,
        /// 6.31 Read CHF Sub GHz Channel (DBCH01).
        ChfSubGhzChannel,
        /// 6.24.1 Retrieve Device Security Credentials (CS02a), from the ACB in its own name.
        SecurityCredentials,
        /// 8.9 Read Device Log of a CHF (CCS06).
        ChfDeviceLog,
    }

    impl Service {
        fn variant_and_body(self) -> (&'static str, Vec<BodyElement>) {
            match self {
                Service::ExportDailyReadLog => (
                    "4.6.2",
                    vec![BodyElement::with_children(
                        "ReadLogPeriod",
                        vec![
                            BodyElement::leaf("StartDateTime", "2015-01-01T00:00:00Z"),
                            BodyElement::leaf("EndDateTime", "2015-01-02T00:00:00Z"),
                        ],
                    )],
                ),
                Service::ChfSubGhzChannel => ("6.31", Vec::new()),
                Service::SecurityCredentials => (
                    "6.24.1",
                    vec![BodyElement::leaf("RemotePartyRole", "Supplier")],
                ),
                Service::ChfDeviceLog => ("8.9", Vec::new()),
            }
        }
    }

    /// The header of the command `originator`'s request with `counter` becomes, its counters
    /// taken in one committed batch as the front door takes them.
    fn send(
        store: &Store,
        service: Service,
        originator: Eui64,
        (device, device_type): (Eui64, DeviceType),
        counter: u64,
    ) -> Result<GroupingHeader, Rejection> {
        let (variant, children) = service.variant_and_body();
        let definition = duis::catalogue::lookup(variant).expect("catalogued");
        let request_id = RequestId::new(originator, device, counter);
        let request = services::tests::request(definition, request_id, children);
        let context = CommandContext {
            request_id,
            command_variant: CommandVariant::SendOverWan,
            device_type,
            now: time::macros::datetime!(2015-01-01 00:00 UTC),
            device_profile: Default::default(),
            requester_role: None,
        };
        let batch = store.batch()?;
        let command = command_for_request(
            &batch,
            definition,
            &request,
            &context,
            &services::NoKnowledge,
        )?;
        batch.commit()?;
        Ok(command.apdu.header)
    }

    /// The supplier's requests, each (service, device, RequestID counter) with the counter
    /// the ACB's command for it must carry.
    fn expect_broker_counters(store: &Store, sends: &[(Service, (Eui64, DeviceType), u64, u64)]) {
        for &(service, device, counter, expected) in sends {
            let header = send(store, service, SUPPLIER, device, counter).expect("a command");
            assert_eq!(header.originator, DCC_ACCESS_CONTROL_BROKER);
            assert_eq!(
                header.transaction.counter, expected,
                "{service:?} to {} (RequestID counter {counter})",
                device.0
            );
        }
    }

    /// The ACB's own request to the CHF (8.9) with RequestID counter `counter`.
    fn broker_s_own(store: &Store, counter: u64) -> Result<GroupingHeader, Rejection> {
        send(
            store,
            Service::ChfDeviceLog,
            DCC_ACCESS_CONTROL_BROKER,
            CHF,
            counter,
        )
    }

    #[test]
    fn the_broker_counts_one_sequence_per_device_whatever_the_service() {
        let store = Store::in_memory().expect("store");
        expect_broker_counters(
            &store,
            &[
                (Service::ExportDailyReadLog, ESME, 1000, 1),
                (Service::SecurityCredentials, ESME, 1001, 2),
                (Service::ChfSubGhzChannel, CHF, 1000, 1),
                (Service::ChfDeviceLog, CHF, 1001, 2),
                (Service::ChfSubGhzChannel, CHF, 1002, 3),
                (Service::ExportDailyReadLog, ESME, 1002, 3),
            ],
        );
        let last = |originator| store.counter(originator, ESME.0).expect("read");
        assert_eq!(last(DCC_ACCESS_CONTROL_BROKER), Some(3));
        assert_eq!(last(SUPPLIER), Some(1002));
    }

    #[test]
    fn the_broker_s_own_requests_count_on_the_same_sequence() {
        let store = Store::in_memory().expect("store");
        expect_broker_counters(
            &store,
            &[
                (Service::ChfSubGhzChannel, CHF, 1000, 1),
                (Service::ChfSubGhzChannel, CHF, 1001, 2),
                (Service::ChfDeviceLog, CHF, 1002, 3),
            ],
        );
        // The ACB used 3 on the CHF for the supplier: its own request must be above it, as
        // the device takes only counters above the last it took from the ACB.
        for stale in [2, 3] {
            assert_eq!(
                broker_s_own(&store, stale),
                Err(Rejection::Replayed {
                    counter: stale,
                    last: 3
                })
            );
        }
        let own = broker_s_own(&store, 7000).expect("the ACB's own request");
        assert_eq!(own.originator, DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(own.transaction.counter, 7000);
        assert_eq!(
            own.other_information.supplementary_remote_party_id, None,
            "the ACB's own request names no one"
        );
        expect_broker_counters(&store, &[(Service::ChfSubGhzChannel, CHF, 1003, 7001)]);
    }

    #[test]
    fn a_refused_request_takes_no_counter() {
        let store = Store::in_memory().expect("store");
        expect_broker_counters(&store, &[(Service::ChfSubGhzChannel, CHF, 1000, 1)]);
        assert_eq!(
            send(&store, Service::ChfSubGhzChannel, SUPPLIER, CHF, 1000),
            Err(Rejection::Replayed {
                counter: 1000,
                last: 1000
            })
        );
        expect_broker_counters(&store, &[(Service::ChfSubGhzChannel, CHF, 1001, 2)]);
    }

    #[test]
    fn the_sequence_survives_a_restart() {
        let folder = tempfile::tempdir().expect("folder");
        {
            let store = Store::open(folder.path()).expect("store");
            expect_broker_counters(
                &store,
                &[
                    (Service::ExportDailyReadLog, ESME, 1000, 1),
                    (Service::ChfDeviceLog, CHF, 1000, 1),
                    (Service::ChfDeviceLog, CHF, 1001, 2),
                ],
            );
        }
        let store = Store::open(folder.path()).expect("the store again");
        expect_broker_counters(
            &store,
            &[
                (Service::ChfSubGhzChannel, CHF, 1002, 3),
                (Service::SecurityCredentials, ESME, 1001, 2),
            ],
        );
        assert_eq!(
            broker_s_own(&store, 3),
            Err(Rejection::Replayed {
                counter: 3,
                last: 3
            })
        );
    }
}
