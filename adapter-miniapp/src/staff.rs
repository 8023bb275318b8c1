//! The staff API under `/app/api/staff/`: a day's bookings and blocked time,
//! booking a caller by phone into a free cell, and the lifecycle actions on
//! a booking (confirm, cancel with a reason, completed, no-show). Calls carry init data signed for the **admin**
//! bot; who may do what is the admin gate's and the engine's decision, as
//! in the admin bot: the gate ([`StaffGate`]) says who the user is (owner,
//! manager, staff member, signed in with the PIN when one is set), and the
//! engine refuses what their role does not allow.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use booking_domain::{BookingId, CancelReason, ServiceId, StaffChoice, StaffId, TimeOff, Version};
use booking_ports::engine::{
    BookingChangeError, Period, PhoneLookupError, RecordCustomerError, RescheduleBookingError,
    StaffBookError, StaffBookingForm, StaffReadError, WeekError,
};
use booking_ports::{BookingDetails, Engine, StaffActor, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{BookingJson, MAX_BODY_BYTES, booking_json, parse_staff_choice, secure};
use crate::init_data::InitDataCheck;
use crate::problem::{Code, Problem};

/// Who a Telegram user is to the admin side, decided by the admin bot's
/// access gate (allow-lists, PIN sessions, joined staff). `None`: not let
/// in now.
#[async_trait]
pub trait StaffGate: Send + Sync {
    /// # Errors
    /// [`StoreError`] when the gate's records cannot be read.
    async fn actor(&self, user: i64) -> Result<Option<StaffActor>, StoreError>;
}

/// What the staff API needs: the engine, the admin bot's init data check,
/// and its gate.
pub struct StaffApi {
    pub engine: Arc<Engine>,
    pub check: InitDataCheck,
    pub gate: Arc<dyn StaffGate>,
    /// Development mode: a call without an `Authorization` header is this
    /// Telegram user, still asked of the gate.
    pub dev_user: Option<i64>,
}

impl std::fmt::Debug for StaffApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffApi").finish_non_exhaustive()
    }
}

/// The staff API's routes.
pub fn staff_router(api: Arc<StaffApi>) -> Router {
    Router::new()
        .route("/app/api/staff/day", get(day))
        .route("/app/api/staff/bookings", post(book_caller))
        .route("/app/api/staff/bookings/{id}/{action}", post(act))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(secure))
        .with_state(api)
}

/// The staff user a request acts for.
#[derive(Debug)]
pub struct Staff {
    actor: StaffActor,
    language: Option<String>,
}

impl Staff {
    fn problem(&self, code: Code) -> Problem {
        Problem::new(code, self.language.as_deref())
    }

    fn internal(&self, what: &str, error: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %error, "the Mini App staff API failed to {what}");
        self.problem(Code::Internal)
    }
}

impl FromRequestParts<Arc<StaffApi>> for Staff {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        api: &Arc<StaffApi>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION);
        let (user, language) = match (header, api.dev_user) {
            (None, Some(user)) => (user, None),
            _ => {
                let raw = header
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("tma "))
                    .ok_or_else(|| Problem::new(Code::Unauthorized, None))?;
                let data = api
                    .check
                    .check(raw, api.engine.now())
                    .map_err(|_| Problem::new(Code::Unauthorized, None))?;
                (data.user.id, data.user.language_code)
            }
        };
        match api.gate.actor(user).await {
            Ok(Some(actor)) => Ok(Self { actor, language }),
            Ok(None) => Err(Problem::new(Code::NotStaff, language.as_deref())),
            Err(e) => {
                tracing::error!(error = %e, "the Mini App staff API failed to check access");
                Err(Problem::new(Code::Internal, language.as_deref()))
            }
        }
    }
}

/// `day` defaults to the business's today; `days` is 1 (the day) or 7
/// (the week from it).
#[derive(Deserialize)]
struct DayQuery {
    day: Option<NaiveDate>,
    staff: Option<i64>,
    days: Option<u8>,
}

#[derive(Serialize)]
struct CustomerJson {
    name: String,
    phone: Option<String>,
}

