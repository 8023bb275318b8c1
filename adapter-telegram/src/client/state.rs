//! The client bot's conversation state: where each customer is in a flow,
//! stored between updates through [`ConversationStorage`].
//!
//! Each step carries exactly what it needs (the service chosen so far, the
//! time, the name...), so an impossible combination cannot be stored. The
//! stored form is JSON; domain ids are stored as numbers and re-checked by
//! their constructors when read, so a tampered or corrupt state becomes
//! "unreadable" instead of an invalid id.
//!
//! Bump [`State::SCHEMA_VERSION`] with any change that makes old stored
//! states unreadable (renamed variants or fields, changed meanings): old
//! conversations then start over with an explanation instead of failing.
//!
//! [`ConversationStorage`]: crate::conversation::ConversationStorage

use booking_domain::{BookingId, ServiceId, StaffChoice, StaffId, Version};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::callback::FlowId;
use crate::conversation::DialogueState;

/// Where a customer is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum State {
    /// Not in a flow: the main menu applies.
    #[default]
    Idle,
    /// Making a new booking.
    Booking { flow: FlowId, step: BookingStep },
    /// Looking at, cancelling or moving their bookings.
    Bookings { flow: FlowId, step: ManageStep },
    /// Reading "About", or seeing or erasing their data.
    About { flow: FlowId, step: AboutStep },
}

impl DialogueState for State {
    const SCHEMA_VERSION: u32 = 1;
}

impl State {
    /// The flow this state belongs to, if any.
    pub fn flow(&self) -> Option<FlowId> {
        match self {
            State::Idle => None,
            State::Booking { flow, .. }
            | State::Bookings { flow, .. }
            | State::About { flow, .. } => Some(*flow),
        }
    }

    /// Whether the booking flow waits for the phone, where a shared contact
    /// is the booking's phone rather than the record's.
    pub fn asks_for_phone(&self) -> bool {
        matches!(
            self,
            State::Booking {
                step: BookingStep::Phone { .. },
                ..
            }
        )
    }
}

/// Whose time a customer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffPick {
    Any,
    Only(#[serde(with = "stored::staff_id")] StaffId),
}

impl StaffPick {
    pub fn choice(self) -> StaffChoice {
        match self {
            StaffPick::Any => StaffChoice::Any,
            StaffPick::Only(id) => StaffChoice::Only(id),
        }
    }
}

/// A chosen service, staff and start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    #[serde(with = "stored::service_id")]
    pub service: ServiceId,
    pub staff: StaffPick,
    pub start: DateTime<Utc>,
}

/// The customer's details once given, kept when they must pick another
/// time (the one they chose was taken) so they are not asked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub name: String,
    /// E.164, as parsed when they gave it.
    pub phone: String,
    pub comment: Option<String>,
}

/// The steps of a new booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum BookingStep {
    Service,
    Staff {
        #[serde(with = "stored::service_id")]
        service: ServiceId,
    },
    Day {
        #[serde(with = "stored::service_id")]
        service: ServiceId,
        staff: StaffPick,
        page: u8,
    },
    Time {
        #[serde(with = "stored::service_id")]
        service: ServiceId,
        staff: StaffPick,
        day: NaiveDate,
        /// Set when coming back from a taken time at confirmation.
        details: Option<Details>,
    },
    Name {
        slot: Slot,
        /// The names offered as buttons, by position.
        suggestions: Vec<String>,
    },
    Phone {
        slot: Slot,
        name: String,
    },
    Comment {
        slot: Slot,
        name: String,
        phone: String,
    },
    Summary {
        slot: Slot,
        details: Details,
    },
}

/// Moving an existing booking: which one, and at which version the
/// customer saw it, so a change by staff meanwhile is not overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    #[serde(with = "stored::booking_id")]
    pub booking: BookingId,
    #[serde(with = "stored::version")]
    pub version: Version,
    #[serde(with = "stored::service_id")]
    pub service: ServiceId,
    #[serde(with = "stored::staff_id")]
    pub staff: StaffId,
}

/// The steps of "My bookings".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ManageStep {
    List,
    Details {
        #[serde(with = "stored::booking_id")]
        booking: BookingId,
    },
    ConfirmCancel {
        #[serde(with = "stored::booking_id")]
        booking: BookingId,
        #[serde(with = "stored::version")]
        version: Version,
    },
    /// Moving: to which specialist (when the service has more than one).
    MoveStaff {
        r#move: Move,
    },
    MoveDay {
        r#move: Move,
        page: u8,
    },
    MoveTime {
        r#move: Move,
        day: NaiveDate,
    },
    MoveSummary {
        r#move: Move,
        start: DateTime<Utc>,
    },
}

/// The steps of "About".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AboutStep {
    About,
    MyData,
    ConfirmErase,
}

/// Serde for domain ids: stored as numbers, read back through the domain
/// constructors.
mod stored {
    macro_rules! id {
        ($module:ident, $type:ty) => {
            pub(super) mod $module {
                use serde::de::Error as _;
                use serde::{Deserialize, Deserializer, Serializer};

                pub(crate) fn serialize<S: Serializer>(
                    id: &$type,
                    s: S,
                ) -> Result<S::Ok, S::Error> {
                    s.serialize_i64(id.get())
                }

                pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
                    d: D,
                ) -> Result<$type, D::Error> {
                    let raw = i64::deserialize(d)?;
                    <$type>::new(raw).map_err(D::Error::custom)
                }
            }
        };
    }

    id!(service_id, booking_domain::ServiceId);
    id!(staff_id, booking_domain::StaffId);
    id!(booking_id, booking_domain::BookingId);
    id!(version, booking_domain::Version);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_step_survives_a_round_trip_through_json() {
        let slot = Slot {
            service: ServiceId::new(1).unwrap(),
            staff: StaffPick::Only(StaffId::new(2).unwrap()),
            start: Utc.with_ymd_and_hms(2030, 5, 2, 10, 0, 0).unwrap(),
        };
        let flow = FlowId(77);
        let states = [
            State::Idle,
            State::Booking {
                flow,
                step: BookingStep::Summary {
                    slot,
                    details: Details {
                        name: "Анна".to_owned(),
                        phone: "+79161234567".to_owned(),
                        comment: Some("hi".to_owned()),
                    },
                },
            },
            State::Bookings {
                flow,
                step: ManageStep::MoveTime {
                    r#move: Move {
                        booking: BookingId::new(9).unwrap(),
                        version: Version::new(3).unwrap(),
                        service: ServiceId::new(1).unwrap(),
                        staff: StaffId::new(2).unwrap(),
                    },
                    day: NaiveDate::from_ymd_opt(2030, 5, 2).unwrap(),
                },
            },
            State::About {
                flow,
                step: AboutStep::ConfirmErase,
            },
        ];
        for state in states {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(
                serde_json::from_str::<State>(&json).unwrap(),
                state,
                "{json}"
            );
        }
    }

    #[test]
    fn a_stored_id_that_breaks_the_domain_rules_does_not_load() {
        let json = r#"{"at":"booking","flow":1,"step":{"step":"staff","service":0}}"#;
        assert!(serde_json::from_str::<State>(json).is_err());
    }
}
