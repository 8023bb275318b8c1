//! Per-chat admission: one chat cannot stall, or crowd out, the others.
//!
//! The runner ([`crate::runner`]) queues a busy chat's next updates: one
//! person forwarding a thousand messages, or one chat whose replies are
//! slow, would pile up work without end (teloxide's own dispatcher, whose
//! queue per chat is bounded, would instead *wait* when one is full and
//! stop every other chat). So updates pass here before the runner, and
//! each chat gets
//! - a budget: [`AdmissionSettings::burst`] updates at once, refilled at
//!   [`AdmissionSettings::per_second`]; beyond it updates are dropped and
//!   the person is told once to slow down;
//! - a backlog bound: at most [`AdmissionSettings::max_backlog`] of its
//!   updates queued or being handled; beyond that they are dropped, so a
//!   chat's queue in the runner stays short.
//!
//! All chats together have one more bound, which waits instead of
//! dropping: at most [`AdmissionSettings::max_in_flight`] updates handed
//! to the runner and not yet done (`in_flight`), so a burst of new chats
//! does not have thousands of them in progress at once.
//!
//! [`ChatAdmission::filter`] sits on the update stream (polling or
//! webhook); [`ChatAdmission::layer`] sits at the root of the handler tree
//! and gives the chat's slot and the bot's in-flight slot back when its
//! update is done.

mod in_flight;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::BoxStream;
use teloxide::RequestError;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription};
use teloxide::prelude::*;
use teloxide::types::Update;

use self::in_flight::InFlight;
use crate::error::HandlerError;
use crate::i18n::{Locales, Msg};

/// How much one chat may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmissionSettings {
    /// Updates a chat may send at once (a few quick presses, a pasted
    /// address in three messages).
    pub burst: u32,
    /// How fast the budget refills, in updates per second.
    pub per_second: f64,
    /// Updates of one chat queued or in progress at most.
    pub max_backlog: usize,
    /// Updates of all chats handed to the runner and not yet done, at
    /// most; the next update waits for one of them. 64 keep two cores busy
    /// (a burst of 10,000 chats went through as fast as with no bound) and
    /// answer about 600 updates a second even when each waits 100 ms on
    /// Telegram, which lets a bot send only about 30 messages a second in
    /// all; each one in flight costs a task and what its handler holds
    /// (see `in_flight`).
    pub max_in_flight: usize,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        Self {
            burst: 10,
            per_second: 2.0,
            max_backlog: 8,
            max_in_flight: 64,
        }
    }
}

/// What to do with an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admit,
    /// Drop it; `warn` the first time since the chat was last within its
    /// budget.
    Refuse {
        warn: bool,
    },
}

/// One chat's budget.
#[derive(Debug)]
struct ChatBudget {
    tokens: f64,
    refilled_at: Instant,
    in_flight: usize,
    warned: bool,
}

/// Above this many remembered chats, idle ones are forgotten.
const FORGET_IDLE_ABOVE: usize = 4096;

/// Waits for a slot in flight are logged at most this often.
const WAIT_LOG_EVERY: Duration = Duration::from_secs(60);

/// Every chat's budget for one bot. Shared by the stream filter and the
/// handler layer.
pub struct ChatAdmission {
    settings: AdmissionSettings,
    chats: Mutex<Chats>,
    /// The bot's updates in flight, all chats together.
    in_flight: InFlight,
    /// When a wait for a slot in flight was last logged.
    wait_logged_at: Mutex<Option<Instant>>,
}

#[derive(Debug)]
struct Chats {
    budgets: HashMap<ChatId, ChatBudget>,
    /// The size at which idle chats are next forgotten.
    forget_at: usize,
}

