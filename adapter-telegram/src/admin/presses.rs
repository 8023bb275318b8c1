//! Button presses: the gate, then the strictly parsed [`AdminCallback`],
//! then one endpoint per button. Every press is answered, with a short
//! notice when the endpoint returns one, with "this button has expired"
//! for data the bot did not send, and with an apology when handling
//! failed; a stranger's press is answered with nothing at all.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{MaybeInaccessibleMessage, UpdateId};

use super::access::Gate;
use super::callback::AdminCallback;
use super::commands::DayQuery;
use super::ctx::{Ctx, Notice, Visitor, refusal_text};
use super::sign_in::gate;
use super::{AdminBot, block, bookings, customers, desk, moving, steps, week};
use crate::error::HandlerError;
use crate::i18n::{Msg, Text};
use crate::telegram::{self, Place};
use crate::ui::admin::sign_in::{locked_out, paused};

/// The endpoint of every button press.
pub(super) async fn on_press(
    bot: Bot,
    update: Update,
    query: CallbackQuery,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let visitor = Visitor::of(&query.from, &admin.locales);
    let language = visitor.map_or_else(
        || {
            admin
                .locales
                .language_for(query.from.language_code.as_deref())
        },
        |v| v.language,
    );
    let t = admin.locales.text(language);
    let outcome = match visitor {
        Some(visitor) => admit(&bot, (&query, update.id), visitor, &admin, t).await,
        None => Ok(None),
    };
    // A refusal by role is the press's answer, not a failure.
    let outcome = match outcome {
        Err(HandlerError::Forbidden(refusal)) => Ok(Some(refusal_text(&t, refusal))),
        other => other,
    };
    let notice = match &outcome {
        Ok(notice) => notice.clone(),
        Err(_) => Some(t.get(Msg::UnexpectedError)),
    };
    let answered = telegram::answer(&bot, &query, notice).await;
    outcome?;
    answered?;
    Ok(())
}

/// The chat of the pressed message and where its screen goes; `None`
/// outside a private chat, where staff data never goes.
fn place_of(query: &CallbackQuery) -> Option<(ChatId, Place)> {
    match &query.message {
        Some(MaybeInaccessibleMessage::Regular(m)) if m.chat.is_private() => {
            Some((m.chat.id, Place::Edit(m.id)))
        }
        Some(MaybeInaccessibleMessage::Inaccessible(m)) if m.chat.is_private() => {
            Some((m.chat.id, Place::New))
        }
        _ => None,
    }
}

/// The gate, then the press.
async fn admit(
    bot: &Bot,
    (query, update): (&CallbackQuery, UpdateId),
    visitor: Visitor,
    admin: &Arc<AdminBot>,
    t: Text<'_>,
) -> Result<Notice, HandlerError> {
    match gate(visitor, Arc::clone(admin)).await? {
        Gate::Admitted => {}
        Gate::Refused { .. } => return Ok(None),
        Gate::NeedsPin => return Ok(Some(t.get(Msg::AdminAskPin))),
        Gate::LockedOut { until } => {
            let tz = admin.engine.policy().time_zone();
            return Ok(Some(locked_out(&t, tz, until)));
        }
        // Not this person's lockout: everyone's PIN checks are paused.
        Gate::Paused { until } => {
            let tz = admin.engine.policy().time_zone();
            return Ok(Some(paused(&t, tz, until).text));
        }
    }
    let expired = || Ok(Some(t.get(Msg::ButtonExpired)));
    let Some(place) = place_of(query) else {
        return expired();
    };
    let Some(press) = query
        .data
        .as_deref()
        .and_then(|d| AdminCallback::parse(d).ok())
    else {
        return expired();
    };
    let ctx = Ctx::new(bot.clone(), place, (visitor, update), admin);
    if ctx.already_applied().await? {
        // Its screens are on display since its first handling.
        return Ok(None);
    }
    let outcome = route(&ctx, press).await;
    ctx.end_update(outcome).await
}

/// One endpoint per button.
async fn route(ctx: &Ctx, press: AdminCallback) -> Result<Notice, HandlerError> {
    match press {
        AdminCallback::Day { day, staff, page } => {
            bookings::show_day(ctx, DayQuery { day, staff }, page).await?;
            Ok(None)
        }
        AdminCallback::Week { first, staff } => {
            week::show_week(ctx, first, staff).await?;
            Ok(None)
        }
        AdminCallback::Unblock(id) => block::unblock(ctx, id).await,
        AdminCallback::Booking(id) => bookings::show_card(ctx, id, None).await,
        AdminCallback::Confirm(id, v) => bookings::confirm(ctx, id, v).await,
        AdminCallback::Cancel(id, v) => bookings::ask_reason(ctx, id, v).await,
        AdminCallback::Complete(id, v) => bookings::complete(ctx, id, v).await,
        AdminCallback::NoShow(id, v) => bookings::no_show(ctx, id, v).await,
        AdminCallback::Move(id, v) => moving::start(ctx, id, v).await,
        AdminCallback::MoveWith(id, v, staff) => moving::days(ctx, id, v, staff).await,
        AdminCallback::MoveDay(id, v, day) => moving::times(ctx, id, v, day).await,
        AdminCallback::MoveTo(id, v, start) => moving::to(ctx, id, v, start).await,
        AdminCallback::CancelColliding => steps::ask_for_message(ctx).await,
        AdminCallback::Customer(id) => customers::show_card(ctx, id, None).await,
        AdminCallback::CustomerNotes(id) => customers::ask_notes(ctx, id).await,
        AdminCallback::EraseCustomer(id) => customers::ask_erase(ctx, id).await,
        AdminCallback::EraseCustomerConfirmed(id) => customers::erase(ctx, id).await,
        AdminCallback::BookFor(customer) => desk::book_for(ctx, customer).await,
        AdminCallback::BookFree { staff, start } => desk::book_free(ctx, staff, start).await,
        AdminCallback::BookService(_)
        | AdminCallback::BookStaff(_)
        | AdminCallback::BookDays(_)
        | AdminCallback::BookDay(_)
        | AdminCallback::BookTime(_) => desk::choose(ctx, press).await,
        AdminCallback::BookConfirm => desk::confirm(ctx).await,
    }
}
