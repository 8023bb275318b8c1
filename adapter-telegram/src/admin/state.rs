//! The admin bot's conversation state: the few steps that wait for typed
//! text. Everything else is carried by the buttons themselves (with the
//! booking version), so most of the admin bot is stateless.
//!
//! Stored through [`ConversationStorage`] under the bot name `admin`. Ids
//! are stored as numbers and re-checked by the domain constructors when
//! used. Bump [`AdminState::SCHEMA_VERSION`] with any incompatible change.
//!
//! [`ConversationStorage`]: crate::conversation::ConversationStorage

use serde::{Deserialize, Serialize};

use crate::conversation::DialogueState;

/// A booking as a staff member saw it: id and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub booking: i64,
    pub version: i64,
}

/// What the admin bot waits for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum AdminState {
    #[default]
    Idle,
    /// The reason for cancelling one booking (or `/skip`).
    CancelReason { seen: Seen },
    /// A blocked period collided with these bookings; a button offers to
    /// cancel them.
    Colliding { bookings: Vec<Seen> },
    /// The message to the customers of these bookings, which are then
    /// cancelled (or `/skip` for none).
    CollidingReason { bookings: Vec<Seen> },
    /// Moving this booking to this staff member: the day and time buttons
    /// that follow carry no staff (it would not fit Telegram's 64 bytes of
    /// button data), so the choice waits here. No text is expected.
    MovingTo { seen: Seen, staff: i64 },
    /// The new notes of this customer (or `/skip` to keep theirs).
    CustomerNotes { customer: i64 },
    /// `/book`: choosing with buttons (service, staff, day, time).
    Booking { draft: BookDraft },
    /// `/book`: the customer's phone.
    BookPhone { draft: BookDraft },
    /// `/book`: the name of a customer the phone found no record of.
    BookName { draft: BookDraft, phone: String },
    /// `/book`: a comment (or `/skip`).
    BookComment { draft: BookDraft },
    /// `/book`: the summary is shown with its Confirm button.
    BookReady { draft: BookDraft },
}

/// What staff chose so far in `/book`. Ids are stored as numbers and
/// re-checked by the domain constructors when used.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BookDraft {
    pub customer: Option<i64>,
    pub service: Option<i64>,
    /// The staff member; `Some(0)` for anyone.
    pub staff: Option<i64>,
    /// Seconds since the Unix epoch.
    pub start: Option<i64>,
    pub comment: Option<String>,
    /// A customer the phone found no record of, recorded only on Confirm
    /// so an abandoned `/book` leaves no record behind: name and phone as
    /// typed (both checked when typed, and again when recorded).
    #[serde(default)]
    pub new_customer: Option<NewCustomerDraft>,
}

/// A new customer's name and phone, not recorded yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomerDraft {
    pub name: String,
    pub phone: String,
}

impl DialogueState for AdminState {
    const SCHEMA_VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_survive_a_round_trip() {
        let seen = Seen {
            booking: 4,
            version: 2,
        };
        for state in [
            AdminState::Idle,
            AdminState::CancelReason { seen },
            AdminState::Colliding {
                bookings: vec![seen],
            },
            AdminState::CollidingReason {
                bookings: vec![seen, seen],
            },
            AdminState::CustomerNotes { customer: 12 },
            AdminState::Booking {
                draft: BookDraft::default(),
            },
            AdminState::BookName {
                draft: BookDraft {
                    customer: None,
                    service: Some(1),
                    staff: Some(0),
                    start: Some(1_900_000_000),
                    comment: None,
                    new_customer: None,
                },
                phone: "+79165550102".to_owned(),
            },
            AdminState::BookReady {
                draft: BookDraft {
                    customer: Some(9),
                    service: Some(1),
                    staff: Some(2),
                    start: Some(1_900_000_000),
                    comment: Some("Called".to_owned()),
                    new_customer: Some(NewCustomerDraft {
                        name: "Maria".to_owned(),
                        phone: "+79165550102".to_owned(),
                    }),
                },
            },
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<AdminState>(&json).unwrap(), state);
        }
    }
}
