//! The Communications Hub's sub-GHz radio (6.28–6.32, DBCH01–05, which the ACB sends): set and
//! read its configuration, request a channel scan, read its operating channel and its channel
//! log.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use time::OffsetDateTime;

use super::dlms_command;
use super::event_logs::{log_range, read_log_period};
use super::values::{self, decimal, element, integer, only_children};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, Request, RANGE_DESCRIPTOR, VALUE};
use crate::services::{CommandContext, DeviceCommand, ServiceRequest};

/// Sub GHz Configuration Settings, CHF Sub GHz Channel Scan, Operating Sub GHz Channel and the
/// sub-GHz channel log (Profile Generic, attribute 2 its buffer).
const CONFIGURATION: CosemObject = CosemObject::new(class::DATA, [0, 0, 94, 44, 10, 0]);
const CHANNEL_SCAN: CosemObject = CosemObject::new(class::DATA, [0, 0, 94, 44, 10, 1]);
const OPERATING_CHANNEL: CosemObject = CosemObject::new(class::DATA, [0, 0, 94, 44, 10, 2]);
const CHANNEL_LOG: CosemObject = CosemObject::new(class::PROFILE_GENERIC, [0, 0, 94, 44, 10, 3]);
const BUFFER: u8 = 2;
/// The value that asks the CHF for a channel scan.
const REQUEST_SCAN: u8 = 0;

/// A channel mask: the IEEE 802.15.4 channel page in the top 5 bits, channel `first + n` at
/// bit n. The lower band's channels 0–61 take pages 28, 29, 30; the upper band's 0–26 page 31.
struct ChannelPage {
    element: &'static str,
    page: u32,
    first: u8,
    last: u8,
}

const CHANNEL_PAGES: [ChannelPage; 4] = [
    ChannelPage {
        element: "LowerBandSubGHzChannels0To26",
        page: 28,
        first: 0,
        last: 26,
    },
    ChannelPage {
        element: "LowerBandSubGHzChannels27To34",
        page: 29,
        first: 27,
        last: 34,
    },
    ChannelPage {
        element: "LowerBandSubGHzChannels35To61",
        page: 30,
        first: 35,
        last: 61,
    },
    ChannelPage {
        element: "UpperBandSubGHzChannels0To26",
        page: 31,
        first: 0,
        last: 26,
    },
];

impl ChannelPage {
    fn mask(&self, body: &BodyElement) -> Result<u32, Rejection> {
        let channels = element(body, self.element)?;
        let mut mask = self.page << 27;
        for channel in &channels.children {
            let number = channel
                .name
                .strip_prefix("Channel")
                .and_then(|number| number.parse::<u8>().ok())
                .filter(|number| (self.first..=self.last).contains(number))
                .ok_or_else(|| {
                    values::malformed(format!("{} takes no {}", self.element, channel.name))
                })?;
            only_children(channel, &[])?;
            mask |= 1 << (number - self.first);
        }
        Ok(mask)
    }
}

/// 6.28 Set CHF Sub GHz Configuration: the settings in the order of the CHF's configuration
/// structure.
pub struct SetSubGhzConfiguration {
    settings: Vec<Data>,
}

impl ServiceRequest for SetSubGhzConfiguration {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let mut allowed: Vec<&str> = CHANNEL_PAGES.iter().map(|page| page.element).collect();
        allowed.extend([
            "NormalLimitedDutyCycleThreshold",
            "LimitedCriticalDutyCycleThreshold",
            "MaximumSubGHzChannelChangesPerWeek",
            "GSMECurfew",
            "ChannelQuieterThreshold",
            "ChannelNoisierThreshold",
            "NonGSMEPoorCommsPercentageThreshold",
            "NonGSMEPoorCommsMeasurementPeriods",
            "LocalCHNoiseMeasurementPeriod",
            "LocalCHFailurePercentage",
            "LocalCHRetryPercentage",
        ]);
        only_children(body, &allowed)?;
        let mut settings = Vec::new();
        for page in &CHANNEL_PAGES {
            let mask = page.mask(body)?;
            settings.push(Data::BitString {
                bits: 32,
                bytes: mask.to_be_bytes().to_vec(),
            });
        }
        // Duty cycle thresholds (%, one decimal) and percentages (two decimals) go as
        // hundredths.
        let duty_cycle = |name: &str, minimum: u64, maximum: u64| -> Result<Data, Rejection> {
            Ok(Data::LongUnsigned(
                (decimal(body, name, 1, minimum, maximum)? * 10) as u16,
            ))
        };
        let percentage = |name: &str| -> Result<Data, Rejection> {
            Ok(Data::LongUnsigned(
                decimal(body, name, 2, 100, 10_000)? as u16
            ))
        };
        settings.extend([
            duty_cycle("NormalLimitedDutyCycleThreshold", 5, 20)?,
            duty_cycle("LimitedCriticalDutyCycleThreshold", 16, 24)?,
            Data::Unsigned(integer(body, "MaximumSubGHzChannelChangesPerWeek", 1, 7)?),
            Data::LongUnsigned(integer(body, "GSMECurfew", 2, u16::MAX)?),
            Data::Unsigned(integer(body, "ChannelQuieterThreshold", 1, u8::MAX)?),
            Data::Unsigned(integer(body, "ChannelNoisierThreshold", 0, 20)?),
            percentage("NonGSMEPoorCommsPercentageThreshold")?,
            Data::Unsigned(integer(
                body,
                "NonGSMEPoorCommsMeasurementPeriods",
                50,
                150,
            )?),
            Data::LongUnsigned(integer(
                body,
                "LocalCHNoiseMeasurementPeriod",
                61,
                u16::MAX,
            )?),
            percentage("LocalCHFailurePercentage")?,
            percentage("LocalCHRetryPercentage")?,
        ]);
        Ok(Self { settings })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        sub_ghz_command(
            service,
            context,
            CONFIGURATION.set(VALUE, Data::Structure(self.settings.clone())),
        )
    }
}

