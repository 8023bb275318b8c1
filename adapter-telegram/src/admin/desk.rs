//! The front desk: `/book` for a caller or a walk-in. Service, specialist
//! (or any), day and time are buttons; then the phone (a known customer is
//! found, a new one is asked for a name, recorded on Confirm), a comment
//! (or `/skip`), and a summary with Confirm. The day view's "➕ HH:MM" buttons
//! start the same flow with the specialist, day and time chosen, and a
//! customer's "book" button ([`AdminCallback::BookFor`]) with the customer
//! chosen.
//!
//! The draft lives in the conversation state ([`AdminState::Booking`] and
//! the steps after it), so a button of an abandoned or finished `/book` is
//! answered "this button has expired", like every stale press.

use booking_domain::{
    Comment, CustomerId, CustomerName, PhoneNumber, Service, ServiceId, StaffChoice, StaffId,
};
use booking_ports::CustomerProfile;
use booking_ports::engine::{
    PhoneLookupError, RecordCustomerError, StaffBookError, StaffBookingForm,
};
use chrono::{DateTime, Days, NaiveDate, Utc};

use super::bookings::show;
use super::callback::AdminCallback;
use super::ctx::{Ctx, Notice};
use super::state::{AdminState, BookDraft, NewCustomerDraft};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Screen;
use crate::ui::admin::desk::{BookDays, BookSummary, days, services, staff, summary, times};
use crate::ui::format;

/// How many days one page of the day picker asks about.
const DAYS_PER_PAGE: u64 = 14;

/// `/book`: a new draft, starting with the service.
pub(super) async fn book(ctx: Ctx) -> Result<(), HandlerError> {
    start(&ctx, BookDraft::default()).await
}

/// A customer's "book" button: `/book` for them.
pub(super) async fn book_for(ctx: &Ctx, customer: CustomerId) -> Result<Notice, HandlerError> {
    if record(ctx, customer).await?.is_none() {
        return Ok(Some(ctx.t().get(Msg::AdminBookUnknownCustomer)));
    }
    let draft = BookDraft {
        customer: Some(customer.get()),
        ..BookDraft::default()
    };
    start(ctx, draft).await?;
    Ok(None)
}

/// The day view's "➕ HH:MM": `/book` with `staff` at `start`, offering
/// the services of theirs that fit there.
pub(super) async fn book_free(
    ctx: &Ctx,
    member: StaffId,
    at: DateTime<Utc>,
) -> Result<Notice, HandlerError> {
    let mut fitting = Vec::new();
    for service in offered(ctx, Some(member)).await? {
        if fits(ctx, service.id(), member, at).await? {
            fitting.push(service);
        }
    }
    if fitting.is_empty() {
        return Ok(Some(ctx.t().get(Msg::AdminBookSlotTaken)));
    }
    let draft = BookDraft {
        staff: Some(member.get()),
        start: Some(at.timestamp()),
        ..BookDraft::default()
    };
    ctx.save(&AdminState::Booking { draft }).await?;
    ctx.show(&services(&ctx.t(), &fitting)).await?;
    Ok(None)
}

async fn start(ctx: &Ctx, draft: BookDraft) -> Result<(), HandlerError> {
    let offer = offered(ctx, None).await?;
    if !offer.is_empty() {
        ctx.save(&AdminState::Booking { draft }).await?;
    }
    ctx.show(&services(&ctx.t(), &offer)).await
}

/// A choice in the draft: service, specialist, a page of days, a day, a
/// time. Only while the chat is choosing; otherwise the button expired.
pub(super) async fn choose(ctx: &Ctx, press: AdminCallback) -> Result<Notice, HandlerError> {
    let AdminState::Booking { mut draft } = ctx.state().await? else {
        return Ok(Some(ctx.t().get(Msg::ButtonExpired)));
    };
    match press {
        AdminCallback::BookService(service) => {
            draft.service = Some(service.get());
            after_service(ctx, draft).await
        }
        AdminCallback::BookStaff(member) => {
            draft.staff = Some(member.map_or(0, StaffId::get));
            let today = ctx.today();
            show_days(ctx, &draft, today).await
        }
        AdminCallback::BookDays(from) => show_days(ctx, &draft, from).await,
        AdminCallback::BookDay(day) => show_times(ctx, &draft, day).await,
        AdminCallback::BookTime(at) => {
            draft.start = Some(at.timestamp());
            after_time(ctx, draft).await
        }
        _ => Ok(Some(ctx.t().get(Msg::ButtonExpired))),
    }
}

