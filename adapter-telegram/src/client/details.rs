//! What a customer types in the booking flow: their name, their phone
//! (typed, or their own contact shared), and a comment. Each is parsed by
//! the domain's constructor; a refusal says what is wrong and keeps the
//! step, an accepted value moves to the next step as a new message at the
//! bottom of the chat.

use booking_domain::{Comment, CustomerName, PhoneNumber};
use teloxide::types::{Contact, Message};

use super::booking;
use super::callback::FlowId;
use super::ctx::Ctx;
use super::menu;
use super::state::{BookingStep, Details, Slot};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Screen;
use crate::ui::client::booking as screen;

/// A message during the booking flow, routed by its step.
pub(crate) async fn on_message(
    ctx: Ctx,
    message: Message,
    (flow, step): (FlowId, BookingStep),
) -> Result<(), HandlerError> {
    match step {
        BookingStep::Name { slot, .. } => on_name(&ctx, flow, slot, &message).await,
        BookingStep::Phone { slot, name } => on_phone(&ctx, flow, slot, name, &message).await,
        BookingStep::Comment { slot, name, phone } => {
            on_comment(&ctx, flow, slot, (name, phone), &message).await
        }
        // Steps with buttons only.
        _ => menu::show_hint(&ctx, None).await,
    }
}

/// Says what is wrong with what was typed; the step stays.
async fn refuse(ctx: &Ctx, text: String) -> Result<(), HandlerError> {
    ctx.show(&Screen::text(text)).await
}

async fn on_name(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    message: &Message,
) -> Result<(), HandlerError> {
    let t = ctx.t();
    let Some(text) = message.text() else {
        return refuse(ctx, t.get(Msg::BookAskNamePlain)).await;
    };
    if ctx.locales.is_button_label(text) {
        return refuse(ctx, screen::name_is_button(&t, text)).await;
    }
    match CustomerName::new(text) {
        Ok(name) => booking::show_phone(ctx, flow, slot, name.expose().to_owned()).await,
        Err(e) => refuse(ctx, screen::name_refusal(&t, &e)).await,
    }
}

/// What the phone step received.
enum PhoneReply {
    /// A number, typed or from the customer's own contact.
    Number(String),
    /// Someone else's contact card: anyone can forward one, and it must
    /// not become their booking phone.
    NotOwn,
    /// The Back or Cancel text button of the step's reply keyboard.
    Back,
    Cancel,
    /// Neither text nor a contact.
    Nothing,
}

/// The contact `message` carries, if any: `Err` when it is not the
/// sender's own (Telegram names the sender's account on a contact only for
/// the sender's own number; anyone can forward someone else's card).
pub(super) fn shared_contact(message: &Message) -> Option<Result<&Contact, NotOwn>> {
    let contact = message.contact()?;
    let own = message
        .from
        .as_ref()
        .is_some_and(|from| contact.user_id == Some(from.id));
    Some(if own { Ok(contact) } else { Err(NotOwn) })
}

/// A contact card that is not the sender's own.
pub(super) struct NotOwn;

fn phone_reply(ctx: &Ctx, message: &Message) -> PhoneReply {
    match shared_contact(message) {
        Some(Err(NotOwn)) => return PhoneReply::NotOwn,
        Some(Ok(contact)) => {
            // Telegram sends contact numbers in international form without
            // the plus.
            let raw = contact.phone_number.trim();
            return PhoneReply::Number(if raw.starts_with('+') {
                raw.to_owned()
            } else {
                format!("+{raw}")
            });
        }
        None => {}
    }
    match message.text() {
        Some(text) if ctx.locales.matches_button(text, Msg::BtnBack) => PhoneReply::Back,
        Some(text) if ctx.locales.matches_button(text, Msg::BtnCancel) => PhoneReply::Cancel,
        Some(text) => PhoneReply::Number(text.to_owned()),
        None => PhoneReply::Nothing,
    }
}

async fn on_phone(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    name: String,
    message: &Message,
) -> Result<(), HandlerError> {
    let t = ctx.t();
    let typed = match phone_reply(ctx, message) {
        PhoneReply::Number(typed) => typed,
        PhoneReply::NotOwn => return refuse(ctx, t.get(Msg::PhoneNotOwn)).await,
        PhoneReply::Nothing => return refuse(ctx, t.get(Msg::PhoneEmpty)).await,
        PhoneReply::Back => {
            ctx.hide_reply_keyboard().await?;
            return booking::show_name(ctx, flow, slot).await;
        }
        PhoneReply::Cancel => {
            ctx.hide_reply_keyboard().await?;
            return booking::cancel(ctx).await;
        }
    };
    match PhoneNumber::parse(&typed, ctx.policy.phone_region()) {
        Ok(phone) => {
            ctx.show(&screen::phone_saved(&t, phone.expose())).await?;
            let phone = phone.expose().to_owned();
            booking::show_comment(ctx, flow, slot, name, phone).await
        }
        Err(e) => refuse(ctx, screen::phone_refusal(&t, &e)).await,
    }
}

async fn on_comment(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    (name, phone): (String, String),
    message: &Message,
) -> Result<(), HandlerError> {
    let t = ctx.t();
    let Some(text) = message.text() else {
        return refuse(ctx, t.get(Msg::CommentEmpty)).await;
    };
    let Some(offer) = booking::offered(ctx, slot.service).await? else {
        return Ok(());
    };
    let comment = if ctx.locales.matches_button(text, Msg::BtnSkipComment) {
        None
    } else {
        match Comment::new(text) {
            Ok(comment) => Some(comment.expose().to_owned()),
            Err(e) => return refuse(ctx, screen::comment_refusal(&t, &e)).await,
        }
    };
    let details = Details {
        name,
        phone,
        comment,
    };
    booking::show_summary(ctx, flow, &offer, slot, details).await
}