fn sub_ghz_command(
    service: &ServiceDefinition,
    context: &CommandContext,
    request: Request,
) -> Result<DeviceCommand, Rejection> {
    dlms_command(service, context, [request])
}

/// 6.29 Request CHF Sub GHz Channel Scan, 6.30 Read CHF Sub GHz Configuration and 6.31 Read
/// CHF Sub GHz Channel: bodies that carry nothing, each one fixed request.
pub struct SubGhzRequest;

impl ServiceRequest for SubGhzRequest {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &[])?;
        Ok(Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let request = match service.service_reference_variant {
            "6.29" => CHANNEL_SCAN.set(VALUE, Data::Unsigned(REQUEST_SCAN)),
            "6.30" => CONFIGURATION.get(VALUE),
            "6.31" => OPERATING_CHANNEL.get(VALUE),
            other => {
                return Err(Rejection::UnsupportedService(format!(
                    "{other} is not a sub-GHz request"
                )))
            }
        };
        sub_ghz_command(service, context, request)
    }
}

/// 6.32 Read CHF Sub GHz Channel Log: the log entries within the period.
pub struct ReadSubGhzChannelLog {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

impl ServiceRequest for ReadSubGhzChannelLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ReadLogPeriod"])?;
        let (start, end) = read_log_period(body)?;
        Ok(Self { start, end })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let range = log_range(self.start, self.end)?;
        sub_ghz_command(
            service,
            context,
            CHANNEL_LOG.get_with_selection(BUFFER, RANGE_DESCRIPTOR, range),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(channel: &str, duty_cycle: &str) -> BodyElement {
        let mut children: Vec<BodyElement> = CHANNEL_PAGES
            .iter()
            .map(|page| BodyElement::with_children(page.element, vec![]))
            .collect();
        children[0]
            .children
            .push(BodyElement::with_children(channel, vec![]));
        for (name, value) in [
            ("NormalLimitedDutyCycleThreshold", duty_cycle),
            ("LimitedCriticalDutyCycleThreshold", "2.2"),
            ("MaximumSubGHzChannelChangesPerWeek", "5"),
            ("GSMECurfew", "7"),
            ("ChannelQuieterThreshold", "7"),
            ("ChannelNoisierThreshold", "12"),
            ("NonGSMEPoorCommsPercentageThreshold", "60.00"),
            ("NonGSMEPoorCommsMeasurementPeriods", "130"),
            ("LocalCHNoiseMeasurementPeriod", "100"),
            ("LocalCHFailurePercentage", "40.00"),
            ("LocalCHRetryPercentage", "30.00"),
        ] {
            children.push(BodyElement::leaf(name, value));
        }
        BodyElement::with_children("SetCHFSubGHzConfiguration", children)
    }

    #[test]
    fn channels_belong_to_their_page() {
        let parsed = SetSubGhzConfiguration::parse(&configuration("Channel2", "1.3")).unwrap();
        assert_eq!(
            parsed.settings[0],
            Data::BitString {
                bits: 32,
                bytes: vec![0xE0, 0, 0, 0x04]
            }
        );
        assert_eq!(parsed.settings[4], Data::LongUnsigned(130));
        let wrong = SetSubGhzConfiguration::parse(&configuration("Channel27", "1.3"));
        assert!(matches!(wrong, Err(Rejection::Malformed(m)) if m.contains("Channel27")));
        let duty = SetSubGhzConfiguration::parse(&configuration("Channel2", "2.1"));
        assert!(
            matches!(duty, Err(Rejection::Malformed(m)) if m.contains("NormalLimitedDutyCycleThreshold"))
        );
    }
}