async fn after_service(ctx: &Ctx, draft: BookDraft) -> Result<Notice, HandlerError> {
    let Some(service) = draft.service.and_then(|id| ServiceId::new(id).ok()) else {
        return Ok(Some(ctx.t().get(Msg::ButtonExpired)));
    };
    // From the day view: the specialist and time are chosen already.
    if let (Some(member), Some(at)) = (chosen_staff(&draft), chosen_start(&draft)) {
        if !fits(ctx, service, member, at).await? {
            return Ok(Some(ctx.t().get(Msg::AdminBookSlotTaken)));
        }
        return after_time(ctx, draft).await;
    }
    let Some(offer) = offered(ctx, None)
        .await?
        .into_iter()
        .find(|s| s.id() == service)
    else {
        return Ok(Some(ctx.t().get(Msg::AdminNotPossible)));
    };
    let members = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))?;
    let performers: Vec<_> = members
        .into_iter()
        .filter(|m| m.is_active() && offer.is_performed_by(m.id()))
        .collect();
    ctx.save(&AdminState::Booking { draft }).await?;
    ctx.show(&staff(&ctx.t(), &offer, &performers)).await?;
    Ok(None)
}

async fn show_days(ctx: &Ctx, draft: &BookDraft, from: NaiveDate) -> Result<Notice, HandlerError> {
    let (Some(service), Some(choice)) = (chosen_service(draft), choice(draft)) else {
        return Ok(Some(ctx.t().get(Msg::ButtonExpired)));
    };
    ctx.save(&AdminState::Booking {
        draft: draft.clone(),
    })
    .await?;
    let today = ctx.today();
    let last = ctx.policy.for_staff().last_bookable_day(ctx.engine.now());
    let from = from.max(today);
    let to = from
        .checked_add_days(Days::new(DAYS_PER_PAGE - 1))
        .unwrap_or(last)
        .min(last);
    let found = ctx
        .engine
        .staff_days_with_free_times(&ctx.actor, service, choice, from, to)
        .await
        .map_err(|e| HandlerError::engine("list days to book", e))?;
    let (service_name, who) = names(ctx, draft).await?;
    let next = to.succ_opt().filter(|next| *next <= last);
    let screen = days(
        &ctx.t(),
        &BookDays {
            service: &service_name,
            who: &who,
            from,
            to,
            days: &found,
            next,
        },
    );
    ctx.show(&screen).await?;
    Ok(None)
}

async fn show_times(ctx: &Ctx, draft: &BookDraft, day: NaiveDate) -> Result<Notice, HandlerError> {
    let (Some(service), Some(choice)) = (chosen_service(draft), choice(draft)) else {
        return Ok(Some(ctx.t().get(Msg::ButtonExpired)));
    };
    let starts: Vec<DateTime<Utc>> = ctx
        .engine
        .staff_free_times(&ctx.actor, service, choice, day)
        .await
        .map_err(|e| HandlerError::engine("list times to book", e))?
        .into_iter()
        .map(|f| f.start)
        .collect();
    ctx.show(&times(&ctx.t(), day, &starts, ctx.tz())).await?;
    Ok(None)
}

/// The time is chosen: the phone, unless the customer is known already.
async fn after_time(ctx: &Ctx, draft: BookDraft) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    if draft.customer.is_some() {
        ctx.save(&AdminState::BookComment { draft }).await?;
        ctx.show(&Screen::text(t.get(Msg::AdminBookAskComment)))
            .await?;
    } else {
        ctx.save(&AdminState::BookPhone { draft }).await?;
        ctx.show(&Screen::text(t.get(Msg::AdminBookAskPhone)))
            .await?;
    }
    Ok(None)
}

