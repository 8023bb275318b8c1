//! "About": the business's address, contacts and opening hours, and the
//! customer's own data: what is stored, and erasing it after a confirmation
//! (upcoming bookings are cancelled first, with the usual notices to staff).

use booking_domain::StaffMember;
use booking_ports::Erasure;
use booking_ports::engine::Forgotten;

use super::callback::{FlowAction, FlowId};
use super::ctx::{Answer, Ctx};
use super::menu;
use super::state::{AboutStep, State};
use crate::error::HandlerError;
use crate::ui::client::about::{self as screen, MyDataView};

fn state(flow: FlowId, step: AboutStep) -> State {
    State::About { flow, step }
}

/// Opens "About".
pub(crate) async fn start(ctx: &Ctx) -> Result<(), HandlerError> {
    show_about(ctx, ctx.new_flow()).await
}

/// A pressed button in "About".
pub(crate) async fn on_action(
    ctx: &Ctx,
    flow: FlowId,
    step: AboutStep,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match (step, action) {
        (AboutStep::About, FlowAction::Back) => menu::show_main(ctx, None).await?,
        (AboutStep::About, FlowAction::MyData) => show_my_data(ctx, flow).await?,
        (AboutStep::MyData, FlowAction::Back) => show_about(ctx, flow).await?,
        (AboutStep::MyData, FlowAction::Erase) => ask_erase(ctx, flow).await?,
        (AboutStep::ConfirmErase, FlowAction::Back) => show_my_data(ctx, flow).await?,
        (AboutStep::ConfirmErase, FlowAction::ConfirmErase) => erase(ctx).await?,
        _ => return Ok(Answer::Expired),
    }
    Ok(Answer::Silent)
}

async fn show_about(ctx: &Ctx, flow: FlowId) -> Result<(), HandlerError> {
    let offers = ctx
        .engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))?;
    // Everyone who performs a bookable service, once.
    let mut staff: Vec<StaffMember> = Vec::new();
    for member in offers.into_iter().flat_map(|o| o.performers) {
        if !staff.iter().any(|m| m.id() == member.id()) {
            staff.push(member);
        }
    }
    let screen = screen::about(&ctx.t(), flow, &ctx.business, &staff);
    ctx.go(&state(flow, AboutStep::About), &screen).await
}

/// How many of the customer's bookings are upcoming and active.
async fn upcoming_count(ctx: &Ctx) -> Result<usize, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(0);
    };
    Ok(ctx
        .engine
        .my_bookings(customer)
        .await
        .map_err(|e| HandlerError::engine("list a customer's bookings", e))?
        .len())
}

async fn show_my_data(ctx: &Ctx, flow: FlowId) -> Result<(), HandlerError> {
    let (profile, bookings) = match ctx.customer().await? {
        Some(customer) => (
            ctx.engine
                .profile(customer)
                .await
                .map_err(|e| HandlerError::engine("read a customer's data", e))?,
            ctx.engine
                .my_stored_bookings(customer)
                .await
                .map_err(|e| HandlerError::engine("list a customer's stored bookings", e))?,
        ),
        // Never booked: nothing is stored about them.
        None => (None, Vec::new()),
    };
    let view = MyDataView {
        profile: profile.as_ref(),
        has_data: profile.is_some() || !bookings.is_empty(),
        upcoming: upcoming_count(ctx).await?,
        bookings: &bookings,
        tz: ctx.tz(),
    };
    let screen = screen::my_data(&ctx.t(), flow, &view);
    ctx.go(&state(flow, AboutStep::MyData), &screen).await
}

async fn ask_erase(ctx: &Ctx, flow: FlowId) -> Result<(), HandlerError> {
    let screen = screen::ask_erase(&ctx.t(), flow, upcoming_count(ctx).await?);
    ctx.go(&state(flow, AboutStep::ConfirmErase), &screen).await
}

async fn erase(ctx: &Ctx) -> Result<(), HandlerError> {
    let forgotten = match ctx.customer().await? {
        Some(customer) => ctx
            .engine
            .forget_me(customer)
            .await
            .map_err(|e| HandlerError::engine("erase a customer's data", e))?,
        // Never booked: nothing to erase.
        None => Forgotten {
            cancelled: Vec::new(),
            erasure: Erasure::default(),
        },
    };
    tracing::info!(
        cancelled = forgotten.cancelled.len(),
        anonymised = forgotten.erasure.bookings_anonymised,
        "customer data erased on request"
    );
    let screen = screen::erased(&ctx.t(), forgotten.cancelled.len());
    ctx.go(&State::Idle, &screen).await
}
