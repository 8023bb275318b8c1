//! Long polling that reports every `getUpdates` answer to the bot's
//! [`BotHealth`], so `/readyz` sees a bot recover after polling errors even
//! when nobody writes to it.
//!
//! teloxide's `Polling` hands the dispatcher updates and errors only: an
//! empty answer (the usual one for a quiet bot) is invisible from outside,
//! and its `Requester` adaptors cannot be written outside teloxide-core. So
//! this is teloxide 0.17's `PollingStream`, step for step, with the two
//! reports added: the same offsets, the same backoff (`exponential_backoff_
//! strategy`, or Telegram's `retry_after`), allowed updates sent once from
//! the dispatcher's hint, and the same stop: the request in flight is
//! dropped and one last `getUpdates` (limit 1, timeout 0) confirms the
//! updates already handed out, so the next start does not get them again.
//!
//! Only the instance that holds the bot's poller role polls
//! (`leadership`): a standby sends nothing until it takes the role, and a
//! leader that loses it drops its request in flight and stands by. Nothing
//! is confirmed then: the new leader asks from the last confirmed offset,
//! and the updates this instance already recorded are recognised by the
//! inbox and dropped there (a standby's `getUpdates` would also cut the
//! leader's long poll short with a 409).

use std::fmt;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use teloxide::RequestError;
use teloxide::backoff::exponential_backoff_strategy;
use teloxide::errors::AsResponseParameters;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use crate::health::BotHealth;
use crate::inbox::BotInbox;
use crate::leadership::RoleWatch;
use crate::unreadable::skip_unreadable;

/// A long-polling update listener for one bot.
pub struct ObservedPolling {
    bot: Bot,
    timeout_seconds: u32,
    allowed_updates: Option<Vec<AllowedUpdate>>,
    token: StopToken,
    flag: StopFlag,
    health: BotHealth,
    leading: RoleWatch,
    inbox: BotInbox,
}

impl fmt::Debug for ObservedPolling {
    // Not derived: `Bot` prints its token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObservedPolling")
            .field("timeout_seconds", &self.timeout_seconds)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

impl ObservedPolling {
    /// Deletes the bot's webhook, if any (Telegram refuses `getUpdates`
    /// while one is set, so this is what switching back from webhook mode
    /// takes), and prepares polling that waits up to `timeout` per request.
    /// A failed `deleteWebhook` is logged: polling then fails visibly.
    /// It polls while `leading` holds, and records each answer's updates
    /// in `inbox` before it hands them out (see [`Poller::next_batch`]).
    pub async fn start(
        bot: Bot,
        timeout: Duration,
        health: BotHealth,
        leading: RoleWatch,
        inbox: BotInbox,
    ) -> Self {
        if let Err(e) = bot.delete_webhook().await {
            tracing::warn!(bot = health.name(), error = %adapter_telegram::error::chain(&e), "deleting the webhook failed");
        }
        let (token, flag) = mk_stop_token();
        Self {
            bot,
            // The settings cap it at 50 s (Telegram's maximum).
            timeout_seconds: u32::try_from(timeout.as_secs()).unwrap_or(50),
            allowed_updates: None,
            token,
            flag,
            health,
            leading,
            inbox,
        }
    }
}

impl UpdateListener for ObservedPolling {
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed_updates = Some(hint.collect());
    }
}

impl<'a> AsUpdateStream<'a> for ObservedPolling {
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        // The dispatcher calls this after `getMe` answered.
        self.health.started();
        let poller = Poller {
            bot: self.bot.clone(),
            timeout_seconds: self.timeout_seconds,
            allowed_updates: self.allowed_updates.take(),
            offset: 0,
            error_count: 0,
            backoff: None,
            flag: self.flag.clone(),
            health: self.health.clone(),
            leading: self.leading.clone(),
            inbox: self.inbox.clone(),
            polling: false,
            finished: false,
        };
        let updates = futures::stream::unfold(poller, |mut poller| async move {
            let batch = poller.next_batch().await?;
            Some((futures::stream::iter(batch), poller))
        })
        .flatten()
        .boxed();
        skip_unreadable(self.health.name(), updates)
    }
}

