//! Login throttling without lockout (OWASP ASVS 2.2.1).
//!
//! Failures are counted per *pair* (account, source address): a pair's
//! answers slow down after [`ThrottlePolicy::pair_free`] failures and the
//! pair is refused (429) after [`ThrottlePolicy::pair_limit`] failures in
//! the window. Per account, failures from every address together only ever
//! slow the answers down (past [`ThrottlePolicy::account_free`] of them), so
//! whoever guesses at an account from anywhere cannot lock its owner out:
//! the owner, from an address that has not failed, still logs in. Per
//! address, failures on any account slow that address down (one machine
//! trying many accounts), never refuse it (a town hall behind one NAT).
//!
//! The counters live in memory: a login must check them before the
//! expensive argon2 verification and on every attempt, and writing each
//! failure to the database would let anyone make the desk write without
//! limit. What must outlive the process or be seen by every instance is in
//! the database: the throttle *events* (the first failure that refuses a
//! pair, the first that slows an account) in the audit log, and an
//! account's unlock time (`users.throttle_reset_at`, set by `urne user
//! unlock` or the desk), which [`Throttle::sync_reset`] applies when the
//! account next logs in. A restart forgets the counters: at worst a guesser
//! gets a fresh `pair_limit` tries per address. Several instances behind
//! nginx: the logins of one client address all go to one instance
//! (`deploy/nginx/`: `upstream urne_login`, hashed on the address), so that
//! instance sees every failure of a pair; the per-account slowdown is then
//! counted per instance, which only ever delays it.
//!
//! Time comes from `tokio::time`, so tests can pause and advance it; the
//! slowdown is a [`ThrottlePolicy`] that tests set to zero while refusals
//! still happen.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;

/// The throttle's rules: how many failures before slowing, before refusing, and how slow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures are forgotten after this.
    pub window: Duration,
    /// Failures of a pair before its answers slow down.
    pub pair_free: usize,
    /// Failures of a pair in the window after which it is refused.
    pub pair_limit: usize,
    /// Failures of an account (all addresses) before every attempt on it slows down.
    pub account_free: usize,
    /// Failures of an address (all accounts) before its answers slow down.
    pub address_free: usize,
    /// The first delay; it doubles with each further failure. Zero: no slowdown.
    pub delay_unit: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::from_secs(3600),
            pair_free: 3,
            pair_limit: 10,
            account_free: 100,
            address_free: 5,
            delay_unit: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl ThrottlePolicy {
    /// The same rules without any slowdown (tests: refusals still happen).
    pub fn without_delay() -> ThrottlePolicy {
        ThrottlePolicy {
            delay_unit: Duration::ZERO,
            max_delay: Duration::ZERO,
            ..ThrottlePolicy::default()
        }
    }

    fn delay(&self, count: usize, free: usize) -> Duration {
        if count < free {
            return Duration::ZERO;
        }
        let exp = u32::try_from(count - free).unwrap_or(u32::MAX).min(5);
        (self.delay_unit * 2u32.pow(exp)).min(self.max_delay)
    }
}

/// What to do with a login attempt, before checking its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check it after waiting this long.
    Proceed(Duration),
    /// Refuse it without checking; the pair may try again after this long.
    Refuse(Duration),
}

/// Something the audit log must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleEvent {
    /// The pair (account, address) is now refused.
    PairRefused {
        account: String,
        addr: Option<IpAddr>,
        failures: usize,
    },
    /// Every attempt on the account is now slowed down.
    AccountSlowed { account: String, failures: usize },
}

impl ThrottleEvent {
    /// The audit log's action.
    pub fn action(&self) -> &'static str {
        match self {
            ThrottleEvent::PairRefused { .. } => "login.pair_refused",
            ThrottleEvent::AccountSlowed { .. } => "login.account_slowed",
        }
    }

    /// The audit log's `new` value.
    pub fn details(&self) -> serde_json::Value {
        match self {
            ThrottleEvent::PairRefused {
                account,
                addr,
                failures,
            } => serde_json::json!({
                "username": account,
                "address": addr.map(|a| a.to_string()),
                "failures": failures,
            }),
            ThrottleEvent::AccountSlowed { account, failures } => serde_json::json!({
                "username": account,
                "failures": failures,
            }),
        }
    }
}

