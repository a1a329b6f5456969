//! Login throttling: per account, a hard cap on failures per hour; per
//! address, a growing delay after repeated failures.
//!
//! The cap stops online guessing of one account's password (at most 100
//! tries an hour, whoever makes them); the delay slows one address trying
//! many accounts without locking out a whole town hall behind one NAT.
//! Time comes from `tokio::time`, so tests can pause and advance it.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;

pub const MAX_FAILURES_PER_HOUR: usize = 100;
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Failures from one address before answers slow down.
pub const FREE_FAILURES_PER_ADDRESS: usize = 5;
pub const MAX_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Throttle {
    accounts: DashMap<String, VecDeque<Instant>>,
    addresses: DashMap<IpAddr, VecDeque<Instant>>,
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        q.pop_front();
    }
}

impl Throttle {
    /// True when the account has used up its failures for the hour.
    pub fn account_locked(&self, account: &str) -> bool {
        let now = Instant::now();
        self.accounts.get_mut(account).is_some_and(|mut q| {
            prune(&mut q, now);
            q.len() >= MAX_FAILURES_PER_HOUR
        })
    }

    /// How long to wait before answering this address.
    pub fn delay_for(&self, addr: Option<IpAddr>) -> Duration {
        let Some(addr) = addr else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let n = self.addresses.get_mut(&addr).map_or(0, |mut q| {
            prune(&mut q, now);
            q.len()
        });
        if n < FREE_FAILURES_PER_ADDRESS {
            return Duration::ZERO;
        }
        let exp = u32::try_from(n - FREE_FAILURES_PER_ADDRESS)
            .unwrap_or(u32::MAX)
            .min(5);
        (Duration::from_millis(200) * 2u32.pow(exp)).min(MAX_DELAY)
    }

    pub fn record_failure(&self, account: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut q = self.accounts.entry(account.to_string()).or_default();
        prune(&mut q, now);
        q.push_back(now);
        drop(q);
        if let Some(addr) = addr {
            let mut q = self.addresses.entry(addr).or_default();
            prune(&mut q, now);
            q.push_back(now);
        }
    }

    /// A success clears the address's slowdown (not the account's count:
    /// a guesser who also knows one password must not reset the cap).
    pub fn record_success(&self, addr: Option<IpAddr>) {
        if let Some(addr) = addr {
            self.addresses.remove(&addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_101st_failure_in_an_hour_is_refused() {
        let t = Throttle::default();
        for _ in 0..MAX_FAILURES_PER_HOUR {
            assert!(!t.account_locked("alice"));
            t.record_failure("alice", None);
            tokio::time::advance(Duration::from_secs(30)).await;
        }
        // 100 failures within 50 minutes: the next attempt is refused.
        assert!(t.account_locked("alice"));
        assert!(!t.account_locked("bob"));
        // An hour after the first failures, attempts are allowed again.
        tokio::time::advance(Duration::from_secs(15 * 60)).await;
        assert!(!t.account_locked("alice"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_address_slows_down() {
        let t = Throttle::default();
        let a: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..FREE_FAILURES_PER_ADDRESS {
            assert_eq!(t.delay_for(Some(a)), Duration::ZERO);
            t.record_failure("x", Some(a));
        }
        assert_eq!(t.delay_for(Some(a)), Duration::from_millis(200));
        t.record_failure("y", Some(a));
        assert_eq!(t.delay_for(Some(a)), Duration::from_millis(400));
        for _ in 0..20 {
            t.record_failure("z", Some(a));
        }
        assert_eq!(t.delay_for(Some(a)), MAX_DELAY);
        t.record_success(Some(a));
        assert_eq!(t.delay_for(Some(a)), Duration::ZERO);
    }
}
