//! Consumption: a meter's deterministic, seeded import load. The energy of each half hour
//! comes from the seed and the half hour's number, shaped by the time of day (a low night, a
//! morning and a larger evening peak), so a device told the same date-times gives the same
//! readings in every run. The import register, the half-hourly profile data and the daily
//! read log are all computed from it, so they agree with each other.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Seconds in a half hour, the profile data's capture period.
pub const HALF_HOUR: u32 = 1_800;

/// A meter's import load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadProfile {
    /// Chooses the half hours' random variation.
    pub seed: u64,
    /// The average power over a day (W); each half hour varies around its share.
    pub average_watts: u32,
}

/// Per half hour of the day (0 = 00:00–00:30), its load as a percentage of the day's average:
/// night 40 %, morning peak 07:00–09:00, daytime, evening peak 17:00–21:00. Averages 100 %.
fn time_of_day_percent(half_hour_of_day: u32) -> u64 {
    match half_hour_of_day {
        0..=13 => 40,   // 00:00–07:00
        14..=17 => 160, // 07:00–09:00
        18..=33 => 100, // 09:00–17:00
        34..=41 => 220, // 17:00–21:00
        _ => 80,        // 21:00–24:00
    }
}

impl LoadProfile {
    /// The energy (Wh) imported in the half hour starting at `start` (UTC seconds since 2000,
    /// rounded down to a half hour).
    pub fn half_hour_wh(&self, start: u32) -> u32 {
        let number = start / HALF_HOUR;
        let shape = time_of_day_percent(number % 48);
        // 50 %–150 % of the shaped share, from the seed and the half hour's number.
        let mut hash = Sha256::new();
        hash.update(b"dccsim load profile");
        hash.update(self.seed.to_be_bytes());
        hash.update(number.to_be_bytes());
        let digest = hash.finalize();
        let variation = 50 + u64::from(u16::from_be_bytes([digest[0], digest[1]])) % 101;
        // average W × ½ h × shape % × variation %.
        let wh = u64::from(self.average_watts) * shape * variation / (2 * 100 * 100);
        u32::try_from(wh).unwrap_or(u32::MAX)
    }

    /// The energy (Wh) imported from `from` to `to` (UTC seconds since 2000): whole half hours
    /// in full, a part of one in proportion to the time elapsed in it (rounded down).
    pub fn energy_wh(&self, from: u32, to: u32) -> u64 {
        let mut total = 0u64;
        let mut start = from - from % HALF_HOUR;
        while start < to {
            let end = start.saturating_add(HALF_HOUR);
            let covered = u64::from(end.min(to) - start.max(from));
            total += u64::from(self.half_hour_wh(start)) * covered / u64::from(HALF_HOUR);
            start = end;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: LoadProfile = LoadProfile {
        seed: 7,
        average_watts: 500,
    };
    /// 2024-05-01T00:00:00Z.
    const DAY_START: u32 = 767_836_800;

    #[test]
    fn the_same_seed_gives_the_same_load_and_another_seed_another() {
        let day: Vec<u32> = (0..48)
            .map(|index| PROFILE.half_hour_wh(DAY_START + index * HALF_HOUR))
            .collect();
        let again: Vec<u32> = (0..48)
            .map(|index| PROFILE.half_hour_wh(DAY_START + index * HALF_HOUR))
            .collect();
        let other_seed = LoadProfile { seed: 8, ..PROFILE };
        let other: Vec<u32> = (0..48)
            .map(|index| other_seed.half_hour_wh(DAY_START + index * HALF_HOUR))
            .collect();
        assert_eq!(day, again);
        assert_ne!(day, other);
    }

    #[test]
    fn the_evening_peak_is_above_the_night() {
        let mean = |from: u32, to: u32| {
            let values: Vec<u64> = (from..to)
                .map(|index| u64::from(PROFILE.half_hour_wh(DAY_START + index * HALF_HOUR)))
                .collect();
            values.iter().sum::<u64>() / values.len() as u64
        };
        assert!(mean(34, 42) > 2 * mean(0, 14));
    }

    #[test]
    fn a_day_of_energy_is_the_sum_of_its_half_hours_and_parts_add_up() {
        let sum: u64 = (0..48)
            .map(|index| u64::from(PROFILE.half_hour_wh(DAY_START + index * HALF_HOUR)))
            .sum();
        assert_eq!(PROFILE.energy_wh(DAY_START, DAY_START + 86_400), sum);
        // 500 W for a day is 12 kWh; the variation keeps a day within half to one and a half.
        assert!((6_000..=18_000).contains(&sum), "{sum}");
        let first_quarter = PROFILE.half_hour_wh(DAY_START) / 4;
        assert_eq!(
            PROFILE.energy_wh(DAY_START, DAY_START + HALF_HOUR / 4),
            u64::from(first_quarter)
        );
        assert_eq!(PROFILE.energy_wh(DAY_START + 100, DAY_START + 100), 0);
    }
}