#[derive(Serialize)]
struct StaffBookingJson {
    #[serde(flatten)]
    booking: BookingJson,
    /// Who it is for, as booked (full, for staff who may see it).
    customer: Option<CustomerJson>,
}

#[derive(Serialize)]
struct BlockJson {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// `None`: everyone.
    staff: Option<i64>,
}

#[derive(Serialize)]
struct NamedJson {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct ServiceJson {
    id: i64,
    name: String,
    duration_minutes: u32,
}

#[derive(Serialize)]
struct DayJson {
    day: NaiveDate,
    /// Every day shown, from `day`.
    days: Vec<NaiveDate>,
    /// The business's IANA time zone, in which the grid shows times.
    time_zone: String,
    /// The active staff whose schedules the user may see (a staff member:
    /// themselves), whatever `staff` asked: the day's columns, the week's
    /// choice.
    staff: Vec<NamedJson>,
    /// The active services, to book a caller into a free cell.
    services: Vec<ServiceJson>,
    bookings: Vec<StaffBookingJson>,
    blocked: Vec<BlockJson>,
    /// Working time no booking or block takes, from now on: where a caller
    /// can be booked.
    free: Vec<BlockJson>,
}

fn staff_booking_json(details: &BookingDetails) -> StaffBookingJson {
    StaffBookingJson {
        booking: booking_json(details),
        customer: details.booking.booked_for().map(|who| CustomerJson {
            name: who.name.expose().to_owned(),
            phone: who.phone.as_ref().map(|p| p.expose().to_owned()),
        }),
    }
}

fn block_json(block: &TimeOff) -> BlockJson {
    BlockJson {
        start: block.period().start(),
        end: block.period().end(),
        staff: block.spec().staff.map(StaffId::get),
    }
}

/// `day` for `staff` (absent or 0: every schedule the user may see).
async fn day(
    State(api): State<Arc<StaffApi>>,
    who: Staff,
    query: Result<Query<DayQuery>, QueryRejection>,
) -> Result<Json<DayJson>, Problem> {
    let Query(q) = query.map_err(|_| who.problem(Code::BadRequest))?;
    let the_day = q
        .day
        .unwrap_or_else(|| api.engine.policy().today(api.engine.now()));
    let days: Vec<NaiveDate> = match q.days.unwrap_or(1) {
        count @ (1 | 7) => the_day.iter_days().take(usize::from(count)).collect(),
        _ => return Err(who.problem(Code::BadRequest)),
    };
    let last = days.last().copied().unwrap_or(the_day);
    let period = Period::new(the_day, last).map_err(|_| who.problem(Code::BadRequest))?;
    let staff = match parse_staff_choice(q.staff).ok_or_else(|| who.problem(Code::BadRequest))? {
        StaffChoice::Any => None,
        StaffChoice::Only(id) => Some(id),
    };
    let bookings = match api.engine.bookings_in(&who.actor, period, staff).await {
        Ok(bookings) => bookings,
        Err(StaffReadError::Forbidden(_)) => return Err(who.problem(Code::Forbidden)),
        Err(StaffReadError::Store(e)) => return Err(who.internal("list a day", e)),
    };
    let blocked = api
        .engine
        .blocked_periods(&who.actor, period)
        .await
        .map_err(|e| who.internal("list blocked time", e))?;
    let week = match api.engine.week(&who.actor, the_day, staff).await {
        Ok(week) => week,
        Err(WeekError::Forbidden(_)) => return Err(who.problem(Code::Forbidden)),
        Err(WeekError::UnknownStaff { .. }) => return Err(who.problem(Code::NotFound)),
        Err(WeekError::Store(e)) => return Err(who.internal("read the day's free time", e)),
    };
    let free = week
        .staff
        .iter()
        .flat_map(|w| {
            let id = w.member.id().get();
            w.days
                .iter()
                .filter(|d| days.contains(&d.day))
                .flat_map(|d| d.free.iter())
                .map(move |window| BlockJson {
                    start: window.start(),
                    end: window.end(),
                    staff: Some(id),
                })
        })
        .collect();
    let members = api
        .engine
        .all_staff(&who.actor)
        .await
        .map_err(|e| who.internal("list staff", e))?;
    let services = api
        .engine
        .all_services(&who.actor)
        .await
        .map_err(|e| who.internal("list services", e))?;
    Ok(Json(DayJson {
        day: the_day,
        days: days.clone(),
        time_zone: api.engine.policy().time_zone().name().to_owned(),
        staff: members
            .iter()
            .filter(|m| m.is_active() && who.actor.may_act_for(m.id()))
            .map(|m| NamedJson {
                id: m.id().get(),
                name: m.name().to_string(),
            })
            .collect(),
        services: services
            .iter()
            .filter(|s| s.spec().active)
            .map(|s| ServiceJson {
                id: s.id().get(),
                name: s.name().to_string(),
                duration_minutes: s.spec().duration.get(),
            })
            .collect(),
        bookings: bookings.iter().map(staff_booking_json).collect(),
        blocked: blocked
            .iter()
            .filter(|b| staff.is_none_or(|id| b.applies_to(id)))
            .map(block_json)
            .collect(),
        free,
    }))
}

#[derive(Deserialize)]
struct ActionBody {
    version: i64,
    /// For `cancel`: shown to the customer.
    reason: Option<String>,
    /// For `move`: to whom (absent or 0: anyone free) and when.
    staff: Option<i64>,
    start: Option<DateTime<Utc>>,
}

/// Moves booking `id`, seen at `version`, to `staff` at `start`.
async fn move_to(
    api: &StaffApi,
    who: &Staff,
    id: BookingId,
    version: Version,
    body: &ActionBody,
) -> Result<Json<StaffBookingJson>, Problem> {
    let start = body.start.ok_or_else(|| who.problem(Code::BadRequest))?;
    let staff = parse_staff_choice(body.staff).ok_or_else(|| who.problem(Code::BadRequest))?;
    match api
        .engine
        .reschedule_booking(&who.actor, id, version, staff, start)
        .await
    {
        Ok(moved) => Ok(Json(staff_booking_json(&moved.new))),
        Err(RescheduleBookingError::NotFound) => Err(who.problem(Code::NotFound)),
        Err(RescheduleBookingError::Forbidden(_)) => Err(who.problem(Code::Forbidden)),
        Err(RescheduleBookingError::VersionConflict { .. }) => {
            Err(who.problem(Code::VersionConflict))
        }
        Err(RescheduleBookingError::SlotTaken { .. }) => Err(who.problem(Code::SlotTaken)),
        Err(RescheduleBookingError::Slot(_)) => Err(who.problem(Code::SlotUnavailable)),
        Err(RescheduleBookingError::Refused(_) | RescheduleBookingError::TooManyToday { .. }) => {
            Err(who.problem(Code::NotPossible))
        }
        Err(RescheduleBookingError::Store(e)) => Err(who.internal("move a booking", e)),
    }
}

/// `confirm`, `cancel`, `complete`, `no_show` or `move` on booking `id`.
async fn act(
    State(api): State<Arc<StaffApi>>,
    who: Staff,
    Path((id, action)): Path<(i64, String)>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> Result<Json<StaffBookingJson>, Problem> {
    let Json(body) = body.map_err(|_| who.problem(Code::BadRequest))?;
    let id = BookingId::new(id).map_err(|_| who.problem(Code::NotFound))?;
    let version = Version::new(body.version).map_err(|_| who.problem(Code::BadRequest))?;
    if action == "move" {
        return move_to(&api, &who, id, version, &body).await;
    }
    let (engine, actor) = (&api.engine, &who.actor);
    let result = match action.as_str() {
        "confirm" => engine.confirm_booking(actor, id, version).await,
        "cancel" => {
            let reason = match body.reason.as_deref().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    Some(CancelReason::new(text).map_err(|_| who.problem(Code::BadRequest))?)
                }
                _ => None,
            };
            engine.cancel_booking(actor, id, version, reason).await
        }
        "complete" => engine.complete_booking(actor, id, version).await,
        "no_show" => engine.mark_no_show(actor, id, version).await,
        _ => return Err(who.problem(Code::NotFound)),
    };
    match result {
        Ok(details) => Ok(Json(staff_booking_json(&details))),
        Err(BookingChangeError::NotFound) => Err(who.problem(Code::NotFound)),
        Err(BookingChangeError::Forbidden(_)) => Err(who.problem(Code::Forbidden)),
        Err(BookingChangeError::VersionConflict { .. }) => Err(who.problem(Code::VersionConflict)),
        Err(BookingChangeError::Refused(_) | BookingChangeError::TooManyToday { .. }) => {
            Err(who.problem(Code::NotPossible))
        }
        Err(BookingChangeError::Store(e)) => Err(who.internal("change a booking", e)),
    }
}

