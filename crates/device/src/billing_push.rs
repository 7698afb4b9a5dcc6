//! The billing data log a meter pushes at each billing date: Billing Data Log Updated (0x8F0A,
//! a mandated critical alert with sensitive content), ECS68 from an ESME at each occurrence of
//! its billing calendar (6.8, ECS30), GCS53 from a GSME at the end of each billing period
//! (6.8, GCS25). A device pushes the dates that come while it is observed: from the first
//! time its host tells it (no backlog from before), each date its clock passes after, as long
//! as its host tells it the time at least every 40 days (a jump further is no time passed
//! watched: the ecosystem's devices are told it at every command, and by their party's alarm
//! at each billing date).

use dcc_model::DeviceType;
use gbcs::alert::AlertCode;

use crate::date_time::DeviceDateTime;
use crate::engine::Device;

/// Billing Data Log Updated.
const BILLING_DATA_LOG_UPDATED: AlertCode = AlertCode(0x8F0A);

/// At most this many billing dates are pushed when the clock jumps past several at once.
pub const MOST_PUSHED_AT_ONCE: usize = 12;

/// The longest time between two looks at the clock over which the device still pushes the
/// billing dates it passed: 40 days, more than any billing period a month long.
const LONGEST_WATCH_GAP: u32 = 40 * 86_400;

/// At most this many billing period ends are counted in one jump of the clock.
const MOST_LOOKED_AT: usize = 10_000;

impl Device {
    /// The billing dates (UTC seconds since 2000, the device's clock) in `(after, until]`,
    /// oldest first; none for a device that pushes no billing data log.
    fn billing_dates(&self, after: u32, until: u32) -> Vec<u32> {
        if until <= after {
            return Vec::new();
        }
        match self.device_type() {
            DeviceType::ElectricitySmartMeter => crate::profiles::BillingCalendar::of(self)
                .map(|calendar| {
                    let capacity = u32::try_from(MOST_PUSHED_AT_ONCE).unwrap_or(u32::MAX);
                    calendar.occurrences(after.saturating_add(1), until, capacity)
                })
                .unwrap_or_default(),
            DeviceType::GasSmartMeter => {
                let mut dates = Vec::new();
                let mut last = after;
                for _ in 0..MOST_LOOKED_AT {
                    match crate::clusters::next_billing_period_end(self, last) {
                        Some(end) if end <= until => {
                            dates.push(end);
                            last = end;
                        }
                        _ => break,
                    }
                }
                // The latest only, as the ESME's calendar gives them.
                let skipped = dates.len().saturating_sub(MOST_PUSHED_AT_ONCE);
                dates.split_off(skipped)
            }
            _ => Vec::new(),
        }
    }

    /// The first billing date after `after` (the device's clock); `None` for a device that
    /// pushes no billing data log (or an ESME whose calendar has none within a year).
    fn next_billing_date(&self, after: u32) -> Option<u32> {
        match self.device_type() {
            DeviceType::ElectricitySmartMeter => {
                crate::profiles::BillingCalendar::of(self)?.next_after(after)
            }
            DeviceType::GasSmartMeter => crate::clusters::next_billing_period_end(self, after),
            _ => None,
        }
    }

    /// Pushes the billing data log for each billing date the device's clock passed since it
    /// last looked, up to `now` (the device's clock); the first look only starts observing.
    /// Until the next billing date (worked out once, again after a command that sets the
    /// dates) a look costs a comparison.
    pub(crate) fn push_billing_data_logs(&mut self, now: u32) {
        let Some(after) = self.billing_observed_until else {
            self.billing_observed_until = Some(now);
            self.next_billing_date = None;
            return;
        };
        if now <= after {
            return;
        }
        if let Some(next) = self.next_billing_date {
            if next.is_none_or(|next| now < next) {
                self.billing_observed_until = Some(now);
                return;
            }
        }
        self.next_billing_date = None;
        if now - after > LONGEST_WATCH_GAP {
            // The time jumped (a key folder's device told RTDS's 2015 and then 2030, a
            // virtual clock moved by months): nothing was watched in between.
            self.billing_observed_until = Some(now);
            return;
        }
        let dates = self.billing_dates(after, now);
        let skipped = dates.len().saturating_sub(MOST_PUSHED_AT_ONCE);
        for date in dates.into_iter().skip(skipped) {
            // A device that cannot raise it (no key for its supplier) has nothing to push.
            let _ = self.raise(
                BILLING_DATA_LOG_UPDATED,
                DeviceDateTime::from_seconds_since_2000(date),
            );
        }
        self.billing_observed_until = Some(now);
    }

    /// When the next billing data log push falls due (the device's clock); `None` before the
    /// device observes time, or for one that pushes none.
    pub(crate) fn next_billing_push(&mut self) -> Option<u32> {
        let after = self.billing_observed_until?;
        if let Some(known) = self.next_billing_date {
            return known;
        }
        let next = self.next_billing_date(after);
        self.next_billing_date = Some(next);
        next
    }

    /// Works the next billing date out again (the billing calendar or period changed).
    pub(crate) fn forget_next_billing_date(&mut self) {
        self.next_billing_date = None;
    }
}

/// Whether a command of `message_code` sets a meter's billing dates: ECS30 and ECS30a (the
/// ESME's billing calendar), GCS25 and GCS25a (the GSME's billing period).
pub(crate) fn sets_billing_dates(message_code: gbcs::MessageCode) -> bool {
    matches!(message_code.0, 0x0046 | 0x00D7 | 0x007E | 0x00D8)
}
