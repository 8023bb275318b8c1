//! `/stats` and `/export`: the figures of a period, and its bookings as a
//! CSV document (see [`super::export`]).

use booking_ports::engine::Period;
use chrono::{Datelike, Duration, NaiveDate};
use teloxide::payloads::SendDocumentSetters;
use teloxide::prelude::*;
use teloxide::types::InputFile;

use super::commands::PeriodSpec;
use super::ctx::Ctx;
use super::export::{ExportError, write_csv};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram;
use crate::ui::admin::reports::{export_caption, statistics};

/// The days `spec` names, as of today; `None` when reversed or too long.
fn resolve(today: NaiveDate, spec: PeriodSpec) -> Option<Period> {
    match spec {
        PeriodSpec::Today => Some(Period::day(today)),
        PeriodSpec::Week => {
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            Period::new(monday, monday + Duration::days(6)).ok()
        }
        PeriodSpec::Month => {
            let first = today.with_day(1)?;
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
            };
            Period::new(first, next.pred_opt()?).ok()
        }
        PeriodSpec::Range(a, b) => Period::new(a, b).ok(),
    }
}

/// `/stats`.
pub(super) async fn stats(ctx: Ctx, spec: PeriodSpec) -> Result<(), HandlerError> {
    let Some(period) = resolve(ctx.today(), spec) else {
        return ctx.say_text(Msg::AdminPeriodInvalid).await;
    };
    let stats = ctx
        .engine
        .statistics(&ctx.actor, period)
        .await
        .map_err(|e| HandlerError::engine("compute statistics", e))?;
    ctx.say(&statistics(&ctx.t(), &stats)).await
}

/// `/export`: a CSV document, or why not.
pub(super) async fn export(ctx: Ctx, spec: PeriodSpec) -> Result<(), HandlerError> {
    let Some(period) = resolve(ctx.today(), spec) else {
        return ctx.say_text(Msg::AdminPeriodInvalid).await;
    };
    let limit = ctx.config.export_limit_bytes;
    let staff = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("read the staff", e))?;
    let rows = ctx.engine.export(&ctx.actor, period)?;
    let (file, count) = match write_csv(rows, ctx.tz(), &staff, limit).await {
        Ok(done) => done,
        Err(ExportError::TooLarge { .. }) => return ctx.say_text(Msg::AdminExportTooLarge).await,
        Err(ExportError::Store(e)) => return Err(HandlerError::engine("export bookings", e)),
    };
    let name = format!("bookings-{}-{}.csv", period.first(), period.last());
    let caption = export_caption(&ctx.t(), period, count);
    telegram::retrying(false, || {
        ctx.bot
            .send_document(
                ctx.chat,
                InputFile::memory(file.clone()).file_name(name.clone()),
            )
            .caption(caption.clone())
    })
    .await?;
    Ok(())
}
