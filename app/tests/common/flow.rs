//! The client bot's booking flow as a customer drives it through the fake
//! Bot API: up to the summary with its "Confirm" button, taking the first
//! choice at each step (days and times depend on today's date).

use serde_json::Value;
use tokio::sync::mpsc;

use super::{
    FakeTelegram, button, next_reply, next_screen, press_update, start_update, text_update,
};

/// The next screen carrying a button labelled `label`.
pub async fn screen_with(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    label: &str,
) -> Value {
    loop {
        let screen = next_screen(requests, label).await;
        if button(&screen, label).is_some() {
            return screen;
        }
    }
}

/// `customer` books the first free time of the first service, as
/// `name` and `phone`, up to the summary, whose "✅ Confirm" press has
/// been answered; update ids come from `next_id`.
pub async fn to_summary(
    fake: &FakeTelegram,
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    customer: i64,
    (name, phone): (&str, &str),
    next_id: &mut impl FnMut() -> i64,
) -> Value {
    fake.push_update(start_update(next_id(), customer));
    let mut screen = next_screen(requests, "the menu").await;
    for step in ["📅 Book", "", "", "", ""] {
        let data = button(&screen, step).unwrap_or_else(|| panic!("no {step:?} button: {screen}"));
        fake.push_update(press_update(next_id(), customer, &screen, &data));
        screen = next_screen(requests, "the next booking step").await;
        if screen["reply_markup"].is_null() {
            break; // asked for the name
        }
    }
    fake.push_update(text_update(next_id(), customer, name));
    next_screen(requests, "the question for the phone").await;
    fake.push_update(text_update(next_id(), customer, phone));
    let comment = screen_with(requests, "Skip").await;
    let skip = next_id();
    fake.push_update(press_update(
        skip,
        customer,
        &comment,
        &button(&comment, "Skip").unwrap(),
    ));
    // The summary, and the answer to the press: that handler is done.
    let (mut summary, mut answered) = (None, false);
    while summary.is_none() || !answered {
        let (_, body) = next_reply(requests, "the summary").await;
        if button(&body, "✅ Confirm").is_some() {
            summary = Some(body);
        } else if body["callback_query_id"] == format!("press-{skip}") {
            answered = true;
        }
    }
    summary.unwrap()
}
