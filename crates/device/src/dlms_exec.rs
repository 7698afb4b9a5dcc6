//! The generic DLMS handler: executes an access-request's GET, SET and ACTION requests in
//! order on the object store, with the behaviour of the COSEM interface class a method belongs
//! to, and answers with one datum and one result per request. A request that fails ends the
//! command: the ones after it are not executed (result `other-reason`), as ESMEs answer.

use gbcs::dlms::{Data, DlmsApdu, RequestSpecification, ResponseResult};

use crate::engine::{Command, Device};
use crate::error::DeviceError;
use crate::fault::{FaultTarget, RequestKind};
use crate::store::CosemAttribute;

/// DLMS data-access and action results.
pub mod result {
    pub const SUCCESS: u8 = 0;
    pub const READ_WRITE_DENIED: u8 = 3;
    pub const OBJECT_UNDEFINED: u8 = 4;
    pub const OBJECT_UNAVAILABLE: u8 = 11;
    pub const TYPE_UNMATCHED: u8 = 12;
    pub const OTHER_REASON: u8 = 250;
}

/// The outcome of one request: its datum, or the result code it failed with.
pub(crate) type RequestOutcome = Result<Data, u8>;

/// Runs every request of a DLMS access-request command; returns the access-response.
pub(crate) fn execute(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let apdu = DlmsApdu::parse(command.payload())
        .map_err(|error| DeviceError::Malformed(format!("DLMS payload: {error}")))?;
    let DlmsApdu::AccessRequest {
        long_invoke_id,
        specifications,
        data,
        ..
    } = apdu
    else {
        return Err(DeviceError::Malformed(
            "a command's DLMS payload must be an access-request".to_owned(),
        ));
    };
    if data.len() != specifications.len() {
        return Err(DeviceError::Malformed(format!(
            "DLMS access-request: {} requests but {} data",
            specifications.len(),
            data.len()
        )));
    }
    let mut answers = Vec::with_capacity(data.len());
    let mut results = Vec::with_capacity(data.len());
    let mut failed = false;
    for (specification, datum) in specifications.iter().zip(&data) {
        let outcome = match failed {
            true => Err(result::OTHER_REASON),
            false => request(device, command, specification, datum),
        };
        let (answer, code) = match outcome {
            Ok(answer) => (answer, result::SUCCESS),
            Err(code) => {
                failed = true;
                (Data::Null, code)
            }
        };
        answers.push(answer);
        results.push(ResponseResult {
            kind: result_kind(specification),
            result: code,
        });
    }
    if !failed {
        crate::tariff_activation::after_request(device, command, &specifications, &data);
    }
    Ok(DlmsApdu::AccessResponse {
        long_invoke_id,
        date_time: Vec::new(),
        specifications: None,
        data: answers,
        results,
    }
    .encode())
}

/// The request kind a result is reported under (a get with selection is a get).
fn result_kind(specification: &RequestSpecification) -> u8 {
    match specification {
        RequestSpecification::Get(_) | RequestSpecification::GetWithSelection { .. } => 1,
        RequestSpecification::Set(_) => 2,
        RequestSpecification::Action(_) => 3,
    }
}

fn request(
    device: &mut Device,
    command: &Command<'_>,
    specification: &RequestSpecification,
    datum: &Data,
) -> RequestOutcome {
    let reference = specification.reference();
    let kind = match specification {
        RequestSpecification::Get(_) | RequestSpecification::GetWithSelection { .. } => {
            RequestKind::Get
        }
        RequestSpecification::Set(_) => RequestKind::Set,
        RequestSpecification::Action(_) => RequestKind::Action,
    };
    let target = FaultTarget::Cosem {
        kind,
        class_id: reference.class_id,
        obis: reference.obis,
        index: reference.index,
    };
    if let Some(result) = device.state.fault_result(&target) {
        return Err(result);
    }
    let attribute = CosemAttribute::from(reference);
    // The device's time as it is now: a clock adjustment earlier in the command moves it.
    let now = device.local_time(command.host_now);
    match specification {
        RequestSpecification::Get(_) => device.read_attribute(attribute, now),
        RequestSpecification::GetWithSelection {
            selector,
            parameters,
            ..
        } => device.read_selected(attribute, *selector, parameters, now),
        RequestSpecification::Set(_) => device.write_attribute(attribute, datum, now),
        RequestSpecification::Action(_) => {
            crate::behaviour::invoke(device, command, attribute, datum)
        }
    }
}

impl Device {
    /// The value of a COSEM attribute: from the typed state where the state owns it, else from
    /// the object store.
    pub(crate) fn read_attribute(
        &self,
        attribute: CosemAttribute,
        now: crate::DeviceDateTime,
    ) -> RequestOutcome {
        if let Some(value) = crate::bindings::read(self, attribute, now) {
            return Ok(value);
        }
        if attribute.class_id == crate::profiles::PROFILE_GENERIC
            && attribute.attribute == crate::profiles::BUFFER
        {
            if let Some(buffer) = crate::profiles::whole_buffer(self, attribute.obis, now) {
                return Ok(buffer);
            }
        }
        self.store
            .cosem(attribute)
            .cloned()
            .ok_or(result::OBJECT_UNDEFINED)
    }

    /// A read with selective access (profile buffers by range or entry).
    pub(crate) fn read_selected(
        &self,
        attribute: CosemAttribute,
        selector: u8,
        parameters: &Data,
        now: crate::DeviceDateTime,
    ) -> RequestOutcome {
        crate::profiles::read(self, attribute, selector, parameters, now)
    }

    /// Writes a COSEM attribute: into the typed state where the state owns it, else into the
    /// object store, which keeps the type an attribute has.
    pub(crate) fn write_attribute(
        &mut self,
        attribute: CosemAttribute,
        value: &Data,
        now: crate::DeviceDateTime,
    ) -> RequestOutcome {
        if let Some(outcome) = crate::bindings::write(self, attribute, value, now) {
            return outcome.map(|()| Data::Null);
        }
        if let Some(existing) = self.store.cosem(attribute) {
            if !same_shape(existing, value) && !takes_either_type(attribute) {
                return Err(result::TYPE_UNMATCHED);
            }
        }
        self.store.set_cosem(attribute, value.clone());
        Ok(Data::Null)
    }
}

/// Whether an attribute GBCS writes with two types takes either, whatever it holds: the value
/// of an auxiliary load control switch's (or controller's) data objects 0-0:94.44.(117–121).1
/// and .2 is the activation and deactivation duration in ECS47 (long-unsigned minutes) and the
/// start and end of the commanded state in ECS47a (date-time octet strings), and the reference
/// ESME takes both, in either order.
fn takes_either_type(attribute: CosemAttribute) -> bool {
    let [a, b, c, d, e, f] = attribute.obis;
    attribute.class_id == 1
        && attribute.attribute == 2
        && [a, b, c, d] == [0, 0, 94, 44]
        && (117..=121).contains(&e)
        && (1..=2).contains(&f)
}

/// Whether two data have the same A-XDR type (arrays: any element count).
pub(crate) fn same_shape(existing: &Data, new: &Data) -> bool {
    match (existing, new) {
        (Data::Array(_), Data::Array(_)) => true,
        (Data::Structure(old), Data::Structure(new)) => {
            old.len() == new.len() && old.iter().zip(new).all(|(old, new)| same_shape(old, new))
        }
        // An attribute left null until first written takes any type.
        (Data::Null, _) => true,
        (old, new) => old.tag() == new.tag(),
    }
}
