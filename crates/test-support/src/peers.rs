//! Fake peers for tests that mount one party alone: each records the messages it is sent and
//! can refuse the first few with UNAVAILABLE, as a restarting party would. Built with
//! [`FakePeer::builder`], reached through a [`GrpcTransport`] for the service it stands in for.
//!
//! ```ignore
//! let csp = FakePeer::<DeviceMessage>::builder().refusing_first(2).build();
//! let peers = CommsHubPeers { csp_north: csp.csp_upstream(), .. };
//! let received = csp.wait_until(|messages| messages.len() == 1).await;
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_proto::han::comms_hub_han_upstream_server::{
    CommsHubHanUpstream, CommsHubHanUpstreamServer,
};
use dcc_proto::han::smart_meter_han_server::{SmartMeterHan, SmartMeterHanServer};
use dcc_proto::han::{HanFrame, HanFrameAccepted};
use dcc_proto::smwan::comms_hub_wan_server::{CommsHubWan, CommsHubWanServer};
use dcc_proto::smwan::communications_service_provider_upstream_server::{
    CommunicationsServiceProviderUpstream, CommunicationsServiceProviderUpstreamServer,
};
use dcc_proto::transport::{local, GrpcTransport};
use dcc_proto::wan::communications_service_provider_server::{
    CommunicationsServiceProvider, CommunicationsServiceProviderServer,
};
use dcc_proto::wan::data_service_provider_upstream_server::{
    DataServiceProviderUpstream, DataServiceProviderUpstreamServer,
};
use dcc_proto::wan::{DeviceMessage, DeviceMessageAccepted, WanCommand, WanCommandAccepted};
use tonic::{Request, Response, Status};

/// How long [`FakePeer::wait_until`] waits.
const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// A peer that records messages of type `M`.
#[derive(Debug)]
pub struct FakePeer<M> {
    inner: Arc<Inner<M>>,
}

impl<M> Clone for FakePeer<M> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

#[derive(Debug)]
struct Inner<M> {
    received: Mutex<Vec<M>>,
    arrived: tokio::sync::Notify,
    refusals_left: AtomicUsize,
    refusal: String,
}

/// Builds a [`FakePeer`].
#[derive(Debug, Clone, Default)]
pub struct FakePeerBuilder {
    refusals: usize,
    refusal: Option<String>,
}

impl FakePeerBuilder {
    /// Answers UNAVAILABLE to the first `count` messages.
    pub fn refusing_first(mut self, count: usize) -> Self {
        self.refusals = count;
        self
    }

    /// The status message of refusals (`restarting` when not set).
    pub fn refusal_message(mut self, message: impl Into<String>) -> Self {
        self.refusal = Some(message.into());
        self
    }

    pub fn build<M>(self) -> FakePeer<M> {
        FakePeer {
            inner: Arc::new(Inner {
                received: Mutex::new(Vec::new()),
                arrived: tokio::sync::Notify::new(),
                refusals_left: AtomicUsize::new(self.refusals),
                refusal: self.refusal.unwrap_or_else(|| "restarting".to_owned()),
            }),
        }
    }
}

impl<M: Clone + Send + 'static> FakePeer<M> {
    pub fn builder() -> FakePeerBuilder {
        FakePeerBuilder::default()
    }

    /// Every message taken so far, in order.
    pub fn received(&self) -> Vec<M> {
        self.lock().clone()
    }

    /// Waits (at most 10 s) until `condition` holds for what has arrived; panics otherwise.
    pub async fn wait_until(&self, condition: impl Fn(&[M]) -> bool) -> Vec<M> {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        loop {
            let arrived = self.inner.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let items = self.received();
            if condition(&items) {
                return items;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "condition not met in time; {} message(s) arrived",
                    items.len()
                );
            }
        }
    }

    /// Takes `message`, unless a refusal is due.
    fn take(&self, message: M) -> Result<(), Status> {
        let refused = self
            .inner
            .refusals_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if refused {
            return Err(Status::unavailable(self.inner.refusal.clone()));
        }
        self.lock().push(message);
        self.inner.arrived.notify_waiters();
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<M>> {
        self.inner
            .received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FakePeer<WanCommand> {
    /// Stands in for a CSP taking commands from the DSP.
    pub fn csp(&self) -> GrpcTransport {
        local(CommunicationsServiceProviderServer::new(self.clone()))
    }

    /// Stands in for the Comms Hub party taking commands from a CSP.
    pub fn comms_hub_wan(&self) -> GrpcTransport {
        local(CommsHubWanServer::new(self.clone()))
    }
}

impl FakePeer<DeviceMessage> {
    /// Stands in for a CSP taking device messages from the Comms Hubs.
    pub fn csp_upstream(&self) -> GrpcTransport {
        local(CommunicationsServiceProviderUpstreamServer::new(
            self.clone(),
        ))
    }

    /// Stands in for the DSP taking device messages from a CSP.
    pub fn dsp_upstream(&self) -> GrpcTransport {
        local(DataServiceProviderUpstreamServer::new(self.clone()))
    }
}

impl FakePeer<HanFrame> {
    /// Stands in for the smart meter party taking frames from the Comms Hub.
    pub fn smart_meters(&self) -> GrpcTransport {
        local(SmartMeterHanServer::new(self.clone()))
    }

    /// Stands in for the Comms Hub taking frames the meters send up.
    pub fn comms_hub_han_upstream(&self) -> GrpcTransport {
        local(CommsHubHanUpstreamServer::new(self.clone()))
    }
}

#[tonic::async_trait]
impl CommunicationsServiceProvider for FakePeer<WanCommand> {
    async fn send_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        self.take(request.into_inner())?;
        Ok(Response::new(WanCommandAccepted {}))
    }

    async fn request_wan_coverage(
        &self,
        _request: Request<dcc_proto::wan::WanCoverageQuery>,
    ) -> Result<Response<dcc_proto::wan::WanCoverage>, Status> {
        Err(Status::unimplemented("this fake CSP only takes commands"))
    }

    async fn distribute_firmware(
        &self,
        _request: Request<dcc_proto::wan::FirmwareDistribution>,
    ) -> Result<Response<dcc_proto::wan::FirmwareDistributionAccepted>, Status> {
        Err(Status::unimplemented("this fake CSP only takes commands"))
    }
}

#[tonic::async_trait]
impl CommsHubWan for FakePeer<WanCommand> {
    async fn deliver_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        self.take(request.into_inner())?;
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

#[tonic::async_trait]
impl CommunicationsServiceProviderUpstream for FakePeer<DeviceMessage> {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        self.take(request.into_inner())?;
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

#[tonic::async_trait]
impl DataServiceProviderUpstream for FakePeer<DeviceMessage> {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        self.take(request.into_inner())?;
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

#[tonic::async_trait]
impl SmartMeterHan for FakePeer<HanFrame> {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
        self.take(request.into_inner())?;
        Ok(Response::new(HanFrameAccepted {}))
    }

    async fn deliver_firmware_image(
        &self,
        _request: Request<dcc_proto::han::FirmwareImage>,
    ) -> Result<Response<dcc_proto::han::FirmwareImageAccepted>, Status> {
        Err(Status::unimplemented("this fake meter only takes frames"))
    }
}

#[tonic::async_trait]
impl CommsHubHanUpstream for FakePeer<HanFrame> {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
        self.take(request.into_inner())?;
        Ok(Response::new(HanFrameAccepted {}))
    }
}
