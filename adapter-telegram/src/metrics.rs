//! What the bots count: updates handled by bot and kind, how long handling
//! took, updates that failed by cause, and Telegram requests that failed by
//! method.
//!
//! Counted through the `metrics` facade: a no-op until the application
//! installs a recorder. Where each is counted:
//! - [`observe_updates`] sits at the root of each bot's handler tree, above
//!   the panic guard, and counts and times every update, panics included.
//! - [`LogErrors`](crate::guard::LogErrors), the production error handler,
//!   counts the updates that failed.
//! - [`crate::telegram::send`] is the one way requests leave, so every
//!   failed request is counted there, retried attempts included; the app
//!   adds the update listener's `getUpdates` failures through
//!   [`telegram_request_failed`].
//!
//! Labels stay few: two bots, a handful of update kinds, the methods this
//! adapter calls, and a fixed set of error kinds.

use std::time::Instant;

use ::metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription};
use teloxide::prelude::*;
use teloxide::types::{Update, UpdateKind};
use teloxide::{ApiError, RequestError};

use crate::error::HandlerError;

/// Updates that reached a bot's handler tree, by `bot` and `kind`.
pub const UPDATES: &str = "booking_updates_total";
/// Seconds from an update entering the handler tree to its handling ending
/// (replies sent), by `bot`.
pub const UPDATE_DURATION: &str = "booking_update_duration_seconds";
/// Updates whose handling failed, by `bot` and `cause` (`telegram`,
/// `conversation`, `engine`, `panic`).
pub const UPDATE_ERRORS: &str = "booking_update_errors_total";
/// Failed Telegram requests, by `method` (`sendMessage`, `getUpdates`...)
/// and `error` (see [`error_kind`]).
pub const TELEGRAM_ERRORS: &str = "booking_telegram_errors_total";

/// Updates dropped before the handler tree because their chat was over its
/// budget or backlog (see [`crate::admission`]), by `bot`.
pub const UPDATES_REFUSED: &str = "booking_updates_refused_total";

/// Updates that waited before the handler tree because the bot already
/// had its most updates in flight (see [`crate::admission`]), by `bot`.
pub const UPDATES_WAITED: &str = "booking_updates_waited_total";

/// Times PIN checks paused for everyone not signed in, after many wrong
/// PINs of all users together (see [`crate::admin::Access`]).
pub const PIN_CHECKS_PAUSED: &str = "booking_pin_checks_paused_total";

/// PIN attempts turned away unchecked because the most argon2 checks
/// allowed at once were running.
pub const PIN_CHECKS_BUSY: &str = "booking_pin_checks_busy_total";

/// The histogram buckets suited to [`UPDATE_DURATION`], in seconds: from
/// 1 ms (a reply from memory) to 10 s (a request stuck on a slow network).
pub const UPDATE_DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Registers the bots' metrics with the installed recorder: describes them,
/// and starts the failed-update counters of both bots at zero, so the first
/// failure shows as an increase rather than as a new series. Call once
/// after installing a recorder.
pub fn register() {
    describe_counter!(
        UPDATES,
        Unit::Count,
        "Telegram updates handled, by bot (client, admin) and kind (message, callback_query, ...)."
    );
    describe_histogram!(
        UPDATE_DURATION,
        Unit::Seconds,
        "Time to handle one update, replies included, by bot."
    );
    describe_counter!(
        UPDATE_ERRORS,
        Unit::Count,
        "Updates whose handling failed, by bot and cause (telegram, conversation, engine, panic)."
    );
    describe_counter!(
        TELEGRAM_ERRORS,
        Unit::Count,
        "Failed Telegram Bot API requests (each attempt), by method and error \
         (network, rate_limited, server_error, recipient_gone, api, invalid_response, io)."
    );
    describe_counter!(
        UPDATES_REFUSED,
        Unit::Count,
        "Updates dropped because their chat sent more than its budget or had too many waiting, by bot."
    );
    describe_counter!(
        UPDATES_WAITED,
        Unit::Count,
        "Updates that waited because the bot had its most updates in flight, by bot."
    );
    describe_counter!(
        PIN_CHECKS_PAUSED,
        Unit::Count,
        "Times PIN checks paused for everyone not signed in after many wrong PINs of all users."
    );
    describe_counter!(
        PIN_CHECKS_BUSY,
        Unit::Count,
        "PIN attempts turned away unchecked because the most argon2 checks allowed at once were running."
    );
    counter!(PIN_CHECKS_PAUSED).absolute(0);
    counter!(PIN_CHECKS_BUSY).absolute(0);
    for bot in [crate::CLIENT_BOT, crate::ADMIN_BOT] {
        counter!(UPDATES_REFUSED, "bot" => bot).absolute(0);
        counter!(UPDATES_WAITED, "bot" => bot).absolute(0);
        for cause in UPDATE_ERROR_CAUSES {
            counter!(UPDATE_ERRORS, "bot" => bot, "cause" => cause).absolute(0);
        }
    }
}

