//! Fake gRPC peers for unit tests of a party's decisions (feature `fakes`): each records what
//! it received and answers by a plan, and is reached in-process through
//! `dcc_proto::transport::local`, as the ecosystem reaches a party in the same process.
//!
//! ```text
//! let comms_hubs = FakeCommsHub::builder()
//!     .refusing(2, Status::unavailable("restarting"))
//!     .build();
//! let peers = CspPeers { comms_hubs: comms_hubs.transport(), … };
//! // … call the party under test …
//! assert_eq!(comms_hubs.received().len(), 3);
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use dcc_proto::registration::registration_data_intake_server::{
    RegistrationDataIntake, RegistrationDataIntakeServer,
};
use dcc_proto::registration::{RegistrationAccepted, RegistrationSnapshot};
use dcc_proto::smwan::comms_hub_wan_server::{CommsHubWan, CommsHubWanServer};
use dcc_proto::transport::{local, GrpcTransport};
use dcc_proto::wan::communications_service_provider_server::{
    CommunicationsServiceProvider, CommunicationsServiceProviderServer,
};
use dcc_proto::wan::data_service_provider_upstream_server::{
    DataServiceProviderUpstream, DataServiceProviderUpstreamServer,
};
use dcc_proto::wan::{DeviceMessage, DeviceMessageAccepted, WanCommand, WanCommandAccepted};
use tonic::{Request, Response, Status};

/// What a fake answers: the planned outcomes in order, then acceptance (or one refusal for
/// every call after them).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    outcomes: VecDeque<Result<(), Status>>,
    afterwards: Option<Status>,
}

impl Plan {
    /// The next call's outcome.
    fn next(&mut self) -> Result<(), Status> {
        match self.outcomes.pop_front() {
            Some(outcome) => outcome,
            None => self.afterwards.clone().map_or(Ok(()), Err),
        }
    }
}

/// Builds a fake peer: its plan of answers.
#[derive(Debug)]
pub struct FakeBuilder<F> {
    plan: Plan,
    fake: std::marker::PhantomData<F>,
}

impl<F: Fake> FakeBuilder<F> {
    /// The next `count` calls are refused with `status`.
    pub fn refusing(mut self, count: usize, status: Status) -> Self {
        self.plan
            .outcomes
            .extend(std::iter::repeat_n(Err(status), count));
        self
    }

    /// The next `count` calls are accepted.
    pub fn accepting(mut self, count: usize) -> Self {
        self.plan
            .outcomes
            .extend(std::iter::repeat_n(Ok(()), count));
        self
    }

    /// Every call after the planned outcomes is refused with `status` (instead of accepted).
    pub fn then_always_refusing(mut self, status: Status) -> Self {
        self.plan.afterwards = Some(status);
        self
    }

    pub fn build(self) -> F {
        F::with_plan(self.plan)
    }
}

/// A fake peer made by [`FakeBuilder`].
pub trait Fake: Sized {
    fn with_plan(plan: Plan) -> Self;

    fn builder() -> FakeBuilder<Self> {
        FakeBuilder {
            plan: Plan::default(),
            fake: std::marker::PhantomData,
        }
    }

    /// A fake that accepts every call.
    fn accepting() -> Self {
        Self::builder().build()
    }
}

/// The shared state of one fake: the plan and what it received.
#[derive(Debug)]
struct Recorder<M> {
    plan: Mutex<Plan>,
    received: Mutex<Vec<M>>,
}

impl<M: Clone> Recorder<M> {
    fn new(plan: Plan) -> Arc<Self> {
        Arc::new(Self {
            plan: Mutex::new(plan),
            received: Mutex::new(Vec::new()),
        })
    }

    /// Records `message` and answers by the plan.
    fn call(&self, message: M) -> Result<(), Status> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
        self.plan
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next()
    }

    fn received(&self) -> Vec<M> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The Comms Hub party as a CSP sees it (`CommsHubWan`): takes or refuses WAN commands.
#[derive(Debug, Clone)]
pub struct FakeCommsHub(Arc<Recorder<WanCommand>>);

impl Fake for FakeCommsHub {
    fn with_plan(plan: Plan) -> Self {
        Self(Recorder::new(plan))
    }
}

impl FakeCommsHub {
    pub fn transport(&self) -> GrpcTransport {
        local(CommsHubWanServer::new(self.clone()))
    }

    /// Every command delivered, refused ones included, in order.
    pub fn received(&self) -> Vec<WanCommand> {
        self.0.received()
    }
}

