//! Entries of a COSEM Schedule (interface class 10) as GBCS writes them: the ESME's maximum
//! demand time period (ECS37) and its auxiliary controller calendars (ECS46c, ECS46d).

use gbcs::dlms::Data;

use super::values::bit_string;

/// Validity window of an entry: unlimited.
const ALWAYS_VALID: u16 = 0xFFFF;

/// One schedule entry: at `switch_time` on the days it applies, run script `selector` of the
/// script table `script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleEntry {
    pub index: u16,
    pub script: [u8; 6],
    pub selector: u16,
    /// COSEM time of day.
    pub switch_time: [u8; 4],
    /// Monday to Sunday.
    pub weekdays: Vec<bool>,
    /// One flag per special day definition, in identifier order.
    pub special_days: Vec<bool>,
    /// COSEM dates.
    pub begin_date: [u8; 5],
    pub end_date: [u8; 5],
}

impl ScheduleEntry {
    /// The entry's A-XDR structure: index, enabled, script, selector, switch time, validity
    /// window, weekdays, special days, begin and end dates.
    pub fn to_data(&self) -> Data {
        Data::Structure(vec![
            Data::LongUnsigned(self.index),
            Data::Boolean(0xFF),
            Data::OctetString(self.script.to_vec()),
            Data::LongUnsigned(self.selector),
            Data::OctetString(self.switch_time.to_vec()),
            Data::LongUnsigned(ALWAYS_VALID),
            bit_string(&self.weekdays),
            bit_string(&self.special_days),
            Data::OctetString(self.begin_date.to_vec()),
            Data::OctetString(self.end_date.to_vec()),
        ])
    }
}
