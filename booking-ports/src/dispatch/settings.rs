//! The dispatcher's settings: rate limits, retries, batch size and polling,
//! checked once when they are made.

use chrono::Duration;

/// A setting that would make the dispatcher stall, spin or never send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDispatchSettings {
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
    #[error("the number of concurrent sends must be at least 1")]
    ZeroConcurrency,
    #[error("at least one message per second per bot must be allowed")]
    ZeroPerBotRate,
    #[error("the interval between two messages to one chat must not be negative")]
    NegativeChatInterval,
    #[error("the first retry delay must be positive")]
    NonPositiveFirstRetry,
    #[error("the longest retry delay must not be shorter than the first")]
    RetryCapBelowFirst,
    #[error("at least one delivery attempt must be allowed")]
    ZeroMaxAttempts,
    #[error("the poll interval must be positive")]
    NonPositivePollInterval,
    #[error("the claim lease must be longer than twice the poll interval")]
    LeaseTooShort,
}

/// Every field of [`DispatchSettings`]; [`DispatchSettings::new`] checks them.
/// `DispatchSettingsParts::default()` holds the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchSettingsParts {
    /// How many due notifications one step reads. Larger than what one
    /// second of sending needs, so a chat that must wait does not hold up
    /// the others behind it. Default: 200.
    pub batch_size: usize,
    /// How many sends run at once. The Bot API answers in tens of
    /// milliseconds, so a few in flight are needed to reach the per-bot rate.
    /// Default: 8.
    pub concurrency: usize,
    /// The shortest gap between two messages to one chat. Default: 1 s
    /// (Telegram: "avoid sending more than one message per second" to a chat).
    pub per_chat_interval: Duration,
    /// The most messages one bot sends in any second. Default: 30
    /// (Telegram's broadcast limit per bot token).
    pub per_bot_per_second: u32,
    /// The wait after the first temporary failure; it doubles with each
    /// further one. Default: 5 s.
    pub first_retry: Duration,
    /// The longest wait between two attempts. Default: 10 minutes.
    pub max_retry_delay: Duration,
    /// After this many attempts a temporary failure is recorded as a
    /// permanent one. Default: 50 (about seven hours of failures with the
    /// default delays).
    pub max_attempts: u32,
    /// How often the run loop looks for due notifications when nothing woke
    /// it: how late a reminder can be at most. Default: 10 s.
    pub poll_interval: Duration,
    /// How long a claim on a notification holds before another dispatcher
    /// may take it over: how late a dead dispatcher's notices go out at
    /// most. Every step extends the claims a dispatcher holds, so it must
    /// outlast the wait between steps ([`Self::poll_interval`]) and one
    /// step's sends (a request times out after about 20 s). Default: 60 s.
    pub claim_lease: Duration,
}

impl Default for DispatchSettingsParts {
    fn default() -> Self {
        Self {
            batch_size: 200,
            concurrency: 8,
            per_chat_interval: Duration::seconds(1),
            per_bot_per_second: 30,
            first_retry: Duration::seconds(5),
            max_retry_delay: Duration::minutes(10),
            max_attempts: 50,
            poll_interval: Duration::seconds(10),
            claim_lease: Duration::seconds(60),
        }
    }
}

/// Checked dispatcher settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DispatchSettings(DispatchSettingsParts);