/// Counts an update of `bot` dropped by the per-chat admission.
pub fn update_refused(bot: &'static str) {
    counter!(UPDATES_REFUSED, "bot" => bot).increment(1);
}

/// Counts an update of `bot` that waited for a slot among its updates in
/// flight.
pub fn update_waited(bot: &'static str) {
    counter!(UPDATES_WAITED, "bot" => bot).increment(1);
}

/// Counts a pause of PIN checks for everyone.
pub fn pin_checks_paused() {
    counter!(PIN_CHECKS_PAUSED).increment(1);
}

/// Counts a PIN attempt turned away while the checks were busy.
pub fn pin_check_busy() {
    counter!(PIN_CHECKS_BUSY).increment(1);
}

/// Every `cause` of [`UPDATE_ERRORS`].
const UPDATE_ERROR_CAUSES: [&str; 4] = ["telegram", "conversation", "engine", "panic"];

/// A handler for the root of `bot`'s tree: counts each update by kind and
/// times the rest of the tree. Put it above the panic guard, so a panicking
/// update is counted and timed too:
/// `observe_updates(CLIENT_BOT).chain(catch_panics().branch(...))`.
pub fn observe_updates(bot: &'static str) -> UpdateHandler<HandlerError> {
    dptree::from_fn_with_description(
        DpHandlerDescription::entry(),
        move |deps: DependencyMap, cont| {
            let kind = deps
                .try_get::<Update>()
                .map_or("other", |update| update_kind(&update.kind));
            async move {
                counter!(UPDATES, "bot" => bot, "kind" => kind).increment(1);
                let started = Instant::now();
                let flow = cont(deps).await;
                histogram!(UPDATE_DURATION, "bot" => bot).record(started.elapsed().as_secs_f64());
                flow
            }
        },
        crate::guard::wrapping_signature(),
    )
}

/// The `kind` label of an update: the common kinds by name, the rest as
/// `other`.
pub fn update_kind(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        _ => "other",
    }
}

/// Counts an update of `bot` that failed with `error`.
pub(crate) fn update_failed(bot: &'static str, error: &HandlerError) {
    let [telegram, conversation, engine, panic] = UPDATE_ERROR_CAUSES;
    let cause = match error {
        HandlerError::Telegram(_) => telegram,
        HandlerError::Conversation(_) => conversation,
        // A refusal by role the bot did not answer is a bug in the bot.
        HandlerError::Engine { .. } | HandlerError::Forbidden(_) => engine,
        HandlerError::Panicked { .. } => panic,
    };
    counter!(UPDATE_ERRORS, "bot" => bot, "cause" => cause).increment(1);
}

/// Counts a failed request of `method`, as teloxide names it
/// (`SendMessage`) or as Telegram does (`sendMessage`); the label is
/// Telegram's spelling.
pub fn telegram_request_failed(method: &str, error: &RequestError) {
    counter!(TELEGRAM_ERRORS, "method" => method_label(method), "error" => error_kind(error))
        .increment(1);
}

/// `SendMessage` as Telegram spells it: `sendMessage`.
fn method_label(method: &str) -> String {
    let mut chars = method.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// The `error` label of a failed request, so an alert can tell a Telegram
/// outage (`network`, `server_error`) from flood control (`rate_limited`),
/// customers who blocked the bot (`recipient_gone`, nothing to fix) and
/// requests Telegram refuses (`api`, a bug to look at).
pub fn error_kind(error: &RequestError) -> &'static str {
    match error {
        RequestError::RetryAfter(_) => "rate_limited",
        RequestError::Network(_) => "network",
        RequestError::Io(_) => "io",
        RequestError::InvalidJson { .. } => "invalid_response",
        RequestError::MigrateToChatId(_) => "api",
        RequestError::Api(api) => api_error_kind(api),
    }
}

fn api_error_kind(api: &ApiError) -> &'static str {
    if crate::notify::recipient_is_gone(api) {
        "recipient_gone"
    } else if matches!(api, ApiError::Unknown(description) if crate::notify::is_server_side(description))
    {
        "server_error"
    } else {
        "api"
    }
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;

    use super::*;

    #[test]
    fn methods_are_labelled_as_telegram_spells_them() {
        assert_eq!(method_label("SendMessage"), "sendMessage");
        assert_eq!(method_label("getUpdates"), "getUpdates");
        assert_eq!(method_label(""), "");
    }

    #[test]
    fn request_errors_fall_into_a_few_kinds() {
        let kinds = [
            RequestError::RetryAfter(Seconds::from_seconds(3)),
            RequestError::Api(ApiError::BotBlocked),
            RequestError::Api(ApiError::Unknown("Bad Gateway".to_owned())),
            RequestError::Api(ApiError::MessageTextIsEmpty),
        ]
        .iter()
        .map(error_kind)
        .collect::<Vec<_>>();
        assert_eq!(
            kinds,
            ["rate_limited", "recipient_gone", "server_error", "api"]
        );
    }
}
