//! The simulated customer of the bot latency benchmark: what a chat shows
//! ([`Screen`]), the steps of the flow ([`Step`]) and what a customer does
//! next on a screen ([`next_action`]).

use serde_json::Value;

use crate::common::{Method, callback_update, text_update};

const PHONE: &str = "+49 30 901820";

/// What a chat shows: the bot's last message with a keyboard.
#[derive(Debug, Clone, Default)]
pub(crate) struct Screen {
    pub(crate) message_id: i64,
    pub(crate) text: String,
    /// Callback data of its inline buttons.
    pub(crate) buttons: Vec<String>,
    /// A reply keyboard (the phone step) instead of inline buttons.
    pub(crate) asks_to_type: bool,
}

impl Screen {
    pub(crate) fn of(message_id: i64, body: &Value) -> Option<Self> {
        let markup = &body["reply_markup"];
        let buttons: Vec<String> = markup["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .filter_map(|b| b["callback_data"].as_str().map(str::to_owned))
            .collect();
        let asks_to_type = markup["keyboard"].is_array();
        (!buttons.is_empty() || asks_to_type).then(|| Self {
            message_id,
            text: body["text"].as_str().unwrap_or_default().to_owned(),
            buttons,
            asks_to_type,
        })
    }

    pub(crate) fn buttons_with(&self, part: &str) -> Vec<&str> {
        self.buttons
            .iter()
            .filter(|b| b.contains(part))
            .map(String::as_str)
            .collect()
    }
}

/// Whether the request `method` (with the message `screen` it sent or
/// edited, if any) ends an update: a pressed button ends with its answer,
/// a typed step with the message carrying the next step's buttons.
pub(crate) fn ends_update(method: Method, screen: Option<&Screen>, is_callback: bool) -> bool {
    method == Method::AnswerCallback
        || (!is_callback && screen.is_some_and(|s| !s.buttons.is_empty()))
}

/// The steps of the flow, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Step {
    Start,
    Book,
    Service,
    AnyStaff,
    Day,
    Time,
    Name,
    Phone,
    SkipComment,
    Confirm,
    Menu,
    MyBookings,
    Booking,
    Cancel,
    ConfirmCancel,
}

impl Step {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Step::Start => "`/start` typed: the menu",
            Step::Book => "\"Book\": the services",
            Step::Service => "a service: its staff members",
            Step::AnyStaff => "\"any staff member\": the first page of days with free times",
            Step::Day => "a day: its free times",
            Step::Time => "a time: checked again, the name asked",
            Step::Name => "the name offered: the phone asked",
            Step::Phone => "the phone typed: the comment asked",
            Step::SkipComment => "\"no comment\": the summary",
            Step::Confirm => "\"confirm\": the booking written",
            Step::Menu => "\"menu\": the menu",
            Step::MyBookings => "\"my bookings\": the list",
            Step::Booking => "a booking: its details",
            Step::Cancel => "\"cancel\": asked to confirm",
            Step::ConfirmCancel => "\"yes, cancel\": the booking cancelled",
        }
    }
}

/// Steps of one pass through the flow.
pub(crate) const FLOW_STEPS: usize = 15;

/// What customer `chat` does next on `screen`, having done `last`: the
/// next step of booking a visit, then of cancelling it (so the calendar
/// stays as full as it started), then `/start` again. Days and times are
/// spread over the chats so that they do not all want the same start.
/// The update is the Bot API's JSON, as `getUpdates` serves it.
pub(crate) fn next_action(
    update_id: i64,
    chat: i64,
    round: usize,
    screen: Option<&Screen>,
    last: Option<Step>,
) -> (Step, Value) {
    // A well-mixed choice per chat and round (SplitMix64's multiplier), so
    // that chats at the same step spread over the days and times offered.
    let mixed = |salt: u64| {
        let seed = (chat as u64) << 32 | (round as u64) << 8 | salt;
        (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
    };
    let pick = |buttons: Vec<&str>, salt: u64| -> String {
        buttons[mixed(salt) % buttons.len()].to_owned()
    };
    // Most customers want a haircut, some a beard trim, few colouring.
    let service = |buttons: Vec<&str>| -> String {
        let wanted = match mixed(0) % 10 {
            0..=5 => "|sv:1",
            6..=8 => "|sv:2",
            _ => "|sv:3",
        };
        let button = buttons
            .iter()
            .find(|b| b.ends_with(wanted))
            .unwrap_or(&buttons[0]);
        (*button).to_owned()
    };
    let press = |step, data: &str, screen: &Screen| {
        let update = callback_update(update_id, chat, screen.message_id, &screen.text, data);
        (step, update)
    };
    let first = |s: &Screen, part: &str| s.buttons_with(part).first().map(|b| (*b).to_owned());
    let has = |s: &Screen, data: &str| s.buttons.iter().any(|b| b == data);
    match screen {
        Some(s) if s.asks_to_type => (Step::Phone, text_update(update_id, chat, PHONE)),
        Some(s) if first(s, "|sv:").is_some() => {
            press(Step::Service, &service(s.buttons_with("|sv:")), s)
        }
        Some(s) if first(s, "|sa").is_some() => press(Step::AnyStaff, &first(s, "|sa").unwrap(), s),
        Some(s) if first(s, "|d:").is_some() => {
            press(Step::Day, &pick(s.buttons_with("|d:"), 1), s)
        }
        Some(s) if first(s, "|t:").is_some() => {
            press(Step::Time, &pick(s.buttons_with("|t:"), 2), s)
        }
        Some(s) if first(s, "|n:").is_some() => press(Step::Name, &first(s, "|n:").unwrap(), s),
        Some(s) if first(s, "|sc").is_some() => {
            press(Step::SkipComment, &first(s, "|sc").unwrap(), s)
        }
        Some(s) if first(s, "|ok").is_some() => press(Step::Confirm, &first(s, "|ok").unwrap(), s),
        Some(s) if first(s, "|b:").is_some() => press(Step::Booking, &first(s, "|b:").unwrap(), s),
        Some(s) if first(s, "|c:").is_some() => press(Step::Cancel, &first(s, "|c:").unwrap(), s),
        Some(s) if first(s, "|cy:").is_some() => {
            press(Step::ConfirmCancel, &first(s, "|cy:").unwrap(), s)
        }
        // The main menu: after booking, to the bookings; else to book.
        Some(s) if has(s, "m:l") && last == Some(Step::Menu) => press(Step::MyBookings, "m:l", s),
        Some(s) if has(s, "m:l") => press(Step::Book, "m:b", s),
        // Booked: back to the menu.
        Some(s) if has(s, "m:s") && !has(s, "m:b") => press(Step::Menu, "m:s", s),
        // Cancelled (or anything else that ended a flow): start again.
        _ => (Step::Start, text_update(update_id, chat, "/start")),
    }
}
