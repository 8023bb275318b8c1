//! `/week [staff]` and its buttons: seven days at a glance from today, a
//! button per day to its day view, and the neighbouring weeks.

use booking_domain::StaffId;
use booking_ports::engine::WeekError;
use chrono::NaiveDate;

use super::ctx::Ctx;
use crate::error::HandlerError;
use crate::ui::admin::catalog::unknown_staff;
use crate::ui::admin::week::{WeekView, week as week_screen};

/// `/week`.
pub(super) async fn week(ctx: Ctx, staff: Option<StaffId>) -> Result<(), HandlerError> {
    show_week(&ctx, ctx.today(), staff).await
}

/// The week from `first` for `staff` (`None`: everyone).
pub(super) async fn show_week(
    ctx: &Ctx,
    first: NaiveDate,
    staff: Option<StaffId>,
) -> Result<(), HandlerError> {
    // A staff member's "everyone" is themselves: the screen says so.
    let staff = ctx.actor.scope(staff)?;
    let week = match ctx.engine.week(&ctx.actor, first, staff).await {
        Ok(week) => week,
        Err(WeekError::UnknownStaff { id }) => return ctx.say(&unknown_staff(&ctx.t(), id)).await,
        Err(WeekError::Forbidden(refusal)) => return Err(refusal.into()),
        Err(WeekError::Store(e)) => return Err(HandlerError::engine("read a week", e)),
    };
    let members = ctx.schedule_members(
        ctx.engine
            .all_staff(&ctx.actor)
            .await
            .map_err(|e| HandlerError::engine("list staff", e))?,
    );
    let view = WeekView {
        week: &week,
        staff,
        tz: ctx.tz(),
        members: &members,
    };
    ctx.show(&week_screen(&ctx.t(), &view)).await
}
