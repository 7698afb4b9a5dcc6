//! Signed DUIS documents from the DSP: synchronous answers, and asynchronous responses and
//! alerts owed to users, queued in the store's outbox in the same transaction as the change of
//! state that produced them and sent once it commits.

use dcc_model::{Eui64, RequestId, ResponseCode};
use duis::{Response, ResponseBody};
use tracing::warn;

use crate::store::{AuditEvent, Batch, Delivery, StoreError};
use crate::Shared;

/// Renders and signs a DSP response.
pub(crate) fn sign_response(
    shared: &Shared,
    request_id: Option<RequestId>,
    response_code: ResponseCode,
    response_id: Option<String>,
    body: ResponseBody,
) -> Result<String, duis::DuisError> {
    let response = Response {
        schema_version: String::new(),
        request_id,
        response_id,
        response_code,
        response_date_time: shared.now_text(),
        body,
    };
    duis::sign_document(&duis::render_response(&response), &shared.xml_signer)
}

/// Documents queued in a batch, to send once it commits.
#[derive(Debug, Default)]
pub(crate) struct Owed(Vec<(u64, Delivery)>);

/// A signed document for a user.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub recipient: Eui64,
    /// The RequestID it answers, or the alert's subject: what it is audited under.
    pub reference: &'a str,
    pub device: Eui64,
    pub xml: String,
    /// What it is, for the audit log (`device response`, `DCC alert N4 …`).
    pub what: &'a str,
    pub outcome: &'a ResponseCode,
}

impl Owed {
    /// Queues a document in `batch`. A user without a Receive Response URL cannot be
    /// answered: that is logged and audited.
    pub fn queue(
        &mut self,
        shared: &Shared,
        batch: &Batch,
        document: Document<'_>,
    ) -> Result<(), StoreError> {
        let Document {
            recipient,
            reference,
            device,
            xml,
            what,
            outcome,
        } = document;
        let Some(url) = shared.response_url_for(recipient) else {
            warn!(user = %recipient, "user has no receive response url; document dropped");
            batch.audit(
                reference,
                &shared.event(
                    "dsp",
                    format!("{what}: {recipient} has no Receive Response URL, not sent"),
                    Some(outcome.to_string()),
                ),
            )?;
            return Ok(());
        };
        let delivery = Delivery {
            url,
            xml,
            request_id: reference.to_owned(),
            device_id: device.to_string(),
        };
        let sequence = batch.enqueue(&delivery)?;
        batch.audit(
            reference,
            &AuditEvent {
                at: shared.now_text(),
                hop: "dsp".to_owned(),
                what: format!("{what} queued for {recipient}"),
                outcome: Some(outcome.to_string()),
            },
        )?;
        self.0.push((sequence, delivery));
        Ok(())
    }

    /// Hands the queued documents to the outbox (call after the batch committed).
    pub fn send(self, shared: &Shared) {
        for (sequence, delivery) in self.0 {
            shared.outbox.send(sequence, delivery);
        }
    }
}

/// A synchronous answer before signing.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub request_id: Option<RequestId>,
    pub response_code: ResponseCode,
    pub body: ResponseBody,
}

impl Answer {
    /// An answer to `request` with a body.
    pub fn to(request: &duis::Request, response_code: ResponseCode, body: ResponseBody) -> Self {
        Self {
            request_id: Some(request.header.request_id),
            response_code,
            body,
        }
    }

    /// An answer to `request` whose `ResponseMessage` carries only the service reference.
    pub fn bare(request: &duis::Request, response_code: ResponseCode) -> Self {
        Self::to(
            request,
            response_code,
            ResponseBody::Empty {
                service_reference: request.header.service_reference.clone(),
                service_reference_variant: request.header.service_reference_variant.clone(),
            },
        )
    }

    /// An answer whose `ResponseMessage` carries `content` (e.g. `DSPScheduleID`).
    pub fn with_content(
        request: &duis::Request,
        response_code: ResponseCode,
        content: duis::BodyElement,
    ) -> Self {
        Self::to(
            request,
            response_code,
            ResponseBody::OtherResponseMessage {
                service_reference: request.header.service_reference.clone(),
                service_reference_variant: request.header.service_reference_variant.clone(),
                content,
            },
        )
    }
}
