//! Sending screens to Telegram: one place that edits or sends a message,
//! treats "not modified" as success, retries what is safe to retry, and
//! keeps every text within Telegram's limits (see [`crate::limits`]).
//! Every request of the adapter leaves through [`send`], which counts the
//! failures by method (see [`crate::metrics`]).
//!
//! Retries: a network error while connecting means the request never left,
//! so it is repeated. A timeout after sending is repeated only for
//! idempotent requests (edits, callback answers, deletions): a repeated
//! `sendMessage` could show the customer the same message twice.
//!
//! A `429 Too Many Requests` is never waited for here. It means the chat
//! (or the bot) is over Telegram's flood limit, typically because someone
//! is flooding the bot; a handler that slept for the `retry_after` would
//! hold that chat's queue, and the shutdown, for as long as Telegram says.
//! The screen is dropped instead (the person asks again), and what must
//! arrive (notices, reminders) goes through the outbox, whose dispatcher
//! honours `retry_after` outside any handler.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::IgnoredAny;
use teloxide::payloads::{
    EditMessageText, EditMessageTextSetters, SendMessage, SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::requests::{HasPayload, JsonRequest, Output, Payload};
use teloxide::types::{
    ChatId, InlineKeyboardButtonKind, InlineKeyboardMarkup, KeyboardMarkup, KeyboardRemove,
    MessageId, ReplyMarkup,
};
use teloxide::{ApiError, RequestError};

use crate::limits;

/// How many times a request is attempted at most.
const ATTEMPTS: u32 = 3;

/// The keyboard under a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Markup {
    None,
    Inline(InlineKeyboardMarkup),
    /// A keyboard replacing the phone's keyboard; needed for "share my
    /// phone", which inline buttons cannot do.
    Reply(KeyboardMarkup),
    /// Removes a reply keyboard shown earlier.
    RemoveReply,
}

/// A message to show: text and keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub text: String,
    pub markup: Markup,
}

impl Screen {
    pub fn new(text: impl Into<String>, markup: Markup) -> Self {
        Self {
            text: text.into(),
            markup,
        }
    }

    pub fn inline(text: impl Into<String>, keyboard: InlineKeyboardMarkup) -> Self {
        Self::new(text, Markup::Inline(keyboard))
    }

    pub fn text(text: impl Into<String>) -> Self {
        Self::new(text, Markup::None)
    }
}

/// Where a screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Replace the message whose button was pressed.
    Edit(MessageId),
    /// A new message at the bottom of the chat.
    New,
}

/// Shows `screen` in `chat`: edits the message in place when asked and
/// possible, otherwise sends a new one.
///
/// A text longer than Telegram takes ([`limits::MAX_TEXT_UNITS`]) is split
/// between its lines into several messages: the first goes where the
/// screen would, the others follow as new messages, and the keyboard goes
/// under the last, where the reader's eyes end. Screens that page (the
/// day view) never get here too long; lists (the bookings a schedule edit
/// collides with) may.
///
/// # Errors
/// The request error after retries; pieces after a failed one are not
/// sent.
pub async fn show(
    bot: &Bot,
    chat: ChatId,
    screen: &Screen,
    place: Place,
) -> Result<(), RequestError> {
    debug_assert!(
        callbacks_fit(&screen.markup),
        "a button's callback data is over {} bytes",
        limits::MAX_CALLBACK_BYTES
    );
    let pieces = limits::split(&screen.text, limits::MAX_TEXT_UNITS);
    let Some((last, first)) = pieces.split_last() else {
        return Ok(());
    };
    let mut place = place;
    if !first.is_empty() {
        tracing::debug!(
            messages = pieces.len(),
            "a screen too long for one message is split"
        );
    }
    for piece in first {
        show_one(bot, chat, piece, &Markup::None, place).await?;
        place = Place::New;
    }
    show_one(bot, chat, last, &screen.markup, place).await
}

/// Whether every button's callback data under `markup` is within
/// Telegram's limit.
pub fn callbacks_fit(markup: &Markup) -> bool {
    let Markup::Inline(keyboard) = markup else {
        return true;
    };
    keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .all(|b| match &b.kind {
            InlineKeyboardButtonKind::CallbackData(data) => {
                data.len() <= limits::MAX_CALLBACK_BYTES
            }
            _ => true,
        })
}