/// The text steps: the phone, a new customer's name, the comment.
/// `reply` is `None` for `/skip`.
pub(super) async fn answer(
    ctx: &Ctx,
    state: AdminState,
    reply: Option<&str>,
) -> Result<(), HandlerError> {
    match state {
        AdminState::BookPhone { draft } => phone(ctx, draft, reply).await,
        AdminState::BookName { draft, phone } => name(ctx, draft, &phone, reply).await,
        AdminState::BookComment { draft } => comment(ctx, draft, reply).await,
        // Waiting for a button: a reminder of where they are.
        _ => ctx.say_text(Msg::AdminBookUseButtons).await,
    }
}

async fn phone(ctx: &Ctx, mut draft: BookDraft, reply: Option<&str>) -> Result<(), HandlerError> {
    let Some(typed) = reply else {
        return ctx.say_text(Msg::AdminBookAskPhone).await;
    };
    match ctx.engine.customer_by_phone(&ctx.actor, typed).await {
        // The step stays, so they can write it again.
        Err(PhoneLookupError::InvalidPhone(_)) => ctx.say_text(Msg::AdminBookBadPhone).await,
        Err(PhoneLookupError::Store(e)) => Err(HandlerError::engine("find a customer", e)),
        Ok(Some(found)) => {
            draft.customer = Some(found.id.get());
            let t = ctx.t();
            let text = format!(
                "{}\n{}",
                t.with(Msg::AdminBookFound, &[("customer", contact(&found).into())]),
                t.get(Msg::AdminBookAskComment)
            );
            ctx.save(&AdminState::BookComment { draft }).await?;
            ctx.say(&Screen::text(text)).await
        }
        Ok(None) => {
            ctx.save(&AdminState::BookName {
                draft,
                phone: typed.trim().to_owned(),
            })
            .await?;
            ctx.say_text(Msg::AdminBookAskName).await
        }
    }
}

async fn name(
    ctx: &Ctx,
    mut draft: BookDraft,
    phone: &str,
    reply: Option<&str>,
) -> Result<(), HandlerError> {
    let Some(typed) = reply else {
        return ctx.say_text(Msg::AdminBookAskName).await;
    };
    let Ok(name) = CustomerName::new(typed) else {
        return ctx.say_text(Msg::AdminBookBadName).await;
    };
    // The phone was read before; a change of region could refuse it now.
    let Ok(phone) = PhoneNumber::parse(phone, ctx.policy.phone_region()) else {
        ctx.save(&AdminState::BookPhone { draft }).await?;
        return ctx.say_text(Msg::AdminBookBadPhone).await;
    };
    let new = NewCustomerDraft {
        name: name.expose().to_owned(),
        phone: phone.expose().to_owned(),
    };
    let t = ctx.t();
    let text = format!(
        "{}\n{}",
        t.with(
            Msg::AdminBookFound,
            &[("customer", new_contact(&new).into())]
        ),
        t.get(Msg::AdminBookAskComment)
    );
    draft.customer = None;
    draft.new_customer = Some(new);
    ctx.save(&AdminState::BookComment { draft }).await?;
    ctx.say(&Screen::text(text)).await
}

