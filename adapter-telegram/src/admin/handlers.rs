//! The admin bot's endpoints: ask the gate, then turn a command or a button
//! into an engine call and its result into a screen.

use std::sync::Arc;

use booking_domain::{BookingId, CancelReason, StaffChoice, StaffId, TimeOffSpec, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{
    BlockPeriodError, BookingChangeError, FindBookingError, Mover, Period, RescheduleBookingError,
    StaffActor, StaffUser,
};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use teloxide::payloads::SendDocumentSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, InputFile, MaybeInaccessibleMessage, User};

use super::AdminBot;
use super::access::{Gate, PinOutcome};
use super::callback::AdminCallback;
use super::catalog;
use super::commands::{AdminCommand, BlockRequest, CommandError, PeriodSpec};
use super::export::{ExportError, write_csv};
use super::state::{AdminState, Seen};
use super::view;
use crate::conversation::Loaded;
use crate::error::HandlerError;
use crate::i18n::Text;
use crate::telegram::{self, Place, Screen};
use crate::ui::format;

/// One admitted update's context.
pub(super) struct Ctx<'a> {
    pub(super) bot: &'a Bot,
    pub(super) chat: ChatId,
    pub(super) actor: StaffActor,
    pub(super) t: Text<'a>,
    pub(super) admin: &'a AdminBot,
    pub(super) tz: Tz,
}

impl Ctx<'_> {
    pub(super) async fn show(&self, screen: &Screen, place: Place) -> Result<(), HandlerError> {
        telegram::show(self.bot, self.chat, screen, place).await?;
        Ok(())
    }

    pub(super) async fn say(&self, text: String) -> Result<(), HandlerError> {
        self.show(&Screen::text(text), Place::New).await
    }

    pub(super) async fn save(&self, state: &AdminState) -> Result<(), HandlerError> {
        match state {
            AdminState::Idle => self.admin.conversations.remove(self.chat).await?,
            other => self.admin.conversations.save(self.chat, other).await?,
        }
        Ok(())
    }

    pub(super) fn today(&self) -> NaiveDate {
        self.admin.engine.policy().today(self.admin.engine.now())
    }
}

fn user_id(user: &User) -> Option<i64> {
    i64::try_from(user.id.0).ok()
}

async fn say(bot: &Bot, chat: ChatId, text: String) -> Result<(), HandlerError> {
    telegram::show(bot, chat, &Screen::text(text), Place::New).await?;
    Ok(())
}

pub(super) async fn on_message(
    bot: Bot,
    message: Message,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let Some(user_id) = user_id(user) else {
        return Ok(());
    };
    let t = admin
        .locales
        .text(admin.locales.language_for(user.language_code.as_deref()));
    let text = message.text().unwrap_or_default();
    let command = AdminCommand::parse(text);
    // Anyone may learn their own id, so an owner can fill the allow-list.
    if command == Ok(AdminCommand::WhoAmI) {
        return say(
            &bot,
            message.chat.id,
            t.with("admin-whoami", &[("id", user_id.into())]),
        )
        .await;
    }
    // Staff data never goes to a group, whoever asks there.
    if !message.chat.is_private() {
        return Ok(());
    }
    let chat = message.chat.id;
    match admin
        .access
        .gate(user_id)
        .await
        .map_err(|e| HandlerError::engine("check access", e))?
    {
        Gate::Refused { first_time } => {
            if first_time {
                say(&bot, chat, t.get("admin-refused")).await?;
            }
            Ok(())
        }
        Gate::LockedOut { until } => say(&bot, chat, locked_text(&t, &admin, until)).await,
        Gate::NeedsPin => {
            if command.is_ok() || text.is_empty() || text.starts_with('/') {
                return say(&bot, chat, t.get("admin-ask-pin")).await;
            }
            // The PIN should not stay readable in the chat; best effort.
            let _ = telegram::send(bot.delete_message(chat, message.id)).await;
            let outcome = admin
                .access
                .try_pin(user_id, text)
                .await
                .map_err(|e| HandlerError::engine("check a PIN", e))?;
            let reply = match outcome {
                PinOutcome::SignedIn { until } => {
                    format!(
                        "{}\n\n{}",
                        t.with(
                            "admin-signed-in",
                            &[("until", when(&t, &admin, until).into())]
                        ),
                        t.get("admin-help")
                    )
                }
                PinOutcome::Wrong { attempts_left } => t.with(
                    "admin-pin-wrong",
                    &[("left", (attempts_left as i64).into())],
                ),
                PinOutcome::LockedOut { until } => locked_text(&t, &admin, until),
                PinOutcome::NotApplicable => t.get("admin-refused"),
            };
            say(&bot, chat, reply).await
        }
        Gate::Admitted => {
            let ctx = Ctx {
                bot: &bot,
                chat,
                actor: StaffActor::authenticated(
                    StaffUser::new(user_id),
                    admin.access.member_of(user_id),
                ),
                t,
                admin: &admin,
                tz: admin.engine.policy().time_zone(),
            };
            admitted_message(&ctx, user_id, text, command).await
        }
    }
}

