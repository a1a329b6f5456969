//! One clock for every process of a run.
//!
//! A latency is an arrival instant, read by a client in one of the client
//! processes, minus an acknowledgement instant, read by the driver in the
//! parent process. Both must therefore come from the same clock: Linux's
//! `CLOCK_MONOTONIC`, which is system-wide (std's `Instant` reads it too,
//! but an `Instant` cannot be handed to another process). The parent fixes
//! an [`Origin`] per measured server and passes it to its children as a
//! number of microseconds; every instant of the run is then a count of
//! microseconds since that origin, comparable across processes.

use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};

/// Microseconds on `CLOCK_MONOTONIC` (since an unspecified, system-wide start).
pub fn now_us() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs * 1_000_000 + nanos / 1_000
}

/// The instant from which a measurement counts, shared by all its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin(u64);

impl Origin {
    pub fn now() -> Origin {
        Origin(now_us())
    }

    /// The origin another process fixed (see [`Origin::as_us`]).
    pub fn from_us(us: u64) -> Origin {
        Origin(us)
    }

    /// The value to hand to another process.
    pub fn as_us(self) -> u64 {
        self.0
    }

    /// Time since the origin (zero if the origin is in the future).
    pub fn elapsed(self) -> Duration {
        Duration::from_micros(now_us().saturating_sub(self.0))
    }

    /// Microseconds since the origin, as the clients record them (saturates
    /// after 71 minutes, far beyond a run).
    pub fn elapsed_us32(self) -> u32 {
        u32::try_from(now_us().saturating_sub(self.0)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_monotonic_clock() {
        // std's Instant reads CLOCK_MONOTONIC as well: intervals agree.
        let origin = Origin::now();
        let start = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let ours = origin.elapsed();
        let std_ = start.elapsed();
        let diff = ours.abs_diff(std_);
        assert!(ours >= Duration::from_millis(20), "{ours:?}");
        assert!(diff < Duration::from_millis(5), "{ours:?} vs {std_:?}");
        assert_eq!(Origin::from_us(origin.as_us()), origin);
    }
}