/// The state of one polling stream.
struct Poller {
    bot: Bot,
    timeout_seconds: u32,
    /// Sent with the first request only: Telegram keeps the setting.
    allowed_updates: Option<Vec<AllowedUpdate>>,
    /// The id after the last update handed out.
    offset: i32,
    error_count: u32,
    /// Wait this long before the next request (after an error).
    backoff: Option<Duration>,
    flag: StopFlag,
    health: BotHealth,
    /// Whether this instance holds the bot's poller role.
    leading: RoleWatch,
    /// Where each answer's updates are recorded before they are handed out.
    inbox: BotInbox,
    /// Whether it polled since it last stood by (for the log).
    polling: bool,
    finished: bool,
}

impl Poller {
    /// The next answer: its updates, one error, or `None` once stopped.
    async fn next_batch(&mut self) -> Option<Vec<Result<Update, RequestError>>> {
        if self.finished {
            return None;
        }
        if let Some(delay) = self.backoff.take() {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = &mut self.flag => return self.finish().await,
            }
        }
        if self.flag.is_stopped() {
            return self.finish().await;
        }
        if !self.leading.holds() {
            self.polling = false;
            tracing::info!(
                bot = self.health.name(),
                "another instance polls this bot; this one stands by"
            );
            self.health.standing_by();
            tokio::select! {
                () = self.leading.until(true) => {}
                () = &mut self.flag => return self.finish().await,
            }
        }
        if !self.polling {
            self.polling = true;
            tracing::info!(bot = self.health.name(), "this instance polls the bot");
        }
        let mut request = self
            .bot
            .get_updates()
            .offset(self.offset)
            .timeout(self.timeout_seconds);
        if let Some(allowed) = self.allowed_updates.take() {
            request = request.allowed_updates(allowed);
        }
        let answer = tokio::select! {
            answer = request.send() => answer,
            // Updates that arrive after the stop are left for the next start.
            () = &mut self.flag => return self.finish().await,
            // Another instance may be polling already; stand by at once.
            () = self.leading.until(false) => return Some(Vec::new()),
        };
        match answer {
            Ok(updates) => {
                self.health.polled();
                self.error_count = 0;
                if let Some(last) = updates.last() {
                    self.offset = last.id.as_offset();
                }
                // Recorded, all in one commit, before anything of this
                // answer is handed out: the next request, which confirms
                // it, is sent only once the dispatcher took all of it.
                let admitted = self.inbox.admit_all(updates).await;
                Some(admitted.into_iter().map(Ok).collect())
            }
            Err(error) => {
                self.health.poll_failed();
                let delay = match error.retry_after() {
                    Some(seconds) => {
                        self.error_count = 0;
                        seconds.duration()
                    }
                    None => {
                        let delay = exponential_backoff_strategy(self.error_count);
                        self.error_count = self.error_count.saturating_add(1);
                        delay
                    }
                };
                // The error itself is logged by the dispatcher's listener
                // error handler (`bots`).
                tracing::debug!(bot = self.health.name(), retry_in = ?delay, "polling again after a pause");
                self.backoff = Some(delay);
                Some(vec![Err(error)])
            }
        }
    }

    /// Confirms the updates handed out so far and ends the stream.
    async fn finish(&mut self) -> Option<Vec<Result<Update, RequestError>>> {
        self.finished = true;
        // A standby confirms nothing: it handed nothing out since it lost
        // the role, and its request would cut the leader's long poll.
        if !self.leading.holds() {
            return None;
        }
        let confirm = self
            .bot
            .get_updates()
            .offset(self.offset)
            .limit(1)
            .timeout(0)
            .send()
            .await;
        if let Err(e) = confirm {
            tracing::warn!(bot = self.health.name(), error = %adapter_telegram::error::chain(&e), "confirming the last updates failed; they may come again at the next start");
        }
        None
    }
}