fn when(t: &Text<'_>, admin: &AdminBot, at: chrono::DateTime<Utc>) -> String {
    format::when(t, at, admin.engine.policy().time_zone())
}

fn locked_text(t: &Text<'_>, admin: &AdminBot, until: chrono::DateTime<Utc>) -> String {
    t.with(
        "admin-locked-out",
        &[("until", when(t, admin, until).into())],
    )
}

async fn load_state(ctx: &Ctx<'_>) -> Result<AdminState, HandlerError> {
    Ok(
        match ctx.admin.conversations.load::<AdminState>(ctx.chat).await? {
            Loaded::Active(state) => state,
            Loaded::Fresh | Loaded::Expired | Loaded::Unreadable(_) => AdminState::Idle,
        },
    )
}

async fn admitted_message(
    ctx: &Ctx<'_>,
    user_id: i64,
    text: &str,
    command: Result<AdminCommand, CommandError>,
) -> Result<(), HandlerError> {
    let t = &ctx.t;
    let state = load_state(ctx).await?;
    match command {
        Err(CommandError::NotACommand) => match state {
            AdminState::CancelReason { seen } => cancel_with_reason(ctx, seen, Some(text)).await,
            AdminState::CollidingReason { bookings } => {
                cancel_colliding(ctx, &bookings, Some(text)).await
            }
            _ => ctx.say(t.get("admin-help")).await,
        },
        Err(CommandError::Unknown) => ctx.say(t.get("admin-unknown-command")).await,
        Err(CommandError::Usage(name)) => {
            // Command names use `_` (Telegram allows no `-`), message ids `-`.
            let id = format!("admin-usage-{}", name.replace('_', "-"));
            ctx.say(t.get(&id)).await
        }
        Ok(AdminCommand::Skip) => match state {
            AdminState::CancelReason { seen } => cancel_with_reason(ctx, seen, None).await,
            AdminState::CollidingReason { bookings } => {
                cancel_colliding(ctx, &bookings, None).await
            }
            _ => ctx.say(t.get("admin-help")).await,
        },
        Ok(command) => {
            // Any other command leaves a step that was waiting for text.
            if state != AdminState::Idle {
                ctx.save(&AdminState::Idle).await?;
            }
            match command {
                AdminCommand::Help | AdminCommand::WhoAmI | AdminCommand::Skip => {
                    ctx.say(t.get("admin-help")).await
                }
                AdminCommand::Logout => {
                    let text = if ctx.admin.access.uses_pin() {
                        // Signing out twice is harmless: the answer is the same.
                        ctx.admin
                            .access
                            .sign_out(user_id)
                            .await
                            .map_err(|e| HandlerError::engine("sign out", e))?;
                        t.get("admin-signed-out")
                    } else {
                        t.get("admin-no-session")
                    };
                    ctx.say(text).await
                }
                AdminCommand::Today => show_day(ctx, ctx.today(), None, 0, Place::New).await,
                AdminCommand::Tomorrow => {
                    let day = ctx.today().succ_opt().unwrap_or_else(|| ctx.today());
                    show_day(ctx, day, None, 0, Place::New).await
                }
                AdminCommand::Day { day, staff } => show_day(ctx, day, staff, 0, Place::New).await,
                AdminCommand::Block(request) => block(ctx, request).await,
                AdminCommand::Stats(spec) => stats(ctx, spec).await,
                AdminCommand::Export(spec) => export(ctx, spec).await,
                AdminCommand::Catalog(command) => catalog::run(ctx, command).await,
            }
        }
    }
}

