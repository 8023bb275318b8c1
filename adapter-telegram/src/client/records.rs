//! "Save as my details": a booking made for other details than the
//! account's record (a new phone, or someone else's name) never changes the
//! record by itself; the confirmation offers this button, and only the
//! press saves the booking's name and phone as the customer's own.
//!
//! The button names a booking and authorises nothing: the engine saves
//! only a booking the presser holds; any other is answered as expired.

use booking_domain::BookingId;
use booking_ports::BookingDetails;
use booking_ports::engine::{UpdateDetailsError, details_differ};

use super::ctx::{Answer, Ctx};
use crate::error::HandlerError;
use crate::i18n::Msg;

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
