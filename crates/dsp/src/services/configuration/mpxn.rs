//! Meter point numbers: 6.20.1 Set Device Configuration (Import MPxN) — the import MPAN(s) of
//! an ESME (ECS39a) or the MPRN of a GSME (GCS41) — and 6.20.2 Set Device Configuration (Export
//! MPAN) (ECS39b, which the ACB sends for the export supplier). Both are held by the DSP when
//! future dated.

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;

use super::device_reads::{EXPORT_MPAN, IMPORT_MPAN};
use super::values::{self, choice, held_by_dsp, only_children};
use super::zigbee::{cluster, cluster_command, issuer_event_id, ZclFields, PUBLISHED};
use super::{dlms_command, dlms_command_for, gbz_command_for};
use crate::rejection::Rejection;
use crate::services::dlms_command::VALUE;
use crate::services::{use_case_for, CommandContext, DeviceCommand, ServiceRequest};

/// Device Management cluster: Update Site Id, effective at once, no provider.
const UPDATE_SITE_ID: u8 = 0x03;
const AT_ONCE: u32 = 0;
const NO_PROVIDER: u32 = 0;
/// An MPAN has 13 characters; an MPRN 1 to 10.
const MPAN_LENGTH: usize = 13;
const MPRN_MAXIMUM_LENGTH: usize = 10;

fn mpan(element: &BodyElement) -> Result<String, Rejection> {
    if element.text.chars().count() != MPAN_LENGTH {
        return Err(values::malformed(format!(
            "{} {:?} is not a 13-character MPAN",
            element.name, element.text
        )));
    }
    Ok(element.text.clone())
}

/// The meter point numbers of 6.20.1.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ImportMpxn {
    /// An ESME's MPAN, and the secondary MPAN of a twin element ESME.
    Mpans {
        primary: String,
        secondary: Option<String>,
    },
    Mprn(String),
}

/// 6.20.1 Set Device Configuration (Import MPxN).
pub struct SetImportMpxn {
    mpxn: ImportMpxn,
}

impl ServiceRequest for SetImportMpxn {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime", "ImportMPANs", "ImportMPRN"])?;
        held_by_dsp(body)?;
        let chosen = choice(body, &["ImportMPANs", "ImportMPRN"])?;
        let mpxn = if chosen.name == "ImportMPANs" {
            only_children(chosen, &["ImportMPAN", "SecondaryImportMPAN"])?;
            ImportMpxn::Mpans {
                primary: mpan(values::element(chosen, "ImportMPAN")?)?,
                secondary: chosen.child("SecondaryImportMPAN").map(mpan).transpose()?,
            }
        } else {
            let length = chosen.text.chars().count();
            if !(1..=MPRN_MAXIMUM_LENGTH).contains(&length) {
                return Err(values::malformed(format!(
                    "ImportMPRN {:?} is not 1 to 10 characters",
                    chosen.text
                )));
            }
            ImportMpxn::Mprn(chosen.text.clone())
        };
        Ok(Self { mpxn })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        match (&self.mpxn, context.device_type) {
            (ImportMpxn::Mpans { primary, secondary }, DeviceType::ElectricitySmartMeter) => {
                let mut mpans = primary.clone().into_bytes();
                mpans.extend(secondary.iter().flat_map(|mpan| mpan.bytes()));
                Ok(dlms_command_for(
                    use_case,
                    context,
                    [IMPORT_MPAN.set(VALUE, Data::OctetString(mpans))],
                ))
            }
            (ImportMpxn::Mprn(mprn), DeviceType::GasSmartMeter) => {
                let site = ZclFields::new()
                    .u32(issuer_event_id(context)?)
                    .u32(AT_ONCE)
                    .u32(NO_PROVIDER)
                    .string(mprn.as_bytes());
                Ok(gbz_command_for(
                    use_case,
                    context,
                    vec![cluster_command(
                        cluster::DEVICE_MANAGEMENT,
                        PUBLISHED,
                        UPDATE_SITE_ID,
                        site,
                    )],
                ))
            }
            (mpxn, device_type) => Err(Rejection::ServiceNotValidForDeviceType(format!(
                "{} cannot go to a {device_type}",
                match mpxn {
                    ImportMpxn::Mpans { .. } => "ImportMPANs",
                    ImportMpxn::Mprn(_) => "ImportMPRN",
                }
            ))),
        }
    }
}

/// 6.20.2 Set Device Configuration (Export MPAN).
pub struct SetExportMpan {
    mpan: String,
}

impl ServiceRequest for SetExportMpan {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime", "ExportMPAN"])?;
        held_by_dsp(body)?;
        Ok(Self {
            mpan: mpan(values::element(body, "ExportMPAN")?)?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        dlms_command(
            service,
            context,
            [EXPORT_MPAN.set(VALUE, Data::OctetString(self.mpan.clone().into_bytes()))],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpans_have_thirteen_characters_and_mprns_at_most_ten() {
        let short = BodyElement::with_children(
            "SetDeviceConfigurationImportMPxN",
            vec![BodyElement::with_children(
                "ImportMPANs",
                vec![BodyElement::leaf("ImportMPAN", "131234567833")],
            )],
        );
        assert!(
            matches!(SetImportMpxn::parse(&short), Err(Rejection::Malformed(m)) if m.contains("ImportMPAN"))
        );
        let long = BodyElement::with_children(
            "SetDeviceConfigurationImportMPxN",
            vec![BodyElement::leaf("ImportMPRN", "12345678901")],
        );
        assert!(
            matches!(SetImportMpxn::parse(&long), Err(Rejection::Malformed(m)) if m.contains("ImportMPRN"))
        );
        let export = BodyElement::with_children(
            "SetDeviceConfigurationExportMPAN",
            vec![BodyElement::leaf("ExportMPAN", "1")],
        );
        assert!(
            matches!(SetExportMpan::parse(&export), Err(Rejection::Malformed(m)) if m.contains("ExportMPAN"))
        );
    }
}
