//! The simulated customer: books the Express trim from /start to the
//! outcome through the proxy, reading the replies the fake Bot API sorted to
//! their chat. A screen repeated after the kill (its update handled by the
//! killed instance and again by the one that took the chat over) is read
//! once, as a person would; anything else a killed instance could leave
//! behind, a button that expired under them or a typed answer applied
//! twice, fails the test.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::common::{GIVE_UP, button, press_update, start_update, text_update};
use crate::proxy::deliver;
use crate::{FIRST_CUSTOMER, THINK};

pub(crate) fn text_of(body: &Value) -> &str {
    body["text"].as_str().unwrap_or_default()
}

/// The action part of a flow button's data (`<flow>|<action>`).
pub(crate) fn action(data: &str) -> &str {
    data.split_once('|').map_or("", |(_, action)| action)
}

/// The buttons whose action starts with `prefix` (`d:` days, `t:` times).
pub(crate) fn buttons_with(body: &Value, prefix: &str) -> Vec<String> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .filter_map(|b| b["callback_data"].as_str())
        .filter(|data| action(data).starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

pub(crate) fn button_containing(body: &Value, label: &str) -> Option<String> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .find(|b| b["text"].as_str().is_some_and(|t| t.contains(label)))
        .and_then(|b| b["callback_data"].as_str().map(str::to_owned))
}

