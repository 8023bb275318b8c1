//! A pressed button: parse its data into a [`Callback`], route it, and
//! answer the press whatever happened, so the customer's client stops its
//! spinner and learns why nothing changed when nothing did.
//!
//! Main-menu entries, reminder buttons and "Save as my details" work at
//! any time; a flow button
//! works only in the flow that drew it (its [`FlowId`] must be the stored
//! conversation's), so a button left on an old message is "expired".
//!
//! [`FlowId`]: super::callback::FlowId

use teloxide::prelude::*;
use teloxide::types::UpdateId;

use super::callback::{Callback, MenuItem};
use super::ctx::{Answer, Ctx};
use super::state::State;
use super::{ClientBot, about, booking, manage, menu, records};
use crate::conversation::ConversationError;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram;
use crate::ui::client::menu::{Notice, notice_text};

/// The endpoint for every button press.
pub(crate) async fn on_press(
    bot: Bot,
    update: Update,
    query: CallbackQuery,
    client: ClientBot,
) -> Result<(), HandlerError> {
    let outcome = press(bot.clone(), update.id, &query, &client).await;
    let outcome = match outcome {
        Err(HandlerError::Conversation(ConversationError::Conflict { expected })) => {
            // Another instance handled this chat since the press loaded
            // it: nothing was saved; the answer asks to try again, and the
            // next press or message loads the newer state.
            tracing::warn!(
                bot = "client",
                %expected,
                "the conversation changed under this press (another instance handled the chat); \
                 nothing was saved"
            );
            Err(None)
        }
        other => other.map_err(Some),
    };
    let language = client
        .locales
        .language_for(query.from.language_code.as_deref());
    let t = client.locales.text(language);
    let notice = match &outcome {
        Ok(Answer::Silent) => None,
        Ok(Answer::Expired) => Some(t.get(Msg::ButtonExpired)),
        Ok(Answer::Notice(text)) => Some(text.clone()),
        Err(_) => Some(t.get(Msg::UnexpectedError)),
    };
    let answered = telegram::answer(&bot, &query, notice).await;
    if let Err(Some(error)) = outcome {
        return Err(error);
    }
    answered?;
    Ok(())
}

async fn press(
    bot: Bot,
    update: UpdateId,
    query: &CallbackQuery,
    client: &ClientBot,
) -> Result<Answer, HandlerError> {
    let Some(callback) = query.data.as_deref().and_then(|d| Callback::parse(d).ok()) else {
        tracing::debug!("unrecognised callback data");
        return Ok(Answer::Expired);
    };
    let Some(ctx) = Ctx::for_press(bot, client, update, query) else {
        return Ok(Answer::Expired);
    };
    let (state, notice) = ctx.load().await?;
    if ctx.conversation.already_applied() {
        // Its screen is on display since its first handling.
        return Ok(Answer::Silent);
    }
    route(&ctx, callback, state, notice).await
}

async fn route(
    ctx: &Ctx,
    callback: Callback,
    state: State,
    notice: Option<Notice>,
) -> Result<Answer, HandlerError> {
    match callback {
        Callback::Menu(item) => {
            open(ctx, item).await?;
            Ok(notice.map_or(Answer::Silent, |n| Answer::Notice(notice_text(&ctx.t(), n))))
        }
        Callback::Attend(id) => manage::attend(ctx, id).await,
        // A new "My bookings" conversation, asking under the reminder.
        Callback::CancelFromReminder(id) => manage::cancel_from_reminder(ctx, id).await,
        Callback::SaveDetails(id) => records::save_details(ctx, id).await,
        Callback::Flow { .. } if notice.is_some() => {
            menu::show_main(ctx, notice).await?;
            Ok(Answer::Expired)
        }
        Callback::Flow { flow, .. } if state.flow() != Some(flow) => Ok(Answer::Expired),
        Callback::Flow { flow, action } => match state {
            State::Booking { step, .. } => booking::on_action(ctx, flow, step, action).await,
            State::Bookings { step, .. } => manage::on_action(ctx, flow, step, action).await,
            State::About { step, .. } => about::on_action(ctx, flow, step, action).await,
            State::Idle => Ok(Answer::Expired),
        },
    }
}

/// Opens a main-menu entry; valid from any state, it starts a new flow.
async fn open(ctx: &Ctx, item: MenuItem) -> Result<(), HandlerError> {
    match item {
        MenuItem::Main => menu::show_main(ctx, None).await,
        MenuItem::Book => booking::start(ctx).await,
        MenuItem::MyBookings => manage::start(ctx).await,
        MenuItem::About => about::start(ctx).await,
    }
}