#[tonic::async_trait]
impl CommsHubWan for FakeCommsHub {
    async fn deliver_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        self.0.call(request.into_inner())?;
        Ok(Response::new(WanCommandAccepted {}))
    }

    async fn distribute_firmware(
        &self,
        _request: Request<dcc_proto::wan::FirmwareDistribution>,
    ) -> Result<Response<dcc_proto::wan::FirmwareDistributionAccepted>, Status> {
        Err(Status::unimplemented(
            "this fake comms hub only takes commands",
        ))
    }
}

/// A CSP as the DSP sees it (`CommunicationsServiceProvider`): takes or refuses the commands
/// the DSP sends; coverage and firmware distribution are not this fake's subject.
#[derive(Debug, Clone)]
pub struct FakeCsp(Arc<Recorder<WanCommand>>);

impl Fake for FakeCsp {
    fn with_plan(plan: Plan) -> Self {
        Self(Recorder::new(plan))
    }
}

impl FakeCsp {
    pub fn transport(&self) -> GrpcTransport {
        local(CommunicationsServiceProviderServer::new(self.clone()))
    }

    /// Every command sent, refused ones included, in order.
    pub fn received(&self) -> Vec<WanCommand> {
        self.0.received()
    }
}

#[tonic::async_trait]
impl CommunicationsServiceProvider for FakeCsp {
    async fn send_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        self.0.call(request.into_inner())?;
        Ok(Response::new(WanCommandAccepted {}))
    }

    async fn request_wan_coverage(
        &self,
        _request: Request<dcc_proto::wan::WanCoverageQuery>,
    ) -> Result<Response<dcc_proto::wan::WanCoverage>, Status> {
        Err(Status::unimplemented("the fake CSP takes commands only"))
    }

    async fn distribute_firmware(
        &self,
        _request: Request<dcc_proto::wan::FirmwareDistribution>,
    ) -> Result<Response<dcc_proto::wan::FirmwareDistributionAccepted>, Status> {
        Err(Status::unimplemented("the fake CSP takes commands only"))
    }
}

/// The DSP's upstream side as a CSP sees it (`DataServiceProviderUpstream`): takes or refuses
/// device messages.
#[derive(Debug, Clone)]
pub struct FakeDspUpstream(Arc<Recorder<DeviceMessage>>);

impl Fake for FakeDspUpstream {
    fn with_plan(plan: Plan) -> Self {
        Self(Recorder::new(plan))
    }
}

impl FakeDspUpstream {
    pub fn transport(&self) -> GrpcTransport {
        local(DataServiceProviderUpstreamServer::new(self.clone()))
    }

    /// Every device message passed up, refused ones included, in order.
    pub fn received(&self) -> Vec<DeviceMessage> {
        self.0.received()
    }
}

#[tonic::async_trait]
impl DataServiceProviderUpstream for FakeDspUpstream {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        self.0.call(request.into_inner())?;
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

/// The DSP's registration data intake as an RDP sees it: takes or refuses snapshots.
#[derive(Debug, Clone)]
pub struct FakeRegistrationIntake(Arc<Recorder<RegistrationSnapshot>>);

impl Fake for FakeRegistrationIntake {
    fn with_plan(plan: Plan) -> Self {
        Self(Recorder::new(plan))
    }
}

impl FakeRegistrationIntake {
    pub fn transport(&self) -> GrpcTransport {
        local(RegistrationDataIntakeServer::new(self.clone()))
    }

    /// Every snapshot submitted, refused ones included, in order.
    pub fn received(&self) -> Vec<RegistrationSnapshot> {
        self.0.received()
    }
}

#[tonic::async_trait]
impl RegistrationDataIntake for FakeRegistrationIntake {
    async fn submit_registration_data(
        &self,
        request: Request<RegistrationSnapshot>,
    ) -> Result<Response<RegistrationAccepted>, Status> {
        let snapshot = request.into_inner();
        let meter_points = u32::try_from(snapshot.meter_points.len()).unwrap_or(u32::MAX);
        self.0.call(snapshot)?;
        Ok(Response::new(RegistrationAccepted { meter_points }))
    }

    /// Batches are not this fake's subject: it refuses them.
    async fn submit_registration_batch(
        &self,
        _request: Request<dcc_proto::registration::RegistrationBatch>,
    ) -> Result<Response<dcc_proto::registration::RegistrationBatchAccepted>, Status> {
        Err(Status::unimplemented(
            "the fake intake takes snapshots only",
        ))
    }
}
