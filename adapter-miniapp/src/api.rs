//! The customer API under `/app/api/`: services, free days and times, the
//! customer's bookings, booking, cancelling and moving. Every call carries
//! the Mini App's init data (`Authorization: tma <initData>`); the customer
//! is the Telegram user it names and nobody else, and the engine decides
//! the rest (someone else's booking is "not found", as in the bot).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use booking_domain::{
    BookingId, BookingStatus, CustomerId, ServiceId, StaffChoice, StaffId, TelegramUserId,
    TransitionError, Version,
};
use booking_ports::engine::{
    AvailabilityError, BookError, BookingChangeError, BookingForm, RescheduleBookingError,
};
use booking_ports::{BookingDetails, Engine, Language};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::init_data::InitDataCheck;
use crate::problem::{Code, Problem};

/// The largest JSON body read: a booking form is well under 2 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the API needs: the engine and the check of the client bot's init
/// data.
#[derive(Debug)]
pub struct ClientApi {
    pub engine: Arc<Engine>,
    pub check: InitDataCheck,
    /// Development mode: a call without an `Authorization` header acts as
    /// this Telegram user. The app allows it only on a loopback listener.
    pub dev_user: Option<i64>,
}

/// The API's routes, with the body limit and security headers.
pub fn router(api: Arc<ClientApi>) -> Router {
    Router::new()
        .route("/app/api/me", get(me))
        .route("/app/api/services", get(services))
        .route("/app/api/days", get(days))
        .route("/app/api/times", get(times))
        .route("/app/api/bookings", get(my_bookings).post(book))
        .route("/app/api/bookings/{id}/cancel", post(cancel))
        .route("/app/api/bookings/{id}/move", post(move_booking))
        .route("/app/api/bookings/{id}/days", get(crate::moving::days))
        .route("/app/api/bookings/{id}/times", get(crate::moving::times))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(secure))
        .with_state(api)
}

/// An API response is data, never a page: nothing in it may run.
pub(crate) async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The customer a request acts for, from its checked init data.
#[derive(Debug)]
pub struct Customer {
    pub(crate) account: TelegramUserId,
    language: Option<String>,
}

impl Customer {
    pub(crate) fn problem(&self, code: Code) -> Problem {
        Problem::new(code, self.language.as_deref())
    }

    /// A body that did not read: too large, or not the JSON expected.
    fn body_problem(&self, rejection: &JsonRejection) -> Problem {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            self.problem(Code::TooLarge)
        } else {
            self.problem(Code::BadRequest)
        }
    }

    pub(crate) fn internal(&self, what: &str, error: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %error, "the Mini App API failed to {what}");
        self.problem(Code::Internal)
    }
}

impl FromRequestParts<Arc<ClientApi>> for Customer {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        api: &Arc<ClientApi>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = Problem::new(Code::Unauthorized, None);
        let header = parts.headers.get(header::AUTHORIZATION);
        if let (None, Some(user)) = (header, api.dev_user) {
            let account = TelegramUserId::new(user).map_err(|_| unauthorized.clone())?;
            return Ok(Self {
                account,
                language: None,
            });
        }
        let raw = header
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("tma "))
            .ok_or_else(|| unauthorized.clone())?;
        let data = api
            .check
            .check(raw, api.engine.now())
            .map_err(|_| unauthorized.clone())?;
        let account = TelegramUserId::new(data.user.id).map_err(|_| unauthorized)?;
        Ok(Self {
            account,
            language: data.user.language_code,
        })
    }
}

type ApiResult<T> = Result<Json<T>, Problem>;

#[derive(Serialize)]
struct MeJson {
    /// The Telegram user the page acts for.
    telegram_id: i64,
    /// The customer record's name and phone, to prefill the form; `None`
    /// before the first booking.
    name: Option<String>,
    phone: Option<String>,
    /// The business's IANA time zone, in which the page shows times.
    time_zone: String,
}