type Pair = (String, Option<IpAddr>);

/// The counters (see the module's documentation).
#[derive(Debug, Default)]
pub struct Throttle {
    policy: ThrottlePolicy,
    pairs: DashMap<Pair, VecDeque<Instant>>,
    accounts: DashMap<String, VecDeque<Instant>>,
    addresses: DashMap<IpAddr, VecDeque<Instant>>,
    /// Per account, the last `throttle_reset_at` applied.
    resets: DashMap<String, i64>,
    /// Attempts of each pair being checked now: counted with its failures,
    /// so that concurrent attempts cannot get past `pair_limit`.
    in_flight: DashMap<Pair, usize>,
}

/// An attempt let through by [`Throttle::begin`]: say how it ended with
/// [`Attempt::failed`] or [`Attempt::succeeded`]; dropped unsaid (the
/// client went away, an internal error), it counts as neither.
#[derive(Debug)]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    pair: Pair,
}

impl Attempt<'_> {
    /// The password or code was wrong: counts the failure, returns its events.
    pub fn failed(self) -> Vec<ThrottleEvent> {
        self.throttle.record_failure(&self.pair.0, self.pair.1)
    }

    pub fn succeeded(self) {
        self.throttle.record_success(&self.pair.0, self.pair.1);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let now_idle = self
            .throttle
            .in_flight
            .get_mut(&self.pair)
            .is_some_and(|mut n| {
                *n = n.saturating_sub(1);
                *n == 0
            });
        if now_idle {
            self.throttle
                .in_flight
                .remove_if(&self.pair, |_, n| *n == 0);
        }
    }
}

/// Above this many pairs, expired ones are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

impl Throttle {
    pub fn new(policy: ThrottlePolicy) -> Throttle {
        Throttle {
            policy,
            ..Throttle::default()
        }
    }

    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    fn count<K: std::hash::Hash + Eq>(
        &self,
        map: &DashMap<K, VecDeque<Instant>>,
        key: &K,
        now: Instant,
    ) -> usize {
        map.get_mut(key).map_or(0, |mut q| {
            prune(&mut q, now, self.policy.window);
            q.len()
        })
    }

    /// Whether to check an attempt of `account` from `addr`, and after how long.
    pub fn verdict(&self, account: &str, addr: Option<IpAddr>) -> Verdict {
        let now = Instant::now();
        let p = &self.policy;
        let pair = (account.to_string(), addr);
        if let Some(mut q) = self.pairs.get_mut(&pair) {
            prune(&mut q, now, p.window);
            if q.len() >= p.pair_limit {
                // Refused until enough of its failures have aged out.
                let oldest_needed = q.len() - p.pair_limit;
                let wait = q
                    .get(oldest_needed)
                    .map_or(Duration::ZERO, |t| p.window.saturating_sub(now - *t));
                return Verdict::Refuse(wait.max(Duration::from_secs(1)));
            }
        }
        let pair_n = self.count(&self.pairs, &pair, now);
        let account_n = self.count(&self.accounts, &account.to_string(), now);
        let address_n = addr.map_or(0, |a| self.count(&self.addresses, &a, now));
        Verdict::Proceed(
            p.delay(pair_n, p.pair_free)
                .max(p.delay(account_n, p.account_free))
                .max(p.delay(address_n, p.address_free)),
        )
    }

