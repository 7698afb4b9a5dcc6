//! What expectations and captures look at: a DUIS exchange and the GBCS inside it as a JSON
//! tree.
//!
//! ```text
//! request_id, command_variant, response_code (the synchronous answer), response_id,
//! body {kind, devices[…], alert_code, …}, pre_command {response_code, length},
//! response {response_code, response_id, body {…}, gbcs {…}, verification}   (asynchronous)
//! gbcs: use_case, message_code, form, cra, counter, originator, recipient, mac, signature,
//!       blocks [plaintext hex], payload (the readable payload tree as text)
//! ```

use duis::{Response, ResponseBody};
use ecosystem::user::{Answer, DeviceAnswer, Exchange, VerifiedGbcs};
use gbcs::decode::Verification;
use serde_json::{json, Map, Value};

/// A request's whole result.
pub fn exchange(exchange: &Exchange) -> Value {
    let mut view = answer(&exchange.answer);
    let object = as_object(&mut view);
    object.insert("request_id".into(), json!(exchange.request_id.to_string()));
    object.insert(
        "command_variant".into(),
        json!(exchange.command_variant.number()),
    );
    object.insert(
        "service".into(),
        json!(exchange.service.service_reference_variant),
    );
    if let Some(pre_command) = &exchange.pre_command {
        let length = match &pre_command.response.body {
            ResponseBody::PreCommand { payload, .. } => payload.len(),
            _ => 0,
        };
        object.insert(
            "pre_command".into(),
            json!({
                "response_code": pre_command.response.response_code.to_string(),
                "length": length,
            }),
        );
    }
    if let Some(device_answer) = &exchange.device_response {
        object.insert("response".into(), device(device_answer));
    }
    view
}

/// An asynchronous response or alert, with what checking its GBCS found.
pub fn device(device_answer: &DeviceAnswer) -> Value {
    let mut view = answer(&device_answer.answer);
    let object = as_object(&mut view);
    match &device_answer.gbcs {
        Some(Ok(verified)) => {
            object.insert("gbcs".into(), gbcs(verified));
            object.insert("verification".into(), json!("verified"));
        }
        Some(Err(problem)) => {
            object.insert("verification".into(), json!(problem));
        }
        None => {}
    }
    view
}

/// A DUIS response as the DSP signed it.
pub fn answer(answer: &Answer) -> Value {
    response(&answer.response)
}

fn response(response: &Response) -> Value {
    let mut view = Map::new();
    view.insert(
        "response_code".into(),
        json!(response.response_code.to_string()),
    );
    if let Some(id) = &response.response_id {
        view.insert("response_id".into(), json!(id));
    }
    if let Some(request_id) = &response.request_id {
        view.insert("request_id".into(), json!(request_id.to_string()));
    }
    view.insert(
        "response_date_time".into(),
        json!(response.response_date_time),
    );
    view.insert("body".into(), body(&response.body));
    Value::Object(view)
}

fn body(body: &ResponseBody) -> Value {
    match body {
        ResponseBody::Empty {
            service_reference_variant,
            ..
        } => {
            json!({"kind": "Empty", "service_reference_variant": service_reference_variant.as_str()})
        }
        ResponseBody::GbcsPayload {
            service_reference_variant,
            payload,
            ..
        } => json!({
            "kind": "GBCSPayload",
            "service_reference_variant": service_reference_variant.as_str(),
            "length": payload.len(),
        }),
        ResponseBody::PreCommand {
            service_reference_variant,
            payload,
            gbcs_version,
            ..
        } => json!({
            "kind": "PreCommand",
            "service_reference_variant": service_reference_variant.as_str(),
            "gbcs_version": gbcs_version,
            "length": payload.len(),
        }),
        ResponseBody::LocalCommand {
            service_reference_variant,
            payload,
            ..
        } => json!({
            "kind": "LocalCommand",
            "service_reference_variant": service_reference_variant.as_str(),
            "length": payload.len(),
        }),
        ResponseBody::DspInventory {
            service_reference_variant,
            devices,
            ..
        } => json!({
            "kind": "DSPInventory",
            "service_reference_variant": service_reference_variant.as_str(),
            "devices": devices.iter().map(|device| {
                let mut entry = json!({
                    "device_id": device.device_id.to_string(),
                    "device_type": device.device_type.as_str(),
                    "device_status": device.device_status.map(|status| status.as_str()),
                    "csp_region": device.csp_region.map(|region| region.as_str()),
                    "manufacturer": device.device_manufacturer,
                    "model": device.device_model,
                });
                if let Some(date) = &device.date_commissioned {
                    as_object(&mut entry).insert("date_commissioned".into(), json!(date));
                }
                entry
            }).collect::<Vec<_>>(),
        }),
        ResponseBody::OtherResponseMessage {
            service_reference_variant,
            content,
            ..
        } => json!({
            "kind": content.name,
            "service_reference_variant": service_reference_variant.as_str(),
            "content": element(content),
        }),
        ResponseBody::DeviceAlert {
            alert_code,
            payload,
        } => json!({"kind": "DeviceAlert", "alert_code": alert_code, "length": payload.len()}),
        ResponseBody::DccAlert {
            dcc_alert_code,
            alert,
        } => {
            json!({"kind": "DCCAlert", "dcc_alert_code": dcc_alert_code, "content": element(alert)})
        }
    }
}

/// A DUIS element: text for leaves, children by name otherwise (repeated names become lists).
fn element(element: &duis::BodyElement) -> Value {
    if element.children.is_empty() {
        return json!(element.text);
    }
    let mut map = Map::new();
    for child in &element.children {
        let value = self::element(child);
        match map.get_mut(&child.name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(child.name.clone(), value);
            }
        }
    }
    Value::Object(map)
}

fn verification(verification: Verification) -> &'static str {
    match verification {
        Verification::Absent => "none",
        Verification::NoKey => "unchecked",
        Verification::Valid => "valid",
        Verification::Invalid => "invalid",
    }
}

/// A verified GBCS message.
pub fn gbcs(verified: &VerifiedGbcs) -> Value {
    let decoded = &verified.decoded;
    let header = &decoded.header;
    json!({
        "use_case": decoded.use_case_id(),
        "message_code": header.message_code().to_string(),
        "form": decoded.form.name(),
        "cra": match header.transaction.cra {
            gbcs::Cra::Command => "command",
            gbcs::Cra::Response => "response",
            gbcs::Cra::Alert => "alert",
        },
        "counter": header.transaction.counter,
        "originator": header.originator.to_string(),
        "recipient": header.recipient.to_string(),
        "mac": verification(decoded.mac),
        "signature": verification(decoded.signature),
        "blocks": verified.plaintexts().iter().map(|plaintext| gbcs::decode::hex_upper(plaintext)).collect::<Vec<_>>(),
        "payload": decoded.payload_tree.render(),
        "length": verified.payload.len(),
    })
}

fn as_object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("made an object just above"),
    }
}
