//! `/block`: time off for one staff member or everyone, then the bookings
//! it collides with (which still stand until staff choose to cancel them).

use booking_domain::{CancelReason, Interval, TimeOffSpec};
use booking_ports::engine::{BlockPeriodError, Period};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};

use super::commands::BlockRequest;
use super::ctx::Ctx;
use super::steps::offer_to_cancel;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::catalog::unknown_staff;
use crate::ui::admin::schedule::blocked;

/// The instants `request` names: from its first day's start hour to its
/// last day's end hour, or whole local days.
fn period_of(ctx: &Ctx, request: &BlockRequest) -> Option<Interval> {
    let tz = ctx.tz();
    let local = |day: NaiveDate, time: NaiveTime| {
        tz.from_local_datetime(&day.and_time(time))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    match request.hours {
        Some((from, to)) => local(request.first, from)
            .zip(local(request.last, to))
            .and_then(|(a, b)| Interval::new(a, b)),
        None => Period::new(request.first, request.last)
            .ok()
            .and_then(|p| p.interval(&ctx.policy)),
    }
}

/// `/block`.
pub(super) async fn block(ctx: Ctx, request: BlockRequest) -> Result<(), HandlerError> {
    let period = period_of(&ctx, &request);
    let Ok(reason) = request.reason.as_deref().map(CancelReason::new).transpose() else {
        return ctx.say_text(Msg::AdminReasonInvalid).await;
    };
    let Some(period) = period else {
        return ctx.say_text(Msg::AdminBlockInvalid).await;
    };
    let spec = TimeOffSpec {
        staff: request.staff,
        period,
        reason,
    };
    let done = match ctx.engine.block_period(&ctx.actor, spec).await {
        Ok(done) => done,
        Err(BlockPeriodError::Invalid(_)) => return ctx.say_text(Msg::AdminBlockInvalid).await,
        Err(BlockPeriodError::UnknownStaff { id }) => {
            return ctx.say(&unknown_staff(&ctx.t(), id)).await;
        }
        Err(BlockPeriodError::Store(e)) => return Err(HandlerError::engine("block a period", e)),
    };
    let text = blocked(
        &ctx.t(),
        ctx.tz(),
        period,
        request.staff,
        done.time_off.id(),
    );
    offer_to_cancel(&ctx, text, &done.colliding).await
}