impl DispatchSettings {
    /// # Errors
    /// [`InvalidDispatchSettings`] naming the first field that is out of
    /// range.
    pub fn new(parts: DispatchSettingsParts) -> Result<Self, InvalidDispatchSettings> {
        use InvalidDispatchSettings as E;
        let checks = [
            (parts.batch_size == 0, E::ZeroBatchSize),
            (parts.concurrency == 0, E::ZeroConcurrency),
            (parts.per_bot_per_second == 0, E::ZeroPerBotRate),
            (
                parts.per_chat_interval < Duration::zero(),
                E::NegativeChatInterval,
            ),
            (
                parts.first_retry <= Duration::zero(),
                E::NonPositiveFirstRetry,
            ),
            (
                parts.max_retry_delay < parts.first_retry,
                E::RetryCapBelowFirst,
            ),
            (parts.max_attempts == 0, E::ZeroMaxAttempts),
            (
                parts.poll_interval <= Duration::zero(),
                E::NonPositivePollInterval,
            ),
            (
                parts.claim_lease <= parts.poll_interval * 2,
                E::LeaseTooShort,
            ),
        ];
        match checks.into_iter().find(|(broken, _)| *broken) {
            Some((_, error)) => Err(error),
            None => Ok(Self(parts)),
        }
    }

    pub fn parts(&self) -> &DispatchSettingsParts {
        &self.0
    }

    /// The wait before the next attempt after a temporary failure, when
    /// `attempts` were made before this one: `first_retry * 2^attempts`, at
    /// most `max_retry_delay`, and never shorter than what the platform
    /// asked for (`retry_after`).
    pub fn retry_delay(&self, attempts: u32, retry_after: Option<Duration>) -> Duration {
        let parts = &self.0;
        let backoff = 2_i32
            .checked_pow(attempts)
            .and_then(|factor| parts.first_retry.checked_mul(factor))
            .map_or(parts.max_retry_delay, |delay| {
                delay.min(parts.max_retry_delay)
            });
        retry_after.map_or(backoff, |asked| backoff.max(asked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_follow_telegram() {
        let parts = DispatchSettingsParts::default();
        assert_eq!(parts.per_bot_per_second, 30);
        assert_eq!(parts.per_chat_interval, Duration::seconds(1));
        assert!(DispatchSettings::new(parts).is_ok());
    }

    #[test]
    fn settings_that_would_stall_or_spin_are_refused() {
        let with = |change: fn(&mut DispatchSettingsParts)| {
            let mut parts = DispatchSettingsParts::default();
            change(&mut parts);
            DispatchSettings::new(parts)
        };
        assert_eq!(
            with(|p| p.batch_size = 0),
            Err(InvalidDispatchSettings::ZeroBatchSize)
        );
        assert_eq!(
            with(|p| p.per_bot_per_second = 0),
            Err(InvalidDispatchSettings::ZeroPerBotRate)
        );
        assert_eq!(
            with(|p| p.first_retry = Duration::zero()),
            Err(InvalidDispatchSettings::NonPositiveFirstRetry)
        );
        assert_eq!(
            with(|p| p.max_retry_delay = Duration::seconds(1)),
            Err(InvalidDispatchSettings::RetryCapBelowFirst)
        );
        assert_eq!(
            with(|p| p.poll_interval = Duration::zero()),
            Err(InvalidDispatchSettings::NonPositivePollInterval)
        );
        assert_eq!(
            with(|p| p.claim_lease = Duration::seconds(20)),
            Err(InvalidDispatchSettings::LeaseTooShort),
            "a lease that can end between two steps"
        );
        assert!(with(|p| p.per_chat_interval = Duration::zero()).is_ok());
    }

    #[test]
    fn retry_delays_double_up_to_the_cap_and_honour_retry_after() {
        let settings = DispatchSettings::default();
        assert_eq!(settings.retry_delay(0, None), Duration::seconds(5));
        assert_eq!(settings.retry_delay(1, None), Duration::seconds(10));
        assert_eq!(settings.retry_delay(3, None), Duration::seconds(40));
        assert_eq!(settings.retry_delay(8, None), Duration::minutes(10));
        assert_eq!(settings.retry_delay(200, None), Duration::minutes(10));
        assert_eq!(
            settings.retry_delay(0, Some(Duration::seconds(33))),
            Duration::seconds(33),
            "a 429's retry_after wins over a shorter backoff"
        );
        assert_eq!(
            settings.retry_delay(4, Some(Duration::seconds(3))),
            Duration::seconds(80)
        );
    }
}
