//! Small values with invariants. Each is a newtype with a private field and
//! one fallible constructor that normalises its input, so a value that exists
//! is valid.

mod ids;
mod minutes;
mod money;
mod names;
mod notes;
mod phone;
mod text;
mod typed;

pub use ids::{
    BookingId, CustomerId, InvalidId, InvalidVersion, ServiceId, StaffId, StaffUser,
    TelegramUserId, TimeOffId, Version,
};
pub use minutes::{InvalidMinutes, Minutes};
pub use money::{Amount, Currency, InvalidCurrency, InvalidMoney, InvalidPrice, Money};
pub use names::{CustomerName, InvalidName, ServiceName, StaffName};
pub use notes::{CustomerNotes, InvalidNotes};
pub use phone::{InvalidPhone, PhoneNumber, PhoneRegion, UnknownRegion};
pub use text::{CancelReason, Comment, InvalidComment};