async fn show_day(
    ctx: &Ctx<'_>,
    day: NaiveDate,
    staff: Option<StaffId>,
    page: u8,
    place: Place,
) -> Result<(), HandlerError> {
    let engine = &ctx.admin.engine;
    let bookings = engine
        .bookings_in(&ctx.actor, Period::day(day), staff)
        .await
        .map_err(|e| HandlerError::engine("list a day's bookings", e))?;
    let members: Vec<(StaffId, String)> = engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))?
        .into_iter()
        .filter(|m| m.is_active())
        .map(|m| (m.id(), m.name().to_string()))
        .collect();
    let page_size = ctx.admin.access.config().page_size;
    let screen = view::day(
        &ctx.t, ctx.tz, day, staff, page, page_size, &bookings, &members,
    );
    ctx.show(&screen, place).await
}

pub(super) async fn on_callback(
    bot: Bot,
    query: CallbackQuery,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(
        admin
            .locales
            .language_for(query.from.language_code.as_deref()),
    );
    let outcome = callback_inner(&bot, &query, &admin, t).await;
    let notice = match &outcome {
        Ok(notice) => notice.clone(),
        Err(_) => Some(t.get("unexpected-error")),
    };
    let answered = telegram::answer(&bot, &query, notice).await;
    outcome?;
    answered?;
    Ok(())
}

/// Handles a press; returns the notice to answer it with.
async fn callback_inner(
    bot: &Bot,
    query: &CallbackQuery,
    admin: &AdminBot,
    t: Text<'_>,
) -> Result<Option<String>, HandlerError> {
    let Some(user_id) = user_id(&query.from) else {
        return Ok(None);
    };
    match admin
        .access
        .gate(user_id)
        .await
        .map_err(|e| HandlerError::engine("check access", e))?
    {
        Gate::Admitted => {}
        // A stranger's press is answered with nothing at all.
        Gate::Refused { .. } => return Ok(None),
        Gate::NeedsPin => return Ok(Some(t.get("admin-ask-pin"))),
        Gate::LockedOut { until } => return Ok(Some(locked_text(&t, admin, until))),
    }
    let (chat, place) = match &query.message {
        Some(MaybeInaccessibleMessage::Regular(m)) if m.chat.is_private() => {
            (m.chat.id, Place::Edit(m.id))
        }
        Some(MaybeInaccessibleMessage::Inaccessible(m)) if m.chat.is_private() => {
            (m.chat.id, Place::New)
        }
        _ => return Ok(Some(t.get("button-expired"))),
    };
    let Ok(callback) = query
        .data
        .as_deref()
        .map_or(Err(()), |d| AdminCallback::parse(d).map_err(|_| ()))
    else {
        return Ok(Some(t.get("button-expired")));
    };
    let ctx = Ctx {
        bot,
        chat,
        actor: StaffActor::authenticated(StaffUser::new(user_id), admin.access.member_of(user_id)),
        t,
        admin,
        tz: admin.engine.policy().time_zone(),
    };
    on_action(&ctx, callback, place).await
}

