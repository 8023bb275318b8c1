//! The rate limiter: at most one message per chat per interval, at most N
//! messages per bot in any second, and a pause per bot after the platform
//! asked to wait. Pure logic over the instants it is given, so it is tested
//! without sleeping.
//!
//! It never drops anything: a message that may not go now is told the
//! earliest instant it may, and the dispatcher tries again then.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::ports::conversations::BotName;
use crate::ports::sender::Destination;

/// The window of the per-bot limit.
const SECOND: Duration = Duration::seconds(1);

/// Tracks recent sends and says when the next one to a destination may go.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_chat_interval: Duration,
    per_bot_per_second: usize,
    /// The last send to each destination.
    last_to_chat: HashMap<Destination, DateTime<Utc>>,
    /// The sends of each bot within the last second, oldest first; at most
    /// `per_bot_per_second` of them.
    recent_by_bot: HashMap<BotName, VecDeque<DateTime<Utc>>>,
    /// Bots the platform asked to wait, until when.
    paused: HashMap<BotName, DateTime<Utc>>,
}

impl RateLimiter {
    /// At most one send per `per_chat_interval` to each destination and at
    /// most `per_bot_per_second` sends (at least one) per bot in any
    /// half-open second.
    pub fn new(per_chat_interval: Duration, per_bot_per_second: u32) -> Self {
        Self {
            per_chat_interval,
            per_bot_per_second: usize::try_from(per_bot_per_second.max(1)).unwrap_or(usize::MAX),
            last_to_chat: HashMap::new(),
            recent_by_bot: HashMap::new(),
            paused: HashMap::new(),
        }
    }

    /// The earliest instant, `now` or later, at which a message to `to` may
    /// be sent, given the sends recorded so far.
    pub fn available_at(&self, to: &Destination, now: DateTime<Utc>) -> DateTime<Utc> {
        let chat_free = self
            .last_to_chat
            .get(to)
            .map(|last| *last + self.per_chat_interval);
        let recent = self.recent_by_bot.get(&to.bot);
        // With the bot's whole budget used within the last second, the next
        // send waits until the oldest of them leaves the window.
        let bot_free = recent
            .filter(|sends| sends.len() >= self.per_bot_per_second)
            .and_then(|sends| sends.front())
            .map(|oldest| *oldest + SECOND);
        let unpaused = self.paused.get(&to.bot).copied();
        [chat_free, bot_free, unpaused]
            .into_iter()
            .flatten()
            .fold(now, DateTime::max)
    }

    /// Records a send to `to` at `now` if the limits allow it now;
    /// otherwise records nothing and returns the earliest instant it may go.
    ///
    /// # Errors
    /// The instant (after `now`) from which the send is allowed.
    pub fn try_acquire(
        &mut self,
        to: &Destination,
        now: DateTime<Utc>,
    ) -> Result<(), DateTime<Utc>> {
        self.forget_bot_sends_before(&to.bot, now);
        let at = self.available_at(to, now);
        if at > now {
            return Err(at);
        }
        self.last_to_chat.insert(to.clone(), now);
        let sends = self.recent_by_bot.entry(to.bot.clone()).or_default();
        sends.push_back(now);
        Ok(())
    }