async fn comment(ctx: &Ctx, mut draft: BookDraft, reply: Option<&str>) -> Result<(), HandlerError> {
    if let Some(text) = reply.filter(|text| !text.trim().is_empty()) {
        if Comment::new(text).is_err() {
            return ctx.say_text(Msg::AdminBookBadComment).await;
        }
        draft.comment = Some(text.trim().to_owned());
    }
    let Some(at) = chosen_start(&draft) else {
        ctx.save(&AdminState::Idle).await?;
        return ctx.say_text(Msg::AdminBookUnknownCustomer).await;
    };
    let known = match draft.customer.and_then(|id| CustomerId::new(id).ok()) {
        Some(customer) => record(ctx, customer).await?.map(|r| contact(&r)),
        None => None,
    };
    let Some(customer) = known.or_else(|| draft.new_customer.as_ref().map(new_contact)) else {
        ctx.save(&AdminState::Idle).await?;
        return ctx.say_text(Msg::AdminBookUnknownCustomer).await;
    };
    let (service, who) = names(ctx, &draft).await?;
    let screen = summary(
        &ctx.t(),
        &BookSummary {
            service: &service,
            who: &who,
            start: at,
            tz: ctx.tz(),
            customer: &customer,
            comment: draft.comment.as_deref(),
        },
    );
    ctx.save(&AdminState::BookReady { draft }).await?;
    ctx.say(&screen).await
}

/// Confirm: makes the booking summed up, then shows its card.
pub(super) async fn confirm(ctx: &Ctx) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    let AdminState::BookReady { mut draft } = ctx.state().await? else {
        return Ok(Some(t.get(Msg::ButtonExpired)));
    };
    if let Some(new) = draft.new_customer.take() {
        match recorded(ctx, &new).await? {
            Some(record) => draft.customer = Some(record.id.get()),
            None => {
                ctx.save(&AdminState::Idle).await?;
                return Ok(Some(t.get(Msg::AdminNotPossible)));
            }
        }
    }
    let (Some(customer), Some(service), Some(choice), Some(at)) = (
        draft.customer.and_then(|id| CustomerId::new(id).ok()),
        chosen_service(&draft),
        choice(&draft),
        chosen_start(&draft),
    ) else {
        ctx.save(&AdminState::Idle).await?;
        return Ok(Some(t.get(Msg::ButtonExpired)));
    };
    let form = StaffBookingForm {
        customer,
        service,
        staff: choice,
        start: at,
        comment: draft.comment.clone(),
    };
    match ctx.engine.book_for_customer(&ctx.actor, form).await {
        Ok(booking) => {
            // Written at once, not at the end of the update: a staff
            // booking is not idempotent as a customer's is, so a second
            // press, or this update handled again after a crash, must find
            // the draft gone rather than book twice. Dying before the card
            // is shown loses only the card: the booking is in the day view.
            ctx.save(&AdminState::Idle).await?;
            ctx.write_chosen_step().await?;
            let details = ctx
                .engine
                .booking_details(&ctx.actor, booking.id())
                .await
                .map_err(|e| HandlerError::engine("read a new booking", e))?;
            let when = format::when(&t, booking.start(), ctx.tz());
            let notice = t.with(
                Msg::AdminBookDone,
                &[("id", booking.id().get().into()), ("when", when.into())],
            );
            show(ctx, &details, Some(notice)).await?;
            Ok(None)
        }
        Err(StaffBookError::SlotTaken { .. } | StaffBookError::Slot(_)) => {
            // Back to that day's times, which no longer offer it.
            let day = at.with_timezone(&ctx.tz()).date_naive();
            let draft = BookDraft {
                start: None,
                ..draft
            };
            ctx.save(&AdminState::Booking {
                draft: draft.clone(),
            })
            .await?;
            show_times(ctx, &draft, day).await?;
            Ok(Some(t.get(Msg::AdminBookSlotTaken)))
        }
        Err(StaffBookError::UnknownCustomer) => {
            ctx.save(&AdminState::Idle).await?;
            Ok(Some(t.get(Msg::AdminBookUnknownCustomer)))
        }
        Err(StaffBookError::UnknownService | StaffBookError::InvalidComment(_)) => {
            ctx.save(&AdminState::Idle).await?;
            Ok(Some(t.get(Msg::AdminNotPossible)))
        }
        Err(StaffBookError::Forbidden(refusal)) => Err(refusal.into()),
        Err(StaffBookError::Store(e)) => Err(HandlerError::engine("book for a customer", e)),
    }
}