#[derive(Deserialize)]
struct CallerBody {
    phone: String,
    /// Needed only when nobody has the phone yet.
    name: Option<String>,
    service: i64,
    /// Absent or 0: anyone free (for a staff member, themselves).
    staff: Option<i64>,
    start: DateTime<Utc>,
    comment: Option<String>,
}

/// Books a caller or a walk-in, found by phone or recorded with `name`,
/// by the staff policy (the same calendar as customers'), confirmed at
/// once.
async fn book_caller(
    State(api): State<Arc<StaffApi>>,
    who: Staff,
    body: Result<Json<CallerBody>, JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<StaffBookingJson>), Problem> {
    let Json(body) = body.map_err(|_| who.problem(Code::BadRequest))?;
    let (engine, actor) = (&api.engine, &who.actor);
    let known = match engine.customer_by_phone(actor, &body.phone).await {
        Ok(known) => known,
        Err(PhoneLookupError::InvalidPhone(_)) => return Err(who.problem(Code::InvalidPhone)),
        Err(PhoneLookupError::Store(e)) => return Err(who.internal("find a customer", e)),
    };
    let customer = match known {
        Some(profile) => profile,
        None => {
            let name = body.name.as_deref().unwrap_or_default();
            match engine.record_customer(actor, name, &body.phone, None).await {
                Ok(profile) => profile,
                Err(RecordCustomerError::InvalidName(_)) => {
                    return Err(who.problem(Code::InvalidName));
                }
                Err(RecordCustomerError::InvalidPhone(_)) => {
                    return Err(who.problem(Code::InvalidPhone));
                }
                // Recorded a moment ago by someone else: book for them.
                Err(RecordCustomerError::PhoneTaken { holder }) => *holder,
                Err(RecordCustomerError::Store(e)) => {
                    return Err(who.internal("record a customer", e));
                }
            }
        }
    };
    let service = ServiceId::new(body.service).map_err(|_| who.problem(Code::BadRequest))?;
    let staff = parse_staff_choice(body.staff).ok_or_else(|| who.problem(Code::BadRequest))?;
    let form = StaffBookingForm {
        customer: customer.id,
        service,
        staff,
        start: body.start,
        comment: body.comment,
    };
    let booking = match engine.book_for_customer(actor, form).await {
        Ok(booking) => booking,
        Err(StaffBookError::SlotTaken { .. }) => return Err(who.problem(Code::SlotTaken)),
        Err(StaffBookError::Slot(_)) => return Err(who.problem(Code::SlotUnavailable)),
        Err(StaffBookError::UnknownService | StaffBookError::UnknownCustomer) => {
            return Err(who.problem(Code::NotFound));
        }
        Err(StaffBookError::InvalidComment(_)) => return Err(who.problem(Code::InvalidComment)),
        Err(StaffBookError::Forbidden(_)) => return Err(who.problem(Code::Forbidden)),
        Err(StaffBookError::Store(e)) => return Err(who.internal("book a caller", e)),
    };
    let details = engine
        .booking_details(actor, booking.id())
        .await
        .map_err(|e| who.internal("read the new booking", e))?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(staff_booking_json(&details)),
    ))
}