async fn details(ctx: &Ctx<'_>, id: BookingId) -> Result<Option<BookingDetails>, HandlerError> {
    match ctx.admin.engine.booking_details(&ctx.actor, id).await {
        Ok(d) => Ok(Some(d)),
        Err(FindBookingError::NotFound) => Ok(None),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("read a booking", e)),
    }
}

async fn show_card(
    ctx: &Ctx<'_>,
    id: BookingId,
    notice: Option<String>,
    place: Place,
) -> Result<Option<String>, HandlerError> {
    match details(ctx, id).await? {
        Some(d) => {
            let screen = view::card(&ctx.t, ctx.tz, ctx.admin.engine.now(), &d, notice);
            ctx.show(&screen, place).await?;
            Ok(None)
        }
        None => Ok(Some(ctx.t.get("admin-not-found"))),
    }
}

/// The screen after a lifecycle change: the new state, or why not.
async fn after_change(
    ctx: &Ctx<'_>,
    id: BookingId,
    result: Result<BookingDetails, BookingChangeError>,
    done: &str,
    place: Place,
) -> Result<Option<String>, HandlerError> {
    let t = &ctx.t;
    match result {
        Ok(d) => {
            let screen = view::card(t, ctx.tz, ctx.admin.engine.now(), &d, Some(t.get(done)));
            ctx.show(&screen, place).await?;
            Ok(None)
        }
        Err(BookingChangeError::VersionConflict { .. }) => {
            show_card(ctx, id, Some(t.get("admin-conflict")), place).await?;
            Ok(Some(t.get("admin-conflict-short")))
        }
        Err(BookingChangeError::Refused(_)) => {
            show_card(ctx, id, Some(t.get("admin-not-possible")), place).await?;
            Ok(Some(t.get("admin-not-possible")))
        }
        Err(BookingChangeError::NotFound) => Ok(Some(t.get("admin-not-found"))),
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("change a booking", e)),
    }
}

