//! `/block`: time off for one staff member or everyone, then the bookings
//! it collides with (which still stand until staff choose to cancel them);
//! `/blocks` and its remove buttons.
//!
//! `/block` has three forms: whole days (`2030-06-04` or a range), hours of
//! one day, and hours of each day of a range. The hours are wall-clock
//! hours, which the engine turns into instants day by day, so a range
//! across a change of the clocks blocks the same hours on both sides.

use booking_domain::{CancelReason, LocalTimeRange, TimeOffId, TimeOffSpec};
use booking_ports::engine::{
    BlockPeriodError, BlockedDays, DailyBlockSpec, Period, UnblockPeriodError,
};

use super::commands::BlockRequest;
use super::ctx::{Ctx, Notice};
use super::steps::offer_to_cancel;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::blocks::{BlockList, DailyBlocked, block_list, blocked_daily};
use crate::ui::admin::catalog::unknown_staff;
use crate::ui::admin::schedule::blocked;

/// `/block`.
pub(super) async fn block(ctx: Ctx, request: BlockRequest) -> Result<(), HandlerError> {
    let Ok(reason) = request.reason.as_deref().map(CancelReason::new).transpose() else {
        return ctx.say_text(Msg::AdminReasonInvalid).await;
    };
    let Ok(days) = Period::new(request.first, request.last) else {
        return ctx.say_text(Msg::AdminBlockInvalid).await;
    };
    match request.hours {
        Some(hours) => block_hours(&ctx, &request, days, hours, reason).await,
        None => block_days(&ctx, &request, days, reason).await,
    }
}

/// Whole local days, as one period.
async fn block_days(
    ctx: &Ctx,
    request: &BlockRequest,
    days: Period,
    reason: Option<CancelReason>,
) -> Result<(), HandlerError> {
    let Some(period) = days.interval(&ctx.policy) else {
        return ctx.say_text(Msg::AdminBlockInvalid).await;
    };
    let spec = TimeOffSpec {
        staff: request.staff,
        period,
        reason,
    };
    let done = match ctx.engine.block_period(&ctx.actor, spec).await {
        Ok(done) => done,
        Err(error) => return refused(ctx, error).await,
    };
    let text = blocked(
        &ctx.t(),
        ctx.tz(),
        period,
        request.staff,
        done.time_off.id(),
    );
    offer_to_cancel(ctx, text, &done.colliding).await
}

/// The same hours on each day of `days`.
async fn block_hours(
    ctx: &Ctx,
    request: &BlockRequest,
    days: Period,
    hours: LocalTimeRange,
    reason: Option<CancelReason>,
) -> Result<(), HandlerError> {
    let spec = DailyBlockSpec {
        staff: request.staff,
        days,
        hours,
        reason,
    };
    let BlockedDays {
        time_off,
        colliding,
    } = match ctx.engine.block_hours_daily(&ctx.actor, spec).await {
        Ok(done) => done,
        Err(error) => return refused(ctx, error).await,
    };
    let t = ctx.t();
    let text = match time_off.as_slice() {
        [one] => blocked(&t, ctx.tz(), one.period(), request.staff, one.id()),
        many => blocked_daily(
            &t,
            &DailyBlocked {
                hours,
                days,
                staff: request.staff,
                blocks: many.len(),
            },
        ),
    };
    offer_to_cancel(ctx, text, &colliding).await
}

async fn refused(ctx: &Ctx, error: BlockPeriodError) -> Result<(), HandlerError> {
    match error {
        BlockPeriodError::Invalid(_) => ctx.say_text(Msg::AdminBlockInvalid).await,
        BlockPeriodError::NoSuchHours => ctx.say_text(Msg::AdminBlockNoSuchHours).await,
        BlockPeriodError::UnknownStaff { id } => ctx.say(&unknown_staff(&ctx.t(), id)).await,
        BlockPeriodError::Forbidden(refusal) => Err(refusal.into()),
        BlockPeriodError::Store(e) => Err(HandlerError::engine("block a period", e)),
    }
}

/// `/blocks`.
pub(super) async fn blocks(ctx: Ctx) -> Result<(), HandlerError> {
    show_blocks(&ctx, None).await
}

/// The upcoming blocks with a remove button each, under `notice`.
async fn show_blocks(ctx: &Ctx, notice: Option<String>) -> Result<(), HandlerError> {
    let blocks = ctx
        .engine
        .upcoming_blocks(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list blocked periods", e))?;
    let members = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))?;
    let list = BlockList {
        tz: ctx.tz(),
        blocks: &blocks,
        members: &members,
        notice,
    };
    ctx.show(&block_list(&ctx.t(), &list)).await
}

/// A remove button. The id comes from the client: the engine decides
/// whether such a block exists; a stale or forged one is answered as gone.
pub(super) async fn unblock(ctx: &Ctx, id: TimeOffId) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    let id_arg = [("id", id.get().into())];
    match ctx.engine.unblock_period(&ctx.actor, id).await {
        Ok(()) => {
            let done = t.with(Msg::AdminUnblocked, &id_arg);
            show_blocks(ctx, Some(done.clone())).await?;
            Ok(Some(done))
        }
        Err(UnblockPeriodError::NotFound) => {
            let gone = t.with(Msg::AdminUnblockGone, &id_arg);
            show_blocks(ctx, Some(gone.clone())).await?;
            Ok(Some(gone))
        }
        Err(UnblockPeriodError::Forbidden(refusal)) => Err(refusal.into()),
        Err(UnblockPeriodError::Store(e)) => Err(HandlerError::engine("remove a block", e)),
    }
}
