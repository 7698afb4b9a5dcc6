//! A whole ecosystem for one test or scenario, in one call: every party in this process on
//! ephemeral ports, a Receive Response inbox checking the DSP's signature, the readiness wait,
//! a message log of every hop, fault injection on every link, and a movable clock. Sandboxes
//! share nothing, so many run side by side.

use std::sync::Arc;
use std::time::Duration;

use dcc_model::Eui64;

use crate::config::{EcosystemConfig, PARTIES};
use crate::faults::{FaultError, FaultSpec, LinkConditions};
use crate::launch::{self, LaunchError, LaunchHooks, Running};
use crate::trace::MessageLog;
use crate::user::{CounterBook, Endpoints, InboxOptions, ResponseInbox, UserAgent, UserError};
use crate::Identities;

/// How long a sandbox waits for the ecosystem to be ready.
pub const READY_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Fault(#[from] FaultError),
}

/// What a sandbox starts with beyond its configuration.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Identities already made for the configuration's seed (making them is the slow part).
    pub identities: Option<Identities>,
    /// Faults in force from the start.
    pub faults: Vec<FaultSpec>,
    /// Where the clock starts; now when absent.
    pub clock_start: Option<time::OffsetDateTime>,
}

/// A running ecosystem with its user-side plumbing.
#[derive(Debug)]
pub struct Sandbox {
    pub running: Running,
    pub inbox: Arc<ResponseInbox>,
    pub conditions: Arc<LinkConditions>,
    pub clock: clock::Clock,
    pub counters: Arc<CounterBook>,
    pub config: EcosystemConfig,
}

impl Sandbox {
    /// The default fleet and users, seed 1.
    pub async fn start() -> Result<Self, SandboxError> {
        Self::start_with(EcosystemConfig::default(), SandboxOptions::default()).await
    }

    /// `config` on ephemeral ports, its users' responses going to the sandbox's inbox.
    pub async fn start_with(
        config: EcosystemConfig,
        options: SandboxOptions,
    ) -> Result<Self, SandboxError> {
        let mut config = config.with_ephemeral_ports();
        let identities = match options.identities {
            Some(identities) => identities,
            None => Identities::build(&config).map_err(LaunchError::from)?,
        };
        let conditions = LinkConditions::new(config.seed, MessageLog::new());
        for fault in config.faults.drain(..).chain(options.faults) {
            conditions.inject(fault)?;
        }
        let dsp_xml_key = identities
            .organisation(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                smki::KeyUsage::DigitalSignature,
                Some(smki::RemotePartyRole::DSP_XML_SIGNING),
            )
            .map(|identity| identity.certificate.public_key_sec1())
            .ok();
        let inbox = ResponseInbox::start_with(InboxOptions {
            dsp_xml_key,
            conditions: Some(conditions.clone()),
            listen: None,
        })
        .await?;
        config.response_url = Some(inbox.url.clone());
        // A scenario that starts the clock somewhere gets a virtual clock, which only its
        // steps move; otherwise the configuration's (the system clock by default).
        let clock = match options.clock_start {
            Some(start) => clock::Clock::virtual_at(start),
            None => clock::Clock::new(config.clock),
        };
        let hooks = LaunchHooks {
            link_layer: Some(conditions.clone()),
            clock: Some(clock.clone()),
            ..LaunchHooks::default()
        };
        let running =
            launch::start_parties_with(config.clone(), PARTIES, Some(identities), hooks).await?;
        let duis_url = running.duis_url.clone().unwrap_or_default();
        launch::wait_until_ready(&duis_url, READY_LIMIT).await?;
        Ok(Self {
            running,
            inbox: Arc::new(inbox),
            conditions,
            clock,
            counters: CounterBook::starting_after(0),
            config,
        })
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            duis_url: self.running.duis_url.clone().unwrap_or_default(),
            smki_url: self.running.smki_url.clone().unwrap_or_default(),
        }
    }

    pub fn identities(&self) -> &Identities {
        &self.running.identities
    }

    /// The user `id`, sharing the sandbox's inbox and counters, its DUIS hops logged.
    pub fn user(&self, id: Eui64) -> Result<UserAgent, UserError> {
        Ok(UserAgent::new(
            id,
            self.identities(),
            self.endpoints(),
            self.inbox.clone(),
            self.counters.clone(),
        )?
        .with_conditions(Some(self.conditions.clone())))
    }

    /// The control API of the sandbox's devices (the Comms Hubs' and smart meters'
    /// `DeviceControl` services).
    pub fn device_control(&self) -> crate::device_control::GrpcDeviceControl {
        crate::device_control::GrpcDeviceControl::new(&crate::launch::NetworkDirectory::new(
            self.running.grpc_addresses.clone(),
        ))
    }

    pub fn log(&self) -> &MessageLog {
        self.conditions.log()
    }

    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}