async fn on_action(
    ctx: &Ctx<'_>,
    callback: AdminCallback,
    place: Place,
) -> Result<Option<String>, HandlerError> {
    let engine = &ctx.admin.engine;
    let t = &ctx.t;
    match callback {
        AdminCallback::Day { day, staff, page } => {
            show_day(ctx, day, staff, page, place).await?;
            Ok(None)
        }
        AdminCallback::Booking(id) => show_card(ctx, id, None, place).await,
        AdminCallback::Confirm(id, v) => {
            let result = engine.confirm_booking(&ctx.actor, id, v).await;
            after_change(ctx, id, result, "admin-confirmed", place).await
        }
        AdminCallback::Complete(id, v) => {
            let result = engine.complete_booking(&ctx.actor, id, v).await;
            after_change(ctx, id, result, "admin-completed", place).await
        }
        AdminCallback::NoShow(id, v) => {
            let result = engine.mark_no_show(&ctx.actor, id, v).await;
            after_change(ctx, id, result, "admin-marked-no-show", place).await
        }
        AdminCallback::Cancel(id, v) => {
            let seen = Seen {
                booking: id.get(),
                version: v.get(),
            };
            ctx.save(&AdminState::CancelReason { seen }).await?;
            ctx.say(t.with("admin-ask-reason", &[("id", id.get().into())]))
                .await?;
            Ok(None)
        }
        AdminCallback::Move(id, v) => {
            let Some(d) = details(ctx, id).await? else {
                return Ok(Some(t.get("admin-not-found")));
            };
            if d.booking.version() != v {
                show_card(ctx, id, Some(t.get("admin-conflict")), place).await?;
                return Ok(Some(t.get("admin-conflict-short")));
            }
            let policy = engine.policy();
            let today = ctx.today();
            let last = policy.last_bookable_day(engine.now());
            let days = engine
                .days_to_move(
                    Mover::Staff(&ctx.actor),
                    id,
                    StaffChoice::Only(d.booking.staff()),
                    today,
                    last,
                )
                .await
                .map_err(|e| HandlerError::engine("list days to move to", e))?;
            let buttons: Vec<_> = days
                .into_iter()
                .map(|day| view::button(format::day(t, day), AdminCallback::MoveDay(id, v, day)))
                .collect();
            let mut rows: Vec<Vec<_>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
            rows.push(vec![view::button(
                t.get("btn-back"),
                AdminCallback::Booking(id),
            )]);
            let text = if rows.len() == 1 {
                t.get("admin-move-none")
            } else {
                t.with("admin-move-days", &[("id", id.get().into())])
            };
            ctx.show(
                &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
                place,
            )
            .await?;
            Ok(None)
        }
        AdminCallback::MoveDay(id, v, day) => {
            let Some(d) = details(ctx, id).await? else {
                return Ok(Some(t.get("admin-not-found")));
            };
            let times = engine
                .free_times_to_move(
                    Mover::Staff(&ctx.actor),
                    id,
                    StaffChoice::Only(d.booking.staff()),
                    day,
                )
                .await
                .map_err(|e| HandlerError::engine("list times to move to", e))?;
            let buttons: Vec<_> = times
                .into_iter()
                .map(|f| {
                    view::button(
                        format::time(f.start, ctx.tz),
                        AdminCallback::MoveTo(id, v, f.start),
                    )
                })
                .collect();
            let mut rows: Vec<Vec<_>> = buttons.chunks(4).map(<[_]>::to_vec).collect();
            rows.push(vec![view::button(
                t.get("btn-back"),
                AdminCallback::Move(id, v),
            )]);
            let text = t.with("admin-move-times", &[("day", format::day(t, day).into())]);
            ctx.show(
                &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
                place,
            )
            .await?;
            Ok(None)
        }
        AdminCallback::MoveTo(id, v, start) => {
            let Some(d) = details(ctx, id).await? else {
                return Ok(Some(t.get("admin-not-found")));
            };
            let result = engine
                .reschedule_booking(
                    &ctx.actor,
                    id,
                    v,
                    StaffChoice::Only(d.booking.staff()),
                    start,
                )
                .await;
            match result {
                Ok(moved) => {
                    let notice = t.with(
                        "admin-moved",
                        &[("when", format::when(t, start, ctx.tz).into())],
                    );
                    let screen = view::card(t, ctx.tz, engine.now(), &moved.new, Some(notice));
                    ctx.show(&screen, place).await?;
                    Ok(None)
                }
                Err(RescheduleBookingError::VersionConflict { .. }) => {
                    show_card(ctx, id, Some(t.get("admin-conflict")), place).await?;
                    Ok(Some(t.get("admin-conflict-short")))
                }
                Err(RescheduleBookingError::SlotTaken { .. } | RescheduleBookingError::Slot(_)) => {
                    Ok(Some(t.get("admin-slot-taken")))
                }
                Err(RescheduleBookingError::Refused(_)) => Ok(Some(t.get("admin-not-possible"))),
                Err(RescheduleBookingError::NotFound) => Ok(Some(t.get("admin-not-found"))),
                Err(RescheduleBookingError::Store(e)) => {
                    Err(HandlerError::engine("reschedule a booking", e))
                }
            }
        }
        AdminCallback::CancelColliding => match load_state(ctx).await? {
            AdminState::Colliding { bookings } => {
                ctx.save(&AdminState::CollidingReason {
                    bookings: bookings.clone(),
                })
                .await?;
                ctx.say(t.with(
                    "admin-ask-colliding-reason",
                    &[("count", (bookings.len() as i64).into())],
                ))
                .await?;
                Ok(None)
            }
            _ => Ok(Some(t.get("button-expired"))),
        },
    }
}