/// A customer's name: letters only, one per customer.
pub(crate) fn name_of(k: usize) -> String {
    let letter = |n: usize| char::from(b'a' + u8::try_from(n % 26).unwrap());
    format!(
        "Client {}{}",
        letter(k / 26).to_ascii_uppercase(),
        letter(k)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Booked,
    /// Someone else took the time first.
    Taken,
}

/// One simulated customer: their chat, what they saw, and the ids of the
/// updates they sent (customer * 100 + n, so a callback answer names its
/// customer).
pub(crate) struct Customer {
    k: usize,
    chat: i64,
    proxy: SocketAddr,
    replies: mpsc::UnboundedReceiver<(String, Value)>,
    seen: Vec<String>,
    sent: i64,
    /// The id of the last button press sent.
    last_press: i64,
    /// Screens received since that press.
    screens_since_press: usize,
}

impl Customer {
    async fn send(&mut self, update: impl FnOnce(i64, i64) -> Value) {
        // A person reads a screen before acting on it; a customer faster
        // than the bot's per-chat budget (2 updates a second) is told to
        // slow down and loses the update.
        tokio::time::sleep(THINK).await;
        self.sent += 1;
        let update = update(self.k as i64 * 100 + self.sent, self.chat);
        deliver(self.proxy, &update).await;
    }

    async fn press(&mut self, screen: &Value, data: &str) {
        self.send(|id, chat| press_update(id, chat, screen, data))
            .await;
        self.last_press = self.k as i64 * 100 + self.sent;
        self.screens_since_press = 0;
    }

    /// The next send or edit, other than a repeat of the last screen (its
    /// update was handled by the killed instance and again by the one that
    /// took it over); a failure shows what the customer saw.
    async fn next_screen(&mut self, what: &str) -> Value {
        let last = self
            .seen
            .iter()
            .rev()
            .find(|s| !s.starts_with('('))
            .cloned();
        let (replies, seen) = (&mut self.replies, &mut self.seen);
        let last_press = format!("press-{}", self.last_press);
        let answered_by_a_screen = self.screens_since_press > 0;
        let next = tokio::time::timeout(GIVE_UP, async {
            loop {
                let (method, body) = replies.recv().await?;
                let text = text_of(&body).to_owned();
                if method.starts_with("sendmessage") || method.starts_with("editmessage") {
                    if last.as_deref() != Some(text.as_str()) {
                        seen.push(text);
                        return Some(body);
                    }
                } else {
                    seen.push(format!("({method}: {text})"));
                    // Only the last press counts (an earlier one may be
                    // answered late, handled again after the kill), and only
                    // when no screen followed it (else the press worked the
                    // first time and its step moved on): a press handled
                    // again must not find its step expired.
                    if text == "This button has expired."
                        && body["callback_query_id"] == json!(last_press)
                        && !answered_by_a_screen
                    {
                        return None;
                    }
                }
            }
        })
        .await;
        match next {
            Ok(Some(screen)) => {
                self.screens_since_press += 1;
                screen
            }
            _ => panic!(
                "customer {}: {what} never came; they saw {:#?}",
                self.k, self.seen
            ),
        }
    }

    /// The next screen for which `wanted` holds, skipping others (the
    /// echo of a typed phone, say); one that never comes fails the test.
    async fn expect(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let screen = self.next_screen(what).await;
            if wanted(&screen) {
                return screen;
            }
            // A typed name handled a second time would be refused as the
            // phone number.
            assert!(
                !text_of(&screen).starts_with("A phone number"),
                "customer {}: an answer was applied twice; they saw {:#?}",
                self.k,
                self.seen
            );
        }
    }

    /// Books the Express trim, from /start to the outcome: the day and time
    /// depend on `k`, so customers spread over the free times.
    async fn book(&mut self) -> Outcome {
        let k = self.k;
        self.send(start_update).await;
        let mut screen = self.next_screen("the menu").await;
        let (mut day_choices, mut tries) = (1, 0);
        // Up to the question for the name.
        for _ in 0..30 {
            if text_of(&screen).starts_with("What name") {
                break;
            }
            let days = buttons_with(&screen, "d:");
            let times = buttons_with(&screen, "t:");
            let data = if let Some(book) = button(&screen, "📅 Book") {
                book
            } else if let Some(service) = button_containing(&screen, "Express") {
                service
            } else if !days.is_empty() {
                day_choices = days.len();
                days[k % days.len()].clone()
            } else if !times.is_empty() {
                // Another customer may take the time first: the bot then
                // offers the times still free, and the customer picks again.
                tries += 1;
                times[(k / day_choices + tries) % times.len()].clone()
            } else {
                button(&screen, "")
                    .unwrap_or_else(|| panic!("no button: {screen}; saw {:#?}", self.seen))
            };
            self.press(&screen, &data).await;
            screen = self.next_screen("the next booking step").await;
        }
        let name = name_of(k);
        self.send(|id, chat| text_update(id, chat, &name)).await;
        self.expect("the question for the phone", |screen| {
            text_of(screen).starts_with("Your phone number")
        })
        .await;
        let phone = format!("+7 916 {} 12 34", 100 + k);
        self.send(|id, chat| text_update(id, chat, &phone)).await;
        let comment = self
            .expect("the comment question", |screen| {
                button(screen, "Skip").is_some()
            })
            .await;
        self.press(&comment, &button(&comment, "Skip").unwrap())
            .await;
        let summary = self
            .expect("the summary", |screen| {
                button(screen, "✅ Confirm").is_some()
            })
            .await;
        self.press(&summary, &button(&summary, "✅ Confirm").unwrap())
            .await;
        let outcome = self
            .expect("the booking's outcome", |screen| {
                let text = text_of(screen);
                text.starts_with("✅ Booked") || text.contains("was just taken")
            })
            .await;
        if text_of(&outcome).starts_with("✅ Booked") {
            Outcome::Booked
        } else {
            Outcome::Taken
        }
    }
}

/// Customer `k` books; returns the outcome and how many updates they sent.
pub(crate) async fn customer(
    k: usize,
    proxy: SocketAddr,
    replies: mpsc::UnboundedReceiver<(String, Value)>,
) -> (Outcome, u64) {
    let mut customer = Customer {
        k,
        chat: FIRST_CUSTOMER + k as i64,
        proxy,
        replies,
        seen: Vec::new(),
        sent: 0,
        last_press: 0,
        screens_since_press: 0,
    };
    let outcome = customer.book().await;
    (outcome, u64::try_from(customer.sent).unwrap())
}