    /// Sends nothing through `bot` before `until` (the platform's
    /// `retry_after`). An earlier pause never shortens a later one.
    pub fn pause(&mut self, bot: &BotName, until: DateTime<Utc>) {
        let entry = self.paused.entry(bot.clone()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Drops what no longer constrains a send at `now` or later, so memory
    /// stays bounded by the chats of the last interval.
    pub fn forget_before(&mut self, now: DateTime<Utc>) {
        let interval = self.per_chat_interval;
        self.last_to_chat.retain(|_, last| *last + interval > now);
        let bots: Vec<BotName> = self.recent_by_bot.keys().cloned().collect();
        for bot in bots {
            self.forget_bot_sends_before(&bot, now);
        }
        self.recent_by_bot.retain(|_, sends| !sends.is_empty());
        self.paused.retain(|_, until| *until > now);
    }

    /// Drops the bot's sends that left the one-second window ending at `now`.
    fn forget_bot_sends_before(&mut self, bot: &BotName, now: DateTime<Utc>) {
        if let Some(sends) = self.recent_by_bot.get_mut(bot) {
            while sends.front().is_some_and(|oldest| *oldest + SECOND <= now) {
                sends.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::conversations::ChatKey;
    use chrono::TimeZone;

    fn to(bot: &str, chat: i64) -> Destination {
        Destination {
            bot: BotName::new(bot).unwrap(),
            chat: ChatKey::new(chat),
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap()
    }

    fn ms(n: i64) -> Duration {
        Duration::milliseconds(n)
    }

    #[test]
    fn one_chat_gets_at_most_one_message_per_interval() {
        let mut limiter = RateLimiter::new(Duration::seconds(1), 30);
        let chat = to("client", 1);
        assert_eq!(limiter.try_acquire(&chat, t0()), Ok(()));
        assert_eq!(
            limiter.try_acquire(&chat, t0() + ms(999)),
            Err(t0() + ms(1000))
        );
        assert_eq!(
            limiter.try_acquire(&to("client", 2), t0() + ms(10)),
            Ok(()),
            "other chats are not held up"
        );
        assert_eq!(limiter.try_acquire(&chat, t0() + ms(1000)), Ok(()));
    }

    #[test]
    fn a_bot_sends_at_most_its_budget_in_any_second() {
        let mut limiter = RateLimiter::new(Duration::seconds(1), 3);
        for n in 0..3 {
            assert_eq!(
                limiter.try_acquire(&to("client", n), t0() + ms(n * 100)),
                Ok(())
            );
        }
        assert_eq!(
            limiter.try_acquire(&to("client", 9), t0() + ms(500)),
            Err(t0() + ms(1000)),
            "the fourth waits until the first leaves the window"
        );
        assert_eq!(
            limiter.try_acquire(&to("admin", 9), t0() + ms(500)),
            Ok(()),
            "each bot has its own budget"
        );
        assert_eq!(
            limiter.try_acquire(&to("client", 9), t0() + ms(1000)),
            Ok(())
        );
        assert_eq!(
            limiter.try_acquire(&to("client", 10), t0() + ms(1050)),
            Err(t0() + ms(1100))
        );
    }

    #[test]
    fn a_pause_holds_every_chat_of_the_bot() {
        let mut limiter = RateLimiter::new(Duration::seconds(1), 30);
        limiter.pause(
            &BotName::new("client").unwrap(),
            t0() + Duration::seconds(7),
        );
        limiter.pause(
            &BotName::new("client").unwrap(),
            t0() + Duration::seconds(2),
        );
        assert_eq!(
            limiter.try_acquire(&to("client", 5), t0()),
            Err(t0() + Duration::seconds(7)),
            "a shorter pause does not cut a longer one"
        );
        assert_eq!(limiter.try_acquire(&to("admin", 5), t0()), Ok(()));
        assert_eq!(
            limiter.try_acquire(&to("client", 5), t0() + Duration::seconds(7)),
            Ok(())
        );
    }

    #[test]
    fn forgetting_keeps_what_still_constrains() {
        let mut limiter = RateLimiter::new(Duration::seconds(1), 2);
        limiter.try_acquire(&to("client", 1), t0()).unwrap();
        limiter
            .try_acquire(&to("client", 2), t0() + ms(600))
            .unwrap();
        limiter.forget_before(t0() + ms(700));
        assert_eq!(
            limiter.available_at(&to("client", 1), t0() + ms(700)),
            t0() + ms(1000)
        );
        limiter.forget_before(t0() + ms(1700));
        assert!(limiter.last_to_chat.is_empty());
        assert!(limiter.recent_by_bot.is_empty());
    }
}