fn seen_ids(seen: Seen) -> Option<(BookingId, Version)> {
    Some((
        BookingId::new(seen.booking).ok()?,
        Version::new(seen.version).ok()?,
    ))
}

fn reason(ctx: &Ctx<'_>, text: Option<&str>) -> Result<Option<CancelReason>, String> {
    match text {
        None => Ok(None),
        Some(text) => CancelReason::new(text)
            .map(Some)
            .map_err(|_| ctx.t.get("admin-reason-invalid")),
    }
}

async fn cancel_with_reason(
    ctx: &Ctx<'_>,
    seen: Seen,
    text: Option<&str>,
) -> Result<(), HandlerError> {
    let reason = match reason(ctx, text) {
        Ok(reason) => reason,
        // The step stays, so they can write it again.
        Err(message) => return ctx.say(message).await,
    };
    ctx.save(&AdminState::Idle).await?;
    let Some((id, v)) = seen_ids(seen) else {
        return Ok(());
    };
    let result = ctx
        .admin
        .engine
        .cancel_booking(&ctx.actor, id, v, reason)
        .await;
    if matches!(result, Err(BookingChangeError::NotFound)) {
        return ctx.say(ctx.t.get("admin-not-found")).await;
    }
    // Otherwise the card is shown, with the conflict or refusal on top; the
    // short notice is only for answering a button.
    after_change(ctx, id, result, "admin-cancelled", Place::New).await?;
    Ok(())
}

async fn cancel_colliding(
    ctx: &Ctx<'_>,
    bookings: &[Seen],
    text: Option<&str>,
) -> Result<(), HandlerError> {
    let reason = match reason(ctx, text) {
        Ok(reason) => reason,
        Err(message) => return ctx.say(message).await,
    };
    ctx.save(&AdminState::Idle).await?;
    let t = &ctx.t;
    let mut cancelled = 0_i64;
    let mut report = Vec::new();
    for (id, v) in bookings.iter().filter_map(|s| seen_ids(*s)) {
        match ctx
            .admin
            .engine
            .cancel_booking(&ctx.actor, id, v, reason.clone())
            .await
        {
            Ok(_) => cancelled += 1,
            Err(BookingChangeError::VersionConflict { .. }) => {
                report.push(t.with("admin-colliding-changed", &[("id", id.get().into())]));
            }
            Err(BookingChangeError::Refused(_) | BookingChangeError::NotFound) => {
                report.push(t.with("admin-colliding-not-cancelled", &[("id", id.get().into())]));
            }
            Err(BookingChangeError::Store(e)) => {
                return Err(HandlerError::engine("cancel a colliding booking", e));
            }
        }
    }
    let mut text = t.with("admin-colliding-done", &[("count", cancelled.into())]);
    for line in report {
        text.push('\n');
        text.push_str(&line);
    }
    ctx.say(text).await
}