/// One message of a screen: `text` is within the limit.
async fn show_one(
    bot: &Bot,
    chat: ChatId,
    text: &str,
    markup: &Markup,
    place: Place,
) -> Result<(), RequestError> {
    if let (Place::Edit(id), Markup::None | Markup::Inline(_)) = (place, markup) {
        let edited = retrying(true, || {
            let payload = EditMessageText::new(chat, id, text);
            unread(
                bot,
                match markup {
                    Markup::Inline(keyboard) => payload.reply_markup(keyboard.clone()),
                    _ => payload,
                },
            )
        })
        .await;
        match edited {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => return Ok(()),
            // Too old to edit, or deleted by the user: say it anew instead.
            Err(RequestError::Api(
                ApiError::MessageCantBeEdited | ApiError::MessageToEditNotFound,
            )) => {}
            Err(other) => return Err(other),
        }
    }
    retrying(false, || {
        let payload = SendMessage::new(chat, text);
        unread(
            bot,
            match markup {
                Markup::None => payload,
                Markup::Inline(keyboard) => payload.reply_markup(keyboard.clone()),
                Markup::Reply(keyboard) => {
                    payload.reply_markup(ReplyMarkup::Keyboard(keyboard.clone()))
                }
                Markup::RemoveReply => {
                    payload.reply_markup(ReplyMarkup::KeyboardRemove(KeyboardRemove::new()))
                }
            },
        )
    })
    .await
    .map(|_| ())
}

/// A Telegram method whose result the bot does not read: the answer's
/// `ok` and error fields are read as for any request (so "message is not
/// modified" and the flood limit are still told apart), its `result`
/// skipped without being built.
///
/// Why: a screen's edit or message is answered with the whole `Message`,
/// and teloxide builds one by trying its kinds one after the other, a
/// failed attempt and an error value for each: about a twentieth of a
/// button press's instructions (docs/BENCHMARKS.md, figure 4c), for a
/// value nobody looks at.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub(crate) struct Unread<P>(P);

impl<P: Payload> Payload for Unread<P> {
    type Output = IgnoredAny;
    const NAME: &'static str = P::NAME;

    fn timeout_hint(&self) -> Option<Duration> {
        self.0.timeout_hint()
    }
}

/// `payload` as a request whose result is not read.
pub(crate) fn unread<P: Payload>(bot: &Bot, payload: P) -> JsonRequest<Unread<P>> {
    JsonRequest::new(bot.clone(), Unread(payload))
}

/// Answers a pressed button, with a short notice when `text` is given,
/// cut to the [`limits::MAX_ANSWER_UNITS`] Telegram shows.
///
/// # Errors
/// The request error after retries.
pub async fn answer(
    bot: &Bot,
    query: &CallbackQuery,
    text: Option<String>,
) -> Result<(), RequestError> {
    let text = text.map(|t| limits::truncate(&t, limits::MAX_ANSWER_UNITS));
    retrying(true, || {
        let request = bot.answer_callback_query(query.id.clone());
        match &text {
            Some(text) => request.text(text.clone()),
            None => request,
        }
    })
    .await
    .map(|_| ())
}

/// Sends `request` once; a failure is counted by the request's method.
///
/// # Errors
/// The request error.
pub async fn send<R>(request: R) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let sent = request.send().await;
    if let Err(error) = &sent {
        crate::metrics::telegram_request_failed(
            <<R as HasPayload>::Payload as Payload>::NAME,
            error,
        );
    }
    sent
}

/// Sends the request `request` builds until it succeeds, fails for good, or
/// [`ATTEMPTS`] are used. `idempotent` allows repeating after a timeout.
///
/// # Errors
/// The request error after retries.
pub async fn retrying<R, F>(idempotent: bool, mut request: F) -> Result<Output<R>, RequestError>
where
    F: FnMut() -> R,
    R: Request<Err = RequestError>,
{
    attempts(idempotent, || send(request())).await
}

/// Runs `attempt` until it succeeds, fails for good, or [`ATTEMPTS`] are
/// used. `idempotent` allows repeating after a timeout.
async fn attempts<T, F, Fut>(idempotent: bool, mut attempt: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut tries = 1;
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let wait = match &error {
            RequestError::Network(e) if e.is_connect() || (idempotent && e.is_timeout()) => {
                Some(Duration::from_millis(500 * u64::from(tries)))
            }
            _ => None,
        };
        match wait {
            Some(wait) if tries < ATTEMPTS => {
                tracing::warn!(attempt = tries, wait_ms = wait.as_millis() as u64, error = %crate::error::chain(&error), "Telegram request failed; retrying");
                tokio::time::sleep(wait).await;
                tries += 1;
            }
            _ => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use teloxide::types::Seconds;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_flood_wait_is_not_slept_through_inside_a_handler() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<u32, _> = attempts(true, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(RequestError::RetryAfter(Seconds::from_seconds(5))) }
        })
        .await;
        assert!(matches!(result, Err(RequestError::RetryAfter(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // The paused clock moves only when something sleeps.
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn api_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = attempts(true, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(RequestError::Api(ApiError::BotBlocked)) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
