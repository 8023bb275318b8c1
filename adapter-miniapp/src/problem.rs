//! API errors as RFC 9457 `application/problem+json`: a stable `code` the
//! page can branch on, and a message in the customer's language (English
//! or Russian, the bots' languages).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why a request was not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthorized,
    NotStaff,
    Forbidden,
    NotFound,
    BadRequest,
    TooLarge,
    InvalidName,
    InvalidPhone,
    InvalidComment,
    SlotTaken,
    SlotUnavailable,
    TooLateToCancel,
    TooLateToMove,
    NotPossible,
    VersionConflict,
    TooManyBookings,
    TooManyToday,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthorized => "unauthorized",
            Code::NotStaff => "not_staff",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::BadRequest => "bad_request",
            Code::TooLarge => "too_large",
            Code::InvalidName => "invalid_name",
            Code::InvalidPhone => "invalid_phone",
            Code::InvalidComment => "invalid_comment",
            Code::SlotTaken => "slot_taken",
            Code::SlotUnavailable => "slot_unavailable",
            Code::TooLateToCancel => "too_late_to_cancel",
            Code::TooLateToMove => "too_late_to_move",
            Code::NotPossible => "not_possible",
            Code::VersionConflict => "version_conflict",
            Code::TooManyBookings => "too_many_bookings",
            Code::TooManyToday => "too_many_today",
            Code::Internal => "internal",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::NotStaff | Code::Forbidden => StatusCode::FORBIDDEN,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::BadRequest | Code::InvalidName | Code::InvalidPhone | Code::InvalidComment => {
                StatusCode::BAD_REQUEST
            }
            Code::SlotTaken
            | Code::SlotUnavailable
            | Code::TooLateToCancel
            | Code::TooLateToMove
            | Code::NotPossible
            | Code::VersionConflict => StatusCode::CONFLICT,
            Code::TooManyBookings | Code::TooManyToday => StatusCode::TOO_MANY_REQUESTS,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message in `language` (`ru`, else English).
    fn message(self, russian: bool) -> &'static str {
        match (self, russian) {
            (Code::Unauthorized, false) => "Please open this page from the bot again.",
            (Code::Unauthorized, true) => "Откройте эту страницу из бота ещё раз.",
            (Code::NotStaff, false) => "Please sign in to the admin bot first.",
            (Code::NotStaff, true) => "Сначала войдите в бот администратора.",
            (Code::Forbidden, false) => "Your role does not allow this.",
            (Code::Forbidden, true) => "Ваша роль этого не позволяет.",
            (Code::NotFound, false) => "Not found.",
            (Code::NotFound, true) => "Не найдено.",
            (Code::BadRequest, false) => "The request is not valid.",
            (Code::BadRequest, true) => "Неверный запрос.",
            (Code::TooLarge, false) => "The request is too large.",
            (Code::TooLarge, true) => "Слишком большой запрос.",
            (Code::InvalidName, false) => "Please enter your name.",
            (Code::InvalidName, true) => "Укажите имя.",
            (Code::InvalidPhone, false) => "This does not look like a phone number.",
            (Code::InvalidPhone, true) => "Это не похоже на номер телефона.",
            (Code::InvalidComment, false) => "The comment is too long.",
            (Code::InvalidComment, true) => "Комментарий слишком длинный.",
            (Code::SlotTaken, false) => "This time was just taken. Please choose another.",
            (Code::SlotTaken, true) => "Это время только что заняли. Выберите другое.",
            (Code::SlotUnavailable, false) => "This time cannot be booked.",
            (Code::SlotUnavailable, true) => "На это время записаться нельзя.",
            (Code::TooLateToCancel, false) => "It is too late to cancel online. Please call us.",
            (Code::TooLateToCancel, true) => "Отменить онлайн уже поздно. Позвоните нам.",
            (Code::TooLateToMove, false) => "It is too late to move online. Please call us.",
            (Code::TooLateToMove, true) => "Перенести онлайн уже поздно. Позвоните нам.",
            (Code::NotPossible, false) => "This booking cannot be changed.",
            (Code::NotPossible, true) => "Эту запись нельзя изменить.",
            (Code::VersionConflict, false) => "The booking changed meanwhile. Please look again.",
            (Code::VersionConflict, true) => "Запись изменилась. Посмотрите ещё раз.",
            (Code::TooManyBookings, false) => "You have as many upcoming bookings as allowed.",
            (Code::TooManyBookings, true) => "У вас уже максимум предстоящих записей.",
            (Code::TooManyToday, false) => "Too many changes today. Please try tomorrow.",
            (Code::TooManyToday, true) => "Слишком много изменений за день. Попробуйте завтра.",
            (Code::Internal, false) => "Something went wrong. Please try again.",
            (Code::Internal, true) => "Что-то пошло не так. Попробуйте ещё раз.",
        }
    }
}

/// A problem for a customer reading `language`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Code,
    russian: bool,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    code: &'a str,
}

impl Problem {
    pub fn new(code: Code, language: Option<&str>) -> Self {
        Self {
            code,
            russian: language.is_some_and(|l| l.to_ascii_lowercase().starts_with("ru")),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = Body {
            kind: "about:blank",
            title: self.code.message(self.russian),
            status: status.as_u16(),
            code: self.code.as_str(),
        };
        let text = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (status, text).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}