async fn block(ctx: &Ctx<'_>, request: BlockRequest) -> Result<(), HandlerError> {
    let t = &ctx.t;
    let policy = ctx.admin.engine.policy();
    let local = |day: NaiveDate, time: chrono::NaiveTime| {
        ctx.tz
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    let period = match request.hours {
        Some((from, to)) => local(request.first, from)
            .zip(local(request.last, to))
            .and_then(|(a, b)| booking_domain::Interval::new(a, b)),
        None => Period::new(request.first, request.last)
            .ok()
            .and_then(|p| p.interval(&policy)),
    };
    let reason = match request.reason.as_deref().map(CancelReason::new).transpose() {
        Ok(reason) => reason,
        Err(_) => return ctx.say(t.get("admin-reason-invalid")).await,
    };
    let Some(period) = period else {
        return ctx.say(t.get("admin-block-invalid")).await;
    };
    let spec = TimeOffSpec {
        staff: request.staff,
        period,
        reason,
    };
    let blocked = match ctx.admin.engine.block_period(&ctx.actor, spec).await {
        Ok(blocked) => blocked,
        Err(BlockPeriodError::Invalid(_)) => return ctx.say(t.get("admin-block-invalid")).await,
        Err(BlockPeriodError::UnknownStaff { id }) => {
            return ctx
                .say(t.with("admin-unknown-staff", &[("id", id.get().into())]))
                .await;
        }
        Err(BlockPeriodError::Store(e)) => return Err(HandlerError::engine("block a period", e)),
    };
    let who = match request.staff {
        Some(id) => format!("#{}", id.get()),
        None => t.get("admin-everyone"),
    };
    let text = t.with(
        "admin-blocked",
        &[
            ("from", format::when(t, period.start(), ctx.tz).into()),
            ("to", format::when(t, period.end(), ctx.tz).into()),
            ("who", who.into()),
            ("id", blocked.time_off.id().get().into()),
        ],
    );
    offer_to_cancel(ctx, text, &blocked.colliding).await
}

/// Says `text`, then whether bookings collide with the schedule edit it
/// reports; when some do, lists them and offers to cancel them with a
/// message to each customer. Nothing is cancelled without that press.
pub(super) async fn offer_to_cancel(
    ctx: &Ctx<'_>,
    mut text: String,
    colliding: &[BookingDetails],
) -> Result<(), HandlerError> {
    let t = &ctx.t;
    text.push_str("\n\n");
    if colliding.is_empty() {
        text.push_str(&t.get("admin-blocked-no-collisions"));
        return ctx.say(text).await;
    }
    text.push_str(&t.with(
        "admin-blocked-collisions",
        &[("count", (colliding.len() as i64).into())],
    ));
    text.push('\n');
    text.push_str(&view::lines(t, ctx.tz, colliding));
    let bookings: Vec<Seen> = colliding
        .iter()
        .map(|d| Seen {
            booking: d.booking.id().get(),
            version: d.booking.version().get(),
        })
        .collect();
    ctx.save(&AdminState::Colliding { bookings }).await?;
    let keyboard = InlineKeyboardMarkup::new(vec![vec![view::button(
        t.get("admin-btn-cancel-colliding"),
        AdminCallback::CancelColliding,
    )]]);
    ctx.show(&Screen::inline(text, keyboard), Place::New).await
}

fn resolve(ctx: &Ctx<'_>, spec: PeriodSpec) -> Option<Period> {
    let today = ctx.today();
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

async fn stats(ctx: &Ctx<'_>, spec: PeriodSpec) -> Result<(), HandlerError> {
    let Some(period) = resolve(ctx, spec) else {
        return ctx.say(ctx.t.get("admin-period-invalid")).await;
    };
    let stats = ctx
        .admin
        .engine
        .statistics(&ctx.actor, period)
        .await
        .map_err(|e| HandlerError::engine("compute statistics", e))?;
    ctx.say(view::statistics(&ctx.t, &stats)).await
}

async fn export(ctx: &Ctx<'_>, spec: PeriodSpec) -> Result<(), HandlerError> {
    let t = &ctx.t;
    let Some(period) = resolve(ctx, spec) else {
        return ctx.say(t.get("admin-period-invalid")).await;
    };
    let limit = ctx.admin.access.config().export_limit_bytes;
    let rows = ctx.admin.engine.export(&ctx.actor, period);
    let (file, count) = match write_csv(rows, ctx.tz, limit).await {
        Ok(done) => done,
        Err(ExportError::TooLarge { .. }) => return ctx.say(t.get("admin-export-too-large")).await,
        Err(ExportError::Store(e)) => return Err(HandlerError::engine("export bookings", e)),
    };
    let name = format!("bookings-{}-{}.csv", period.first(), period.last());
    let caption = t.with(
        "admin-export-caption",
        &[
            ("first", format::day(t, period.first()).into()),
            ("last", format::day(t, period.last()).into()),
            ("count", (count as i64).into()),
        ],
    );
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