impl fmt::Debug for ChatAdmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatAdmission")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ChatAdmission {
    pub fn new(settings: AdmissionSettings) -> Self {
        Self {
            settings,
            chats: Mutex::new(Chats {
                budgets: HashMap::new(),
                forget_at: FORGET_IDLE_ABOVE,
            }),
            in_flight: InFlight::new(settings.max_in_flight),
            wait_logged_at: Mutex::new(None),
        }
    }

    /// Decides on `update` at `now`, taking a slot and a token when it is
    /// admitted. Updates without a chat are always admitted.
    pub fn admit(&self, update: &Update, now: Instant) -> Admission {
        let Some(chat) = update.chat().map(|chat| chat.id) else {
            return Admission::Admit;
        };
        let settings = self.settings;
        let burst = f64::from(settings.burst);
        // The map holds counters only: a panic elsewhere cannot leave it
        // half-written in a way that matters.
        let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
        chats.forget_idle(now, &settings);
        let budget = chats.budgets.entry(chat).or_insert(ChatBudget {
            tokens: burst,
            refilled_at: now,
            in_flight: 0,
            warned: false,
        });
        budget.refill(now, &settings);
        if budget.tokens >= burst {
            // Quiet long enough to have its whole budget back: a later
            // flood is told again.
            budget.warned = false;
        }
        if budget.tokens >= 1.0 && budget.in_flight < settings.max_backlog {
            budget.tokens -= 1.0;
            budget.in_flight += 1;
            Admission::Admit
        } else {
            let warn = !budget.warned;
            budget.warned = true;
            Admission::Refuse { warn }
        }
    }

    /// Gives back the slot an admitted update of `chat` held.
    fn finished(&self, chat: ChatId) {
        let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(budget) = chats.budgets.get_mut(&chat) {
            budget.in_flight = budget.in_flight.saturating_sub(1);
        }
    }

    /// Counts an update of `bot_name` that waits for a slot in flight,
    /// and says so in the log at most once a minute: a bot at its bound is
    /// worth knowing about, each of its waits is not.
    fn waits(&self, bot_name: &'static str, now: Instant) {
        crate::metrics::update_waited(bot_name);
        let mut last = self
            .wait_logged_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| now.saturating_duration_since(at) < WAIT_LOG_EVERY) {
            return;
        }
        *last = Some(now);
        tracing::info!(
            bot = bot_name,
            in_flight = self.settings.max_in_flight,
            "the bot has its most updates in flight; the next ones wait their turn"
        );
    }

    /// Gives back what an update held: its chat's slot (if it has a chat)
    /// and its slot among the bot's updates in flight.
    fn done(&self, chat: Option<ChatId>) {
        if let Some(chat) = chat {
            self.finished(chat);
        }
        self.in_flight.leave();
    }

    /// `updates` without those refused, each refusal metered, the first of
    /// a flood answered by a "please slow down" in the sender's language
    /// (sent in the background, once, without retries).
    pub fn filter<'a>(
        self: Arc<Self>,
        bot_name: &'static str,
        bot: Bot,
        locales: Arc<Locales>,
        updates: BoxStream<'a, Result<Update, RequestError>>,
    ) -> BoxStream<'a, Result<Update, RequestError>> {
        self.filter_reporting(bot_name, bot, locales, updates, |_| {})
    }

    /// As [`ChatAdmission::filter`], calling `refused` with each update it
    /// drops (so a record of the update can be closed: a dropped update is
    /// done with). Each update kept then waits for a slot among the bot's
    /// updates in flight (see `in_flight`).
    pub fn filter_reporting<'a>(
        self: Arc<Self>,
        bot_name: &'static str,
        bot: Bot,
        locales: Arc<Locales>,
        updates: BoxStream<'a, Result<Update, RequestError>>,
        refused: impl Fn(&Update) + Send + 'a,
    ) -> BoxStream<'a, Result<Update, RequestError>> {
        let window = Arc::clone(&self);
        updates
            .filter(move |item| {
                let keep = match item {
                    Ok(update) => match self.admit(update, Instant::now()) {
                        Admission::Admit => true,
                        Admission::Refuse { warn } => {
                            crate::metrics::update_refused(bot_name);
                            if warn {
                                slow_down(bot_name, &bot, &locales, update);
                            }
                            refused(update);
                            false
                        }
                    },
                    Err(_) => true,
                };
                std::future::ready(keep)
            })
            .then(move |item| {
                let window = Arc::clone(&window);
                async move {
                    if item.is_ok() {
                        let waiting = || window.waits(bot_name, Instant::now());
                        window.in_flight.enter(waiting).await;
                    }
                    item
                }
            })
            .boxed()
    }

    /// The handler that gives the update's slots back once the rest of the
    /// tree has run (whatever it returned). Put it first in the tree.
    pub fn layer(self: Arc<Self>) -> UpdateHandler<HandlerError> {
        dptree::from_fn_with_description(
            DpHandlerDescription::entry(),
            move |deps: DependencyMap, cont| {
                let chat = deps
                    .try_get::<Update>()
                    .and_then(|update| update.chat().map(|chat| chat.id));
                let admission = Arc::clone(&self);
                async move {
                    let flow = cont(deps).await;
                    admission.done(chat);
                    flow
                }
            },
            crate::guard::wrapping_signature(),
        )
    }
}