    /// Lets an attempt through (after the returned delay) or refuses it
    /// (`Err`: how long before the pair may try again). The attempt is
    /// counted as in flight until it ends, so a pair cannot get more than
    /// `pair_limit` checks by sending them all at once.
    pub fn begin(
        &self,
        account: &str,
        addr: Option<IpAddr>,
    ) -> Result<(Attempt<'_>, Duration), Duration> {
        let pair = (account.to_string(), addr);
        {
            let mut n = self.in_flight.entry(pair.clone()).or_insert(0);
            let failures = self.count(&self.pairs, &pair, Instant::now());
            if failures < self.policy.pair_limit && failures + *n >= self.policy.pair_limit {
                return Err(Duration::from_secs(1));
            }
            *n += 1;
        }
        let attempt = Attempt {
            throttle: self,
            pair,
        };
        match self.verdict(account, addr) {
            Verdict::Proceed(delay) => Ok((attempt, delay)),
            Verdict::Refuse(wait) => Err(wait),
        }
    }

    /// Counts a failed attempt; returns the events it causes (each at most
    /// once per crossing, so a guesser cannot flood the audit log).
    pub fn record_failure(&self, account: &str, addr: Option<IpAddr>) -> Vec<ThrottleEvent> {
        let now = Instant::now();
        let p = &self.policy;
        let mut events = Vec::new();
        if self.pairs.len() > SWEEP_ABOVE {
            self.pairs.retain(|_, q| {
                prune(q, now, p.window);
                !q.is_empty()
            });
        }
        {
            let mut q = self.pairs.entry((account.to_string(), addr)).or_default();
            prune(&mut q, now, p.window);
            q.push_back(now);
            if q.len() == p.pair_limit {
                events.push(ThrottleEvent::PairRefused {
                    account: account.to_string(),
                    addr,
                    failures: q.len(),
                });
            }
        }
        {
            let mut q = self.accounts.entry(account.to_string()).or_default();
            prune(&mut q, now, p.window);
            q.push_back(now);
            if q.len() == p.account_free {
                events.push(ThrottleEvent::AccountSlowed {
                    account: account.to_string(),
                    failures: q.len(),
                });
            }
            // Only "at least account_free, and by how much" matters.
            while q.len() > p.account_free + 64 {
                q.pop_front();
            }
        }
        if let Some(addr) = addr {
            let mut q = self.addresses.entry(addr).or_default();
            prune(&mut q, now, p.window);
            q.push_back(now);
            while q.len() > p.address_free + 64 {
                q.pop_front();
            }
        }
        events
    }

    /// A success clears its pair and its address's slowdown (not the
    /// account's count: a guesser who also knows one password must not
    /// reset the slowdown of the account they are guessing).
    pub fn record_success(&self, account: &str, addr: Option<IpAddr>) {
        self.pairs.remove(&(account.to_string(), addr));
        if let Some(addr) = addr {
            self.addresses.remove(&addr);
        }
    }

    /// Forgets every failure of `account` (its pairs and its count).
    pub fn unlock(&self, account: &str) {
        self.accounts.remove(account);
        self.pairs.retain(|(a, _), _| a != account);
    }

    /// Applies an unlock recorded in the database (`reset_at`, in
    /// milliseconds) if this instance has not applied it yet.
    pub fn sync_reset(&self, account: &str, reset_at: i64) {
        if reset_at <= 0 {
            return;
        }
        let newer = {
            let mut seen = self.resets.entry(account.to_string()).or_insert(0);
            let newer = reset_at > *seen;
            if newer {
                *seen = reset_at;
            }
            newer
        };
        if newer {
            self.unlock(account);
        }
    }

    /// Whether the pair is refused now (for the desk's display).
    pub fn is_refused(&self, account: &str, addr: Option<IpAddr>) -> bool {
        matches!(self.verdict(account, addr), Verdict::Refuse(_))
    }

