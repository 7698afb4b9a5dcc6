//! The ecosystem's clock: the time every party reads, which scenarios may move. Parties take it
//! as [`EcosystemClock`]; [`VirtualClock`] runs with real time from a starting point and can be
//! set or advanced. Today the DSP reads it (response times, certificate validity, command time
//! stamps); the devices' clocks follow when the device engine takes it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock cannot go back: {0}")]
    Backwards(String),
    #[error("this ecosystem's clock cannot be moved: {0}")]
    Fixed(String),
}

/// The time of the ecosystem, readable by every party and movable by scenarios.
pub trait EcosystemClock: Send + Sync + std::fmt::Debug + 'static {
    /// Now, on the ecosystem's clock.
    fn now(&self) -> OffsetDateTime;
    /// Moves the clock forward by `by`.
    fn advance(&self, by: Duration) -> Result<(), ClockError>;
    /// Sets the clock to `to` (not earlier than now).
    fn set(&self, to: OffsetDateTime) -> Result<(), ClockError>;
}

/// The system clock: cannot be moved.
#[derive(Debug, Default)]
pub struct SystemClock;

impl EcosystemClock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn advance(&self, _by: Duration) -> Result<(), ClockError> {
        Err(ClockError::Fixed("it is the system clock".into()))
    }

    fn set(&self, _to: OffsetDateTime) -> Result<(), ClockError> {
        Err(ClockError::Fixed("it is the system clock".into()))
    }
}

/// Real time plus an offset that only grows.
#[derive(Debug)]
pub struct VirtualClock {
    offset: Mutex<time::Duration>,
}

impl VirtualClock {
    /// Starting now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            offset: Mutex::new(time::Duration::ZERO),
        })
    }

    /// Starting at `start`, running on from there.
    pub fn starting_at(start: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self {
            offset: Mutex::new(start - OffsetDateTime::now_utc()),
        })
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, time::Duration> {
        // A duration: a panicking holder leaves it consistent.
        self.offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl EcosystemClock for VirtualClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset()
    }

    fn advance(&self, by: Duration) -> Result<(), ClockError> {
        let by = time::Duration::try_from(by)
            .map_err(|error| ClockError::Backwards(error.to_string()))?;
        *self.offset() += by;
        Ok(())
    }

    fn set(&self, to: OffsetDateTime) -> Result<(), ClockError> {
        let mut offset = self.offset();
        let now = OffsetDateTime::now_utc() + *offset;
        if to < now {
            return Err(ClockError::Backwards(format!("{to} is before {now}")));
        }
        *offset = to - OffsetDateTime::now_utc();
        Ok(())
    }
}

/// The DSP's view of a clock.
pub fn dsp_clock(clock: Arc<dyn EcosystemClock>) -> dsp::Clock {
    Arc::new(move || clock.now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_clock_advances_and_refuses_to_go_back() {
        let start = time::macros::datetime!(2030-01-01 00:00 UTC);
        let clock = VirtualClock::starting_at(start);
        clock.advance(Duration::from_secs(3_600)).unwrap();
        let now = clock.now();
        assert!(now >= start + time::Duration::HOUR);
        assert!(now < start + time::Duration::HOUR + time::Duration::MINUTE);
        assert!(matches!(clock.set(start), Err(ClockError::Backwards(_))));
        assert!(SystemClock.advance(Duration::from_secs(1)).is_err());
    }
}