/// The services that can be booked, of `member` only when given.
async fn offered(ctx: &Ctx, member: Option<StaffId>) -> Result<Vec<Service>, HandlerError> {
    Ok(ctx
        .engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))?
        .into_iter()
        .filter(|o| member.is_none_or(|id| o.performers.iter().any(|m| m.id() == id)))
        .map(|o| o.service)
        .collect())
}

/// Whether `service` with `member` can start at `at`, by the staff policy.
async fn fits(
    ctx: &Ctx,
    service: ServiceId,
    member: StaffId,
    at: DateTime<Utc>,
) -> Result<bool, HandlerError> {
    let day = at.with_timezone(&ctx.tz()).date_naive();
    Ok(ctx
        .engine
        .staff_free_times(&ctx.actor, service, StaffChoice::Only(member), day)
        .await
        .map_err(|e| HandlerError::engine("list times to book", e))?
        .iter()
        .any(|f| f.start == at))
}

async fn record(ctx: &Ctx, customer: CustomerId) -> Result<Option<CustomerProfile>, HandlerError> {
    ctx.engine
        .profile(customer)
        .await
        .map_err(|e| HandlerError::engine("read a customer", e))
}

/// The chosen service's name and the specialist's (or "any specialist").
async fn names(ctx: &Ctx, draft: &BookDraft) -> Result<(String, String), HandlerError> {
    let services = offered(ctx, None).await?;
    let service = chosen_service(draft)
        .and_then(|id| services.iter().find(|s| s.id() == id))
        .map_or_else(|| "?".to_owned(), |s| s.name().to_string());
    let who = match chosen_staff(draft) {
        None => ctx.t().get(Msg::AdminBookAnyone),
        Some(id) => ctx
            .engine
            .all_staff(&ctx.actor)
            .await
            .map_err(|e| HandlerError::engine("list staff", e))?
            .into_iter()
            .find(|m| m.id() == id)
            .map_or_else(|| format!("#{}", id.get()), |m| m.name().to_string()),
    };
    Ok((service, who))
}

/// "Name, phone" as staff need it to call.
/// Records `new`, or finds who recorded the phone meanwhile; `None` when
/// the name or phone no longer reads (a changed phone region).
async fn recorded(
    ctx: &Ctx,
    new: &NewCustomerDraft,
) -> Result<Option<CustomerProfile>, HandlerError> {
    match ctx
        .engine
        .record_customer(&ctx.actor, &new.name, &new.phone, None)
        .await
    {
        Ok(record) => Ok(Some(record)),
        // Someone recorded the phone meanwhile: book for that record.
        Err(RecordCustomerError::PhoneTaken { holder }) => Ok(Some(*holder)),
        Err(RecordCustomerError::InvalidName(_) | RecordCustomerError::InvalidPhone(_)) => Ok(None),
        Err(RecordCustomerError::Store(e)) => Err(HandlerError::engine("record a customer", e)),
    }
}

fn new_contact(new: &NewCustomerDraft) -> String {
    format!("{}, {}", new.name, new.phone)
}

fn contact(record: &CustomerProfile) -> String {
    match &record.phone {
        Some(phone) => format!("{}, {}", record.name.expose(), phone.expose()),
        None => record.name.expose().to_owned(),
    }
}

fn chosen_service(draft: &BookDraft) -> Option<ServiceId> {
    draft.service.and_then(|id| ServiceId::new(id).ok())
}

/// The chosen specialist; `None` for anyone or not chosen yet.
fn chosen_staff(draft: &BookDraft) -> Option<StaffId> {
    draft.staff.and_then(|id| StaffId::new(id).ok())
}

/// The staff choice once made: `Some(0)` is anyone.
fn choice(draft: &BookDraft) -> Option<StaffChoice> {
    match draft.staff? {
        0 => Some(StaffChoice::Any),
        id => StaffId::new(id).ok().map(StaffChoice::Only),
    }
}

fn chosen_start(draft: &BookDraft) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(draft.start?, 0)
}