    /// The account's failures in the window (all addresses).
    pub fn account_failures(&self, account: &str) -> usize {
        self.count(&self.accounts, &account.to_string(), Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some([192, 0, 2, last].into())
    }

    #[tokio::test(start_paused = true)]
    async fn a_pair_is_refused_and_the_owner_elsewhere_is_not() {
        let t = Throttle::new(ThrottlePolicy::without_delay());
        let limit = t.policy().pair_limit;
        let mut events = Vec::new();
        for _ in 0..limit {
            assert!(matches!(t.verdict("alice", ip(1)), Verdict::Proceed(_)));
            events.extend(t.record_failure("alice", ip(1)));
        }
        assert!(matches!(t.verdict("alice", ip(1)), Verdict::Refuse(_)));
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].action(), "login.pair_refused");
        // The same account from another address, another account from the same one.
        assert_eq!(t.verdict("alice", ip(2)), Verdict::Proceed(Duration::ZERO));
        assert_eq!(t.verdict("bob", ip(1)), Verdict::Proceed(Duration::ZERO));
        // An hour later the pair may try again.
        tokio::time::advance(Duration::from_secs(3601)).await;
        assert!(matches!(t.verdict("alice", ip(1)), Verdict::Proceed(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn an_account_under_attack_slows_but_never_refuses() {
        let t = Throttle::default();
        let mut slowed = 0;
        for i in 0..1_000u32 {
            let addr = Some(IpAddr::from(i.to_be_bytes()));
            for e in t.record_failure("alice", addr) {
                if e.action() == "login.account_slowed" {
                    slowed += 1;
                }
            }
        }
        assert_eq!(slowed, 1);
        let fresh = ip(200);
        assert_eq!(
            t.verdict("alice", fresh),
            Verdict::Proceed(t.policy().max_delay)
        );
        assert_eq!(t.verdict("bob", fresh), Verdict::Proceed(Duration::ZERO));
        t.unlock("alice");
        assert_eq!(t.verdict("alice", fresh), Verdict::Proceed(Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn an_address_slows_down() {
        let t = Throttle::default();
        let a = ip(1);
        let free = t.policy().address_free;
        for i in 0..free {
            assert_eq!(t.verdict("new", a), Verdict::Proceed(Duration::ZERO));
            t.record_failure(&format!("x{i}"), a);
        }
        assert_eq!(
            t.verdict("new", a),
            Verdict::Proceed(Duration::from_millis(200))
        );
        t.record_failure("y", a);
        assert_eq!(
            t.verdict("new", a),
            Verdict::Proceed(Duration::from_millis(400))
        );
        for i in 0..20 {
            t.record_failure(&format!("z{i}"), a);
        }
        assert_eq!(t.verdict("new", a), Verdict::Proceed(t.policy().max_delay));
        t.record_success("new", a);
        assert_eq!(t.verdict("new", a), Verdict::Proceed(Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_attempts_count_before_they_fail() {
        let t = Throttle::new(ThrottlePolicy::without_delay());
        let limit = t.policy().pair_limit;
        let pending: Vec<_> = (0..limit)
            .map(|_| t.begin("alice", ip(1)).expect("let through").0)
            .collect();
        assert!(
            t.begin("alice", ip(1)).is_err(),
            "the 11th at once is refused"
        );
        assert!(t.begin("alice", ip(2)).is_ok(), "not the owner elsewhere");
        drop(pending);
        let (a, _) = t.begin("alice", ip(1)).expect("none in flight any more");
        assert!(a.failed().is_empty());
        assert!(t.in_flight.is_empty() || t.in_flight.iter().all(|e| *e.value() == 0));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlock_from_the_database_applies_once() {
        let t = Throttle::new(ThrottlePolicy::without_delay());
        for _ in 0..t.policy().pair_limit {
            t.record_failure("alice", ip(1));
        }
        t.sync_reset("alice", 5);
        assert!(!t.is_refused("alice", ip(1)));
        for _ in 0..t.policy().pair_limit {
            t.record_failure("alice", ip(1));
        }
        t.sync_reset("alice", 5);
        assert!(
            t.is_refused("alice", ip(1)),
            "the same unlock is not applied twice"
        );
    }
}