/// Who the page acts for, with their stored name and phone.
async fn me(State(api): State<Arc<ClientApi>>, who: Customer) -> ApiResult<MeJson> {
    let record = api
        .engine
        .account(who.account)
        .await
        .map_err(|e| who.internal("read the customer", e))?;
    Ok(Json(MeJson {
        time_zone: api.engine.policy().time_zone().name().to_owned(),
        telegram_id: who.account.get(),
        name: record.as_ref().map(|r| r.name.expose().to_owned()),
        phone: record
            .as_ref()
            .and_then(|r| r.phone.as_ref())
            .map(|p| p.expose().to_owned()),
    }))
}

#[derive(Serialize)]
struct Named {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct ServiceJson {
    id: i64,
    name: String,
    duration_minutes: u32,
    price_minor: i64,
    currency: String,
    staff: Vec<Named>,
}

async fn services(State(api): State<Arc<ClientApi>>, who: Customer) -> ApiResult<Vec<ServiceJson>> {
    let offers = api
        .engine
        .services()
        .await
        .map_err(|e| who.internal("list services", e))?;
    Ok(Json(
        offers
            .into_iter()
            .map(|offer| ServiceJson {
                id: offer.service.id().get(),
                name: offer.service.name().to_string(),
                duration_minutes: offer.service.spec().duration.get(),
                price_minor: offer.service.spec().price.minor(),
                currency: offer.service.spec().price.currency().to_string(),
                staff: offer
                    .performers
                    .iter()
                    .map(|m| Named {
                        id: m.id().get(),
                        name: m.name().to_string(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// `staff` absent or 0: anyone who performs the service; `None` for an
/// id that cannot be one. Shared with the staff API.
pub(crate) fn parse_staff_choice(staff: Option<i64>) -> Option<StaffChoice> {
    match staff {
        None | Some(0) => Some(StaffChoice::Any),
        Some(id) => StaffId::new(id).ok().map(StaffChoice::Only),
    }
}

pub(crate) fn staff_choice(staff: Option<i64>, who: &Customer) -> Result<StaffChoice, Problem> {
    parse_staff_choice(staff).ok_or_else(|| who.problem(Code::BadRequest))
}

fn service_id(id: i64, who: &Customer) -> Result<ServiceId, Problem> {
    ServiceId::new(id).map_err(|_| who.problem(Code::BadRequest))
}

/// `from` and `to` default to today and the last bookable day, so a page
/// need not know the business's date.
#[derive(Deserialize)]
struct DaysQuery {
    service: i64,
    staff: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Serialize)]
pub(crate) struct DaysJson {
    pub(crate) days: Vec<NaiveDate>,
}

async fn days(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> ApiResult<DaysJson> {
    let Query(q) = query.map_err(|_| who.problem(Code::BadRequest))?;
    let staff = staff_choice(q.staff, &who)?;
    let (policy, now) = (api.engine.policy(), api.engine.now());
    let from = q.from.unwrap_or_else(|| policy.today(now));
    let to = q.to.unwrap_or_else(|| policy.last_bookable_day(now));
    match api
        .engine
        .days_with_free_times(service_id(q.service, &who)?, staff, from, to)
        .await
    {
        Ok(days) => Ok(Json(DaysJson { days })),
        Err(AvailabilityError::UnknownService) => Err(who.problem(Code::NotFound)),
        Err(e) => Err(who.internal("list free days", e)),
    }
}

#[derive(Deserialize)]
struct TimesQuery {
    service: i64,
    staff: Option<i64>,
    day: NaiveDate,
}

#[derive(Serialize)]
pub(crate) struct TimeJson {
    pub(crate) start: DateTime<Utc>,
    pub(crate) staff: Vec<i64>,
}

#[derive(Serialize)]
pub(crate) struct TimesJson {
    pub(crate) times: Vec<TimeJson>,
}

async fn times(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    query: Result<Query<TimesQuery>, QueryRejection>,
) -> ApiResult<TimesJson> {
    let Query(q) = query.map_err(|_| who.problem(Code::BadRequest))?;
    let staff = staff_choice(q.staff, &who)?;
    match api
        .engine
        .free_times(service_id(q.service, &who)?, staff, q.day)
        .await
    {
        Ok(starts) => Ok(Json(TimesJson {
            times: starts
                .into_iter()
                .map(|s| TimeJson {
                    start: s.start,
                    staff: s.staff.iter().map(|id| id.get()).collect(),
                })
                .collect(),
        })),
        Err(AvailabilityError::UnknownService) => Err(who.problem(Code::NotFound)),
        Err(e) => Err(who.internal("list free times", e)),
    }
}

#[derive(Serialize)]
pub(crate) struct BookingJson {
    id: i64,
    version: i64,
    status: &'static str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    service: Option<Named>,
    staff: Option<Named>,
    comment: Option<String>,
}

fn status_name(status: &BookingStatus) -> &'static str {
    match status {
        BookingStatus::Pending => "pending",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Completed => "completed",
        BookingStatus::NoShow => "no_show",
        BookingStatus::Cancelled(_) => "cancelled",
        BookingStatus::Rescheduled { .. } => "moved",
    }
}

pub(crate) fn booking_json(details: &BookingDetails) -> BookingJson {
    let b = &details.booking;
    BookingJson {
        id: b.id().get(),
        version: b.version().get(),
        status: status_name(b.status()),
        start: b.start(),
        end: b.end(),
        service: details.service.as_ref().map(|s| Named {
            id: s.id().get(),
            name: s.name().to_string(),
        }),
        staff: details.staff.as_ref().map(|m| Named {
            id: m.id().get(),
            name: m.name().to_string(),
        }),
        comment: b.comment().map(|c| c.to_string()),
    }
}

/// The customer record the account acts as; `None` before its first
/// booking (nothing of theirs exists yet).
pub(crate) async fn customer_of(
    api: &ClientApi,
    who: &Customer,
) -> Result<Option<CustomerId>, Problem> {
    api.engine
        .customer_of_account(who.account)
        .await
        .map_err(|e| who.internal("find the customer", e))
}

async fn my_bookings(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
) -> ApiResult<Vec<BookingJson>> {
    let Some(customer) = customer_of(&api, &who).await? else {
        return Ok(Json(Vec::new()));
    };
    let bookings = api
        .engine
        .my_bookings(customer)
        .await
        .map_err(|e| who.internal("list bookings", e))?;
    Ok(Json(bookings.iter().map(booking_json).collect()))
}

#[derive(Deserialize)]
struct BookBody {
    service: i64,
    staff: Option<i64>,
    start: DateTime<Utc>,
    name: String,
    phone: String,
    comment: Option<String>,
}

fn book_problem(who: &Customer, error: BookError) -> Problem {
    match error {
        BookError::InvalidName(_) => who.problem(Code::InvalidName),
        BookError::InvalidPhone(_) => who.problem(Code::InvalidPhone),
        BookError::InvalidComment(_) => who.problem(Code::InvalidComment),
        BookError::UnknownService => who.problem(Code::NotFound),
        BookError::Slot(_) => who.problem(Code::SlotUnavailable),
        BookError::SlotTaken { .. } => who.problem(Code::SlotTaken),
        BookError::TooManyActiveBookings { .. } => who.problem(Code::TooManyBookings),
        BookError::TooManyToday { .. } => who.problem(Code::TooManyToday),
        BookError::Store(e) => who.internal("make a booking", e),
    }
}

async fn book(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    body: Result<Json<BookBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingJson>), Problem> {
    let Json(body) = body.map_err(|e| who.body_problem(&e))?;
    let form = BookingForm {
        service: service_id(body.service, &who)?,
        staff: staff_choice(body.staff, &who)?,
        start: body.start,
        name: body.name,
        phone: body.phone,
        comment: body.comment,
        language: who.language.as_deref().and_then(|l| Language::new(l).ok()),
    };
    match api.engine.book_as(who.account, form).await {
        Ok(details) => Ok((StatusCode::CREATED, Json(booking_json(&details)))),
        Err(e) => Err(book_problem(&who, e)),
    }
}

fn ids(id: i64, version: i64, who: &Customer) -> Result<(BookingId, Version), Problem> {
    let id = BookingId::new(id).map_err(|_| who.problem(Code::NotFound))?;
    let version = Version::new(version).map_err(|_| who.problem(Code::BadRequest))?;
    Ok((id, version))
}

#[derive(Deserialize)]
struct CancelBody {
    version: i64,
}

async fn cancel(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    Path(id): Path<i64>,
    body: Result<Json<CancelBody>, JsonRejection>,
) -> ApiResult<BookingJson> {
    let Json(body) = body.map_err(|e| who.body_problem(&e))?;
    let (id, version) = ids(id, body.version, &who)?;
    let Some(customer) = customer_of(&api, &who).await? else {
        return Err(who.problem(Code::NotFound));
    };
    match api.engine.cancel_my_booking(customer, id, version).await {
        Ok(details) => Ok(Json(booking_json(&details))),
        Err(BookingChangeError::NotFound | BookingChangeError::Forbidden(_)) => {
            Err(who.problem(Code::NotFound))
        }
        Err(BookingChangeError::VersionConflict { .. }) => Err(who.problem(Code::VersionConflict)),
        Err(BookingChangeError::Refused(TransitionError::PastCutoff { .. })) => {
            Err(who.problem(Code::TooLateToCancel))
        }
        Err(BookingChangeError::Refused(_)) => Err(who.problem(Code::NotPossible)),
        Err(BookingChangeError::TooManyToday { .. }) => Err(who.problem(Code::TooManyToday)),
        Err(BookingChangeError::Store(e)) => Err(who.internal("cancel a booking", e)),
    }
}

#[derive(Deserialize)]
struct MoveBody {
    version: i64,
    staff: Option<i64>,
    start: DateTime<Utc>,
}

async fn move_booking(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    Path(id): Path<i64>,
    body: Result<Json<MoveBody>, JsonRejection>,
) -> ApiResult<BookingJson> {
    let Json(body) = body.map_err(|e| who.body_problem(&e))?;
    let (id, version) = ids(id, body.version, &who)?;
    let staff = staff_choice(body.staff, &who)?;
    let Some(customer) = customer_of(&api, &who).await? else {
        return Err(who.problem(Code::NotFound));
    };
    match api
        .engine
        .reschedule_my_booking(customer, id, version, staff, body.start)
        .await
    {
        Ok(moved) => Ok(Json(booking_json(&moved.new))),
        Err(RescheduleBookingError::NotFound | RescheduleBookingError::Forbidden(_)) => {
            Err(who.problem(Code::NotFound))
        }
        Err(RescheduleBookingError::VersionConflict { .. }) => {
            Err(who.problem(Code::VersionConflict))
        }
        Err(RescheduleBookingError::Refused(TransitionError::PastCutoff { .. })) => {
            Err(who.problem(Code::TooLateToMove))
        }
        Err(RescheduleBookingError::Refused(_)) => Err(who.problem(Code::NotPossible)),
        Err(RescheduleBookingError::Slot(_)) => Err(who.problem(Code::SlotUnavailable)),
        Err(RescheduleBookingError::SlotTaken { .. }) => Err(who.problem(Code::SlotTaken)),
        Err(RescheduleBookingError::TooManyToday { .. }) => Err(who.problem(Code::TooManyToday)),
        Err(RescheduleBookingError::Store(e)) => Err(who.internal("move a booking", e)),
    }
}