impl Chats {
    /// Forgets chats with nothing in flight and a full budget once the map
    /// has grown past its mark: a burst of new chats does not stay in
    /// memory.
    fn forget_idle(&mut self, now: Instant, settings: &AdmissionSettings) {
        if self.budgets.len() < self.forget_at {
            return;
        }
        self.budgets.retain(|_, budget| {
            budget.refill(now, settings);
            budget.in_flight > 0 || budget.tokens < f64::from(settings.burst)
        });
        self.forget_at = (self.budgets.len() * 2).max(FORGET_IDLE_ABOVE);
    }
}

impl ChatBudget {
    fn refill(&mut self, now: Instant, settings: &AdmissionSettings) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * settings.per_second).min(f64::from(settings.burst));
        self.refilled_at = now;
    }
}

/// Tells the sender of `update`, once, to slow down.
fn slow_down(bot_name: &'static str, bot: &Bot, locales: &Locales, update: &Update) {
    let Some(chat) = update.chat().map(|chat| chat.id) else {
        return;
    };
    let language =
        locales.language_for(update.from().and_then(|user| user.language_code.as_deref()));
    let text = locales.text(language).get(Msg::SlowDown);
    let bot = bot.clone();
    tracing::info!(
        bot = bot_name,
        chat = chat.0,
        "a chat over its budget is told to slow down"
    );
    tokio::spawn(async move {
        // Best effort, once: if even this is refused, the flood goes on
        // being dropped silently.
        let _ = crate::telegram::send(bot.send_message(chat, text)).await;
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn message_from(chat: i64, update_id: i64) -> Update {
        crate::test_updates::text_message(chat, update_id)
    }

    fn settings() -> AdmissionSettings {
        AdmissionSettings {
            burst: 3,
            per_second: 1.0,
            max_backlog: 100,
            max_in_flight: 1_000,
        }
    }

    #[test]
    fn a_burst_passes_the_rest_is_refused_and_the_sender_warned_once() {
        let admission = ChatAdmission::new(settings());
        let now = Instant::now();
        let verdicts: Vec<_> = (0..6)
            .map(|i| admission.admit(&message_from(1, i), now))
            .collect();
        assert_eq!(
            verdicts,
            [
                Admission::Admit,
                Admission::Admit,
                Admission::Admit,
                Admission::Refuse { warn: true },
                Admission::Refuse { warn: false },
                Admission::Refuse { warn: false },
            ]
        );
        // Another chat has its own budget.
        assert_eq!(admission.admit(&message_from(2, 9), now), Admission::Admit);
    }

    #[test]
    fn the_budget_refills_with_time_and_a_quiet_chat_is_warned_again_later() {
        let admission = ChatAdmission::new(settings());
        let start = Instant::now();
        for i in 0..4 {
            admission.admit(&message_from(1, i), start);
        }
        let second = start + Duration::from_secs(1);
        assert_eq!(
            admission.admit(&message_from(1, 5), second),
            Admission::Admit
        );
        assert_eq!(
            admission.admit(&message_from(1, 6), second),
            Admission::Refuse { warn: false }
        );
        // Quiet long enough to refill the whole burst: warned anew.
        let later = second + Duration::from_secs(10);
        for i in 7..10 {
            assert_eq!(
                admission.admit(&message_from(1, i), later),
                Admission::Admit
            );
        }
        assert_eq!(
            admission.admit(&message_from(1, 10), later),
            Admission::Refuse { warn: true }
        );
    }

    #[test]
    fn a_chat_with_a_full_backlog_is_refused_until_an_update_finishes() {
        let admission = ChatAdmission::new(AdmissionSettings {
            burst: 100,
            per_second: 1.0,
            max_backlog: 2,
            max_in_flight: 1_000,
        });
        let now = Instant::now();
        assert_eq!(admission.admit(&message_from(1, 1), now), Admission::Admit);
        assert_eq!(admission.admit(&message_from(1, 2), now), Admission::Admit);
        assert_eq!(
            admission.admit(&message_from(1, 3), now),
            Admission::Refuse { warn: true }
        );
        admission.finished(ChatId(1));
        assert_eq!(admission.admit(&message_from(1, 4), now), Admission::Admit);
    }

    #[test]
    fn the_stream_waits_while_the_bot_has_its_most_updates_in_flight() {
        use futures::FutureExt;

        use crate::i18n::Language;

        let admission = Arc::new(ChatAdmission::new(AdmissionSettings {
            max_in_flight: 2,
            max_backlog: 1,
            ..settings()
        }));
        let updates = futures::stream::iter((1..=3).map(|chat| Ok(message_from(chat, chat))));
        let mut admitted = Arc::clone(&admission).filter(
            "client",
            Bot::new("0:unused"),
            Arc::new(Locales::load(Language::English).unwrap()),
            updates.boxed(),
        );
        let chat_of = |item: Option<Result<Update, RequestError>>| {
            item.and_then(Result::ok)
                .and_then(|update| update.chat().map(|chat| chat.id))
        };
        assert_eq!(
            chat_of(admitted.next().now_or_never().flatten()),
            Some(ChatId(1))
        );
        assert_eq!(
            chat_of(admitted.next().now_or_never().flatten()),
            Some(ChatId(2))
        );
        assert!(
            admitted.next().now_or_never().is_none(),
            "a third update while two are in flight must wait"
        );
        admission.done(Some(ChatId(1)));
        assert_eq!(
            chat_of(admitted.next().now_or_never().flatten()),
            Some(ChatId(3))
        );
        // Chat 1's slot came back with it: its next update is admitted.
        assert_eq!(
            admission.admit(&message_from(1, 4), Instant::now()),
            Admission::Admit
        );
    }

    #[test]
    fn idle_chats_are_forgotten_once_many_are_remembered() {
        let admission = ChatAdmission::new(AdmissionSettings {
            burst: 1,
            per_second: 1.0,
            max_backlog: 1,
            max_in_flight: 1_000,
        });
        let start = Instant::now();
        for chat in 0..FORGET_IDLE_ABOVE as i64 {
            admission.admit(&message_from(chat + 1, chat), start);
            admission.finished(ChatId(chat + 1));
        }
        // A second later every one of them is idle with a full budget.
        admission.admit(&message_from(999_999, 1), start + Duration::from_secs(1));
        let remembered = admission.chats.lock().unwrap().budgets.len();
        assert!(remembered <= 1, "{remembered} chats remembered");
    }
}
