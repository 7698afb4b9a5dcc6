//! The DSP's gRPC side: device responses and alerts from the CSPs, registration data from
//! the RDPs.

use std::collections::HashMap;
use std::sync::Arc;

use dcc_model::{Eui64, ResponseCode};
use dcc_proto::registration::registration_data_intake_server::{
    RegistrationDataIntake, RegistrationDataIntakeServer,
};
use dcc_proto::registration::{RegistrationAccepted, RegistrationSnapshot};
use dcc_proto::wan::data_service_provider_upstream_server::{
    DataServiceProviderUpstream, DataServiceProviderUpstreamServer,
};
use dcc_proto::wan::{DeviceMessage, DeviceMessageAccepted, DeviceMessageKind};
use duis::ResponseBody;
use tonic::{Request, Response, Status};
use tracing::{info, info_span, warn, Instrument};

use crate::front_door::sign_response;
use crate::outbox::Delivery;
use crate::{Registration, Shared};

pub(crate) fn routes(shared: Arc<Shared>) -> (tonic::service::Routes, Vec<&'static str>) {
    let routes = tonic::service::Routes::new(DataServiceProviderUpstreamServer::new(Upstream(
        shared.clone(),
    )))
    .add_service(RegistrationDataIntakeServer::new(Intake(shared)));
    let names = vec![
        <DataServiceProviderUpstreamServer<Upstream> as tonic::server::NamedService>::NAME,
        <RegistrationDataIntakeServer<Intake> as tonic::server::NamedService>::NAME,
    ];
    (routes, names)
}

#[derive(Clone)]
pub(crate) struct Upstream(Arc<Shared>);

#[derive(Clone)]
pub(crate) struct Intake(Arc<Shared>);

#[tonic::async_trait]
impl DataServiceProviderUpstream for Upstream {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        let message = request.into_inner();
        let span = info_span!("dsp.device_message", request_id = %message.request_id, device_id = %message.device_id);
        self.accept_device_message(message).instrument(span).await?;
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

impl Upstream {
    async fn accept_device_message(&self, message: DeviceMessage) -> Result<(), Status> {
        let shared = &self.0;
        let device = dcc_proto::convert::eui64("device_id", &message.device_id)?;
        let envelope = gbcs::Envelope::parse(&message.gbcs).map_err(|error| {
            Status::invalid_argument(format!("field gbcs: not a GBCS message: {error}"))
        })?;
        let header = envelope.header();
        let counter = header.transaction.counter;
        let recipient = header.recipient;
        if message.kind == DeviceMessageKind::Alert as i32 {
            return self.forward_alert(
                device,
                recipient,
                counter,
                header.message_code().0,
                message.gbcs,
            );
        }
        let Some(awaiting) = shared.state().awaiting_response.remove(&(device, counter)) else {
            warn!(counter, "response to no command awaiting one");
            return Err(Status::failed_precondition(format!(
                "no command to {device} with counter {counter} awaits a response"
            )));
        };
        let request_id = awaiting.request_id;
        let response_id = format!("{}:{}:{}", device, request_id.originator, counter);
        let xml = sign_response(
            shared,
            Some(request_id),
            ResponseCode::Success,
            Some(response_id),
            ResponseBody::GbcsPayload {
                service_reference: awaiting.service_reference,
                service_reference_variant: awaiting.service_reference_variant,
                payload: message.gbcs,
            },
        )
        .map_err(|error| Status::internal(format!("could not sign the response: {error}")))?;
        let Some(url) = shared.response_url_for(request_id.originator) else {
            warn!(user = %request_id.originator, "user has no receive response url; response dropped");
            return Ok(());
        };
        shared.outbox.send(Delivery {
            url,
            xml,
            request_id: request_id.to_string(),
            device_id: device.to_string(),
        });
        info!("device response queued for the user");
        Ok(())
    }

    fn forward_alert(
        &self,
        device: Eui64,
        recipient: Eui64,
        counter: u64,
        message_code: u16,
        gbcs: Vec<u8>,
    ) -> Result<(), Status> {
        let shared = &self.0;
        let response_id = format!("{device}:{recipient}:{counter}");
        let xml = sign_response(
            shared,
            None,
            ResponseCode::Success,
            Some(response_id),
            ResponseBody::DeviceAlert {
                alert_code: format!("{message_code:04X}"),
                payload: gbcs,
            },
        )
        .map_err(|error| Status::internal(format!("could not sign the alert: {error}")))?;
        let Some(url) = shared.response_url_for(recipient) else {
            warn!(user = %recipient, "alert recipient has no receive response url; alert dropped");
            return Ok(());
        };
        shared.outbox.send(Delivery {
            url,
            xml,
            request_id: String::new(),
            device_id: device.to_string(),
        });
        Ok(())
    }
}

#[tonic::async_trait]
impl RegistrationDataIntake for Intake {
    async fn submit_registration_data(
        &self,
        request: Request<RegistrationSnapshot>,
    ) -> Result<Response<RegistrationAccepted>, Status> {
        let snapshot = request.into_inner();
        let mut meter_points = HashMap::new();
        for point in &snapshot.meter_points {
            let device = dcc_proto::convert::eui64("device_id", &point.device_id)?;
            let registration = Registration {
                meter_point_reference: point.meter_point_reference.clone(),
                supplier: dcc_proto::convert::eui64(
                    "registered_supplier_id",
                    &point.registered_supplier_id,
                )?,
                network_operator: dcc_proto::convert::eui64(
                    "registered_network_operator_id",
                    &point.registered_network_operator_id,
                )?,
            };
            meter_points.insert(device, registration);
        }
        let count = meter_points.len();
        let provider = snapshot.registration_data_provider;
        let first = {
            let mut state = self.0.state();
            let first = !state.inventory.has_registrations_from(&provider);
            state
                .inventory
                .replace_registrations(&provider, meter_points);
            first
        };
        self.0.readiness.registrations_received(&provider);
        if first {
            info!(rdp = %provider, meter_points = count, "registration data received");
        }
        Ok(Response::new(RegistrationAccepted {
            meter_points: count as u32,
        }))
    }
}
