//! Customer cards: `/customer <phone or part of a name>`, a customer's
//! card, staff's notes (the next text replaces them) and erasing a
//! customer's data on their request, after a confirmation. Screens are in
//! [`crate::ui::admin::customer`].
//!
//! Button data names a customer and authorises nothing: the gate admitted
//! the presser, and a customer that no longer exists (erased meanwhile, or
//! a forged id) is answered "no such customer" and changes nothing.

use booking_domain::{CustomerId, CustomerNotes};
use booking_ports::engine::{CustomerCard, EraseCustomerError, FindCustomerError, StaffErasure};

use super::ctx::{Ctx, Notice};
use super::state::AdminState;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::customer as screen;

/// `/customer <query>`: the matching customers, a button each.
pub(super) async fn find(ctx: Ctx, query: String) -> Result<(), HandlerError> {
    let found = ctx
        .engine
        .find_customers(&ctx.actor, &query)
        .await
        .map_err(|e| HandlerError::engine("find customers", e))?;
    ctx.say(&screen::found(&ctx.t(), &query, &found)).await
}

/// Customer `id`'s card, or `None` when there is no such customer.
async fn read_card(ctx: &Ctx, id: CustomerId) -> Result<Option<CustomerCard>, HandlerError> {
    match ctx.engine.customer_card(&ctx.actor, id).await {
        Ok(card) => Ok(Some(card)),
        Err(FindCustomerError::NotFound) => Ok(None),
        Err(FindCustomerError::Forbidden(refusal)) => Err(refusal.into()),
        Err(FindCustomerError::Store(e)) => Err(HandlerError::engine("read a customer card", e)),
    }
}

fn gone(ctx: &Ctx) -> Notice {
    Some(ctx.t().get(Msg::AdminCustomerGone))
}

/// Customer `id`'s card at [`Ctx::place`], under `notice` when given.
pub(super) async fn show_card(
    ctx: &Ctx,
    id: CustomerId,
    notice: Option<String>,
) -> Result<Notice, HandlerError> {
    let Some(card) = read_card(ctx, id).await? else {
        return Ok(gone(ctx));
    };
    // The catalog's staff, for the names in the visits' history.
    let staff = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("read the staff", e))?;
    ctx.show(&screen::card(&ctx.t(), ctx.tz(), &card, &staff, notice))
        .await?;
    Ok(None)
}

/// The notes button: waits for the notes (see `steps`).
pub(super) async fn ask_notes(ctx: &Ctx, id: CustomerId) -> Result<Notice, HandlerError> {
    let Some(card) = read_card(ctx, id).await? else {
        return Ok(gone(ctx));
    };
    ctx.save(&AdminState::CustomerNotes { customer: id.get() })
        .await?;
    ctx.say(&screen::ask_notes(&ctx.t(), &card.profile)).await?;
    Ok(None)
}

/// The text typed in the notes step: the new notes ("-" clears them), or
/// `None` for `/skip`, which keeps them.
pub(super) async fn notes_typed(
    ctx: &Ctx,
    customer: i64,
    reply: Option<&str>,
) -> Result<(), HandlerError> {
    let notes = match reply.map(|text| match text.trim() {
        "-" => Ok(CustomerNotes::default()),
        text => CustomerNotes::new(text),
    }) {
        // The step stays, so they can send them again.
        Some(Err(refusal)) => return ctx.say(&screen::notes_refused(&ctx.t(), &refusal)).await,
        Some(Ok(notes)) => Some(notes),
        None => None,
    };
    ctx.save(&AdminState::Idle).await?;
    let Ok(id) = CustomerId::new(customer) else {
        return Ok(());
    };
    let done = match notes {
        Some(notes) => match ctx.engine.set_customer_notes(&ctx.actor, id, notes).await {
            Ok(()) => Msg::AdminCustomerNotesSaved,
            Err(FindCustomerError::NotFound) => return ctx.say_text(Msg::AdminCustomerGone).await,
            Err(FindCustomerError::Forbidden(refusal)) => return Err(refusal.into()),
            Err(FindCustomerError::Store(e)) => {
                return Err(HandlerError::engine("save a customer's notes", e));
            }
        },
        None => Msg::AdminCustomerNotesKept,
    };
    if let Some(notice) = show_card(ctx, id, Some(ctx.t().get(done))).await? {
        ctx.say(&crate::telegram::Screen::text(notice)).await?;
    }
    Ok(())
}

/// The erase button: what goes and what stays, and a button to confirm.
pub(super) async fn ask_erase(ctx: &Ctx, id: CustomerId) -> Result<Notice, HandlerError> {
    let Some(card) = read_card(ctx, id).await? else {
        return Ok(gone(ctx));
    };
    ctx.show(&screen::ask_erase(&ctx.t(), &card)).await?;
    Ok(None)
}

/// The confirmed erase: cancels the upcoming bookings with a message to the
/// customer, then (at once, or at the next press when the message still has
/// to go out) erases.
pub(super) async fn erase(ctx: &Ctx, id: CustomerId) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    match ctx.engine.erase_customer(&ctx.actor, id).await {
        Ok(StaffErasure::CustomerBeingTold { cancelled }) => {
            tracing::info!(
                customer = id.get(),
                cancelled = cancelled.len(),
                "customer's bookings cancelled before erasure"
            );
            ctx.show(&screen::being_told(&t, id, cancelled.len()))
                .await?;
            Ok(None)
        }
        Ok(StaffErasure::Erased { cancelled, erasure }) => {
            tracing::info!(
                customer = id.get(),
                cancelled = cancelled.len(),
                anonymised = erasure.bookings_anonymised,
                "customer data erased by staff on request"
            );
            ctx.show(&screen::erased(&t, erasure.bookings_anonymised))
                .await?;
            Ok(None)
        }
        Err(EraseCustomerError::NotFound) => Ok(gone(ctx)),
        Err(EraseCustomerError::StillChanging) => Ok(Some(t.get(Msg::AdminCustomerStillChanging))),
        Err(EraseCustomerError::Forbidden(refusal)) => Err(refusal.into()),
        Err(EraseCustomerError::Store(e)) => Err(HandlerError::engine("erase a customer", e)),
    }
}
