//! "Save as my details": a booking made for other details than the
//! account's record (a new phone, or someone else's name) never changes the
//! record by itself; the confirmation offers this button, and only the
//! press saves the booking's name and phone as the customer's own.
//!
//! The button names a booking and authorises nothing: the engine saves
//! only a booking the presser holds; any other is answered as expired.
//!
//! A contact shared outside the booking's phone step (the Mini App's
//! contact request makes Telegram send one to the bot) becomes the record's
//! phone, so the page can fill it in.

use booking_domain::BookingId;
use booking_ports::engine::{
    ContactSaved, ShareContactError, SharedContact, UpdateDetailsError, details_differ,
};
use booking_ports::{BookingDetails, Language as ProfileLanguage};
use teloxide::types::Message;

use super::ctx::{Answer, Ctx};
use super::details::{NotOwn, shared_contact};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Screen;
use crate::ui::client::booking as booking_screen;

/// Whether the confirmation of `booked` offers to save its details: they
/// differ from the account's record.
pub(crate) async fn offers_to_save(
    ctx: &Ctx,
    booked: &BookingDetails,
) -> Result<bool, HandlerError> {
    let Some(booked_for) = booked.booking.booked_for() else {
        return Ok(false);
    };
    let record = ctx
        .engine
        .account(ctx.account)
        .await
        .map_err(|e| HandlerError::engine("read the account's record", e))?;
    Ok(record.is_some_and(|record| details_differ(&record, booked_for)))
}

/// The "Save as my details" button.
pub(crate) async fn save_details(ctx: &Ctx, booking: BookingId) -> Result<Answer, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(Answer::Expired);
    };
    let t = ctx.t();
    match ctx
        .engine
        .save_booking_details_as_mine(customer, booking)
        .await
    {
        Ok(record) => {
            let phone = record.phone.as_ref().map_or("—", |p| p.expose());
            Ok(Answer::Notice(t.with(
                Msg::SaveDetailsDone,
                &[
                    ("name", record.name.expose().into()),
                    ("phone", phone.into()),
                ],
            )))
        }
        Err(UpdateDetailsError::PhoneTaken) => {
            Ok(Answer::Notice(t.get(Msg::SaveDetailsPhoneTaken)))
        }
        // The booking's details were valid when it was made; a booking that
        // is not theirs, or gone, is an expired button.
        Err(
            UpdateDetailsError::NotFound
            | UpdateDetailsError::InvalidName(_)
            | UpdateDetailsError::InvalidPhone(_),
        ) => Ok(Answer::Expired),
        Err(UpdateDetailsError::Store(e)) => {
            Err(HandlerError::engine("save a customer's details", e))
        }
    }
}

/// A contact outside the booking's phone step: the sender's own number is
/// kept on their record; the conversation stays where it was.
pub(crate) async fn on_contact(ctx: Ctx, message: Message) -> Result<(), HandlerError> {
    let t = ctx.t();
    let contact = match shared_contact(&message) {
        Some(Ok(contact)) => contact,
        Some(Err(NotOwn)) => return ctx.show(&Screen::text(t.get(Msg::PhoneNotOwn))).await,
        None => return Ok(()),
    };
    let name = match &contact.last_name {
        Some(last) => format!("{} {last}", contact.first_name),
        None => contact.first_name.clone(),
    };
    let shared = SharedContact {
        phone: contact.phone_number.clone(),
        name,
        language: ctx
            .user
            .language_code
            .as_deref()
            .and_then(|tag| ProfileLanguage::new(tag).ok()),
    };
    let text = match ctx.engine.save_shared_contact(ctx.account, shared).await {
        Ok(saved) => {
            let phone = saved.record().phone.as_ref().map_or("—", |p| p.expose());
            let message = match saved {
                ContactSaved::Linked(_) => Msg::ContactLinked,
                ContactSaved::NewRecord(_) | ContactSaved::PhoneSet(_) => Msg::ContactSaved,
            };
            t.with(message, &[("phone", phone.into())])
        }
        Err(ShareContactError::PhoneTaken) => t.get(Msg::SaveDetailsPhoneTaken),
        Err(ShareContactError::InvalidPhone(e)) => booking_screen::phone_refusal(&t, &e),
        Err(ShareContactError::InvalidName(_)) => t.get(Msg::ContactNameInvalid),
        Err(ShareContactError::Store(e)) => {
            return Err(HandlerError::engine("save a shared contact", e));
        }
    };
    ctx.show(&Screen::text(text)).await
}
